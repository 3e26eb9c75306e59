"""Tests for postkit.output: safe names, deterministic encoding, all-or-nothing post writing."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from postkit.check import check_post
from postkit.errors import OutputError
from postkit.output import PostWriter, dumps_json, encode_jpeg, safe_join, signals_held


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def write_post(writer: PostWriter, colour: str = "white") -> None:
    caption = "On this day. #onthisday"
    slides = []
    for i, kind in enumerate(["cover", "closing"], start=1):
        name = f"{i:02d}.jpg"
        writer.write_jpeg(name, Image.new("RGB", (1080, 1350), colour))
        slides.append({"file": name, "kind": kind, "text": "", "alt": "A slide."})
    writer.write_text("caption.txt", caption + "\n")
    writer.write_json("post.json", {"caption": caption, "slides": slides})


@pytest.fixture
def old_post(tmp_path: Path) -> Path:
    target = tmp_path / "out" / "post"
    with PostWriter(target) as writer:
        write_post(writer, colour="black")
        writer.write_text("old-only.txt", "old")
        writer.commit()
    return target


# --- safe_join ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "", ".", "..", "a/", "..\\x", "C:\\x", "a\0b"])
def test_safe_join_rejects(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError):
        safe_join(tmp_path, name)


def test_safe_join_accepts_plain_names(tmp_path: Path) -> None:
    assert safe_join(tmp_path, "01.jpg") == tmp_path / "01.jpg"
    assert safe_join(tmp_path, "extra/notes.txt") == tmp_path / "extra" / "notes.txt"
    assert safe_join(tmp_path, "..hidden") == tmp_path / "..hidden"


# --- encoding ------------------------------------------------------------------------------------


def test_encode_jpeg_is_deterministic_and_bare() -> None:
    image = Image.radial_gradient("L").resize((1080, 1350)).convert("RGB")
    image.info["comment"] = b"from the source"
    first, second = encode_jpeg(image), encode_jpeg(image.copy())
    assert first == second
    with Image.open(io.BytesIO(first)) as decoded:
        assert decoded.format == "JPEG"
        assert decoded.mode == "RGB"
        assert decoded.size == (1080, 1350)
        assert not decoded.getexif()
        assert "icc_profile" not in decoded.info
        assert "comment" not in decoded.info
        assert "exif" not in decoded.info


def test_encode_jpeg_drops_exif_and_icc_of_the_source() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 80), "red").save(buffer, "JPEG", exif=exif, icc_profile=srgb)
    with Image.open(buffer) as source:
        assert source.getexif()
        data = encode_jpeg(source)
    with Image.open(io.BytesIO(data)) as decoded:
        assert not decoded.getexif()
        assert "icc_profile" not in decoded.info


def test_encode_jpeg_uses_444_subsampling() -> None:
    from PIL import JpegImagePlugin

    with Image.open(io.BytesIO(encode_jpeg(Image.new("RGB", (64, 64), "blue")))) as decoded:
        assert JpegImagePlugin.get_sampling(decoded) == 0


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "CMYK"])
def test_encode_jpeg_converts_to_rgb(mode: str) -> None:
    image = Image.new("RGBA", (32, 40), (0, 0, 0, 0)).convert(mode)
    with Image.open(io.BytesIO(encode_jpeg(image))) as decoded:
        assert decoded.mode == "RGB"
        if mode in ("RGBA", "LA"):
            # Transparent pixels become white, not black.
            assert min(decoded.getpixel((16, 20))) > 245


def test_dumps_json() -> None:
    text = dumps_json({"b": 1, "a": "Ελληνικά"})
    assert text == '{\n  "a": "Ελληνικά",\n  "b": 1\n}\n'


# --- PostWriter ----------------------------------------------------------------------------------


def test_write_and_commit(tmp_path: Path) -> None:
    target = tmp_path / "out" / "post"  # the parent does not exist yet
    with PostWriter(target) as writer:
        staging = writer.staging
        assert staging.parent == target.parent
        assert staging.name.startswith(".post.")
        assert staging.name.endswith(".tmp")
        write_post(writer)
        assert not target.exists()
        assert writer.commit() == target
    assert sorted(snapshot(target)) == ["01.jpg", "02.jpg", "caption.txt", "post.json"]
    assert not staging.exists()
    assert leftovers(target.parent) == []
    assert check_post(target) == []
    assert json.loads((target / "post.json").read_text(encoding="utf-8"))["slides"][0] == {
        "alt": "A slide.",
        "file": "01.jpg",
        "kind": "cover",
        "text": "",
    }


def test_committed_folder_is_readable(tmp_path: Path) -> None:
    target = tmp_path / "post"
    with PostWriter(target) as writer:
        write_post(writer)
        writer.commit()
    assert stat.S_IMODE(target.stat().st_mode) & 0o055 == 0o055


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    for name in ("a", "b"):
        with PostWriter(tmp_path / name) as writer:
            write_post(writer)
            writer.commit()
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_write_text_uses_utf8_and_lf(tmp_path: Path) -> None:
    with PostWriter(tmp_path / "post") as writer:
        path = writer.write_text("caption.txt", "Ça\r\nva 😀\n")
        assert path.read_bytes() == "Ça\nva 😀\n".encode()
        writer.commit()


def test_exception_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "post"
    with pytest.raises(ZeroDivisionError), PostWriter(target) as writer:
        write_post(writer)
        staging = writer.staging
        1 / 0  # noqa: B018
    assert not target.exists()
    assert not staging.exists()
    assert list(tmp_path.iterdir()) == []


def test_no_commit_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "post"
    with PostWriter(target) as writer:
        write_post(writer)
    assert list(tmp_path.iterdir()) == []


def test_existing_target_without_force(old_post: Path) -> None:
    before = snapshot(old_post)
    with (
        pytest.raises(OutputError, match="already exists; pass --force"),
        PostWriter(old_post) as writer,
    ):
        write_post(writer)  # pragma: no cover - never reached
    assert snapshot(old_post) == before
    assert leftovers(old_post.parent) == []


def test_force_replaces_existing(old_post: Path) -> None:
    with PostWriter(old_post, force=True) as writer:
        write_post(writer, colour="white")
        writer.commit()
    assert sorted(snapshot(old_post)) == ["01.jpg", "02.jpg", "caption.txt", "post.json"]
    with Image.open(old_post / "01.jpg") as im:
        assert im.getpixel((0, 0)) == (255, 255, 255)
    assert leftovers(old_post.parent) == []


def test_force_refuses_a_folder_that_is_not_a_post(tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not a postkit post"):
        PostWriter(precious, force=True).__enter__()
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert leftovers(tmp_path) == []


def test_force_accepts_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "post").mkdir()
    with PostWriter(tmp_path / "post", force=True) as writer:
        write_post(writer)
        writer.commit()
    assert check_post(tmp_path / "post") == []


def test_failed_second_rename_keeps_old_post(old_post: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(old_post)
    real_replace = os.replace
    calls: list[tuple[str, str]] = []

    def flaky_replace(src, dst):
        calls.append((os.fspath(src), os.fspath(dst)))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    with (
        pytest.raises(OutputError, match="old post is unchanged"),
        PostWriter(old_post, force=True) as writer,
    ):
        write_post(writer, colour="white")
        monkeypatch.setattr(os, "replace", flaky_replace)
        writer.commit()
    monkeypatch.undo()
    assert len(calls) == 3  # aside, (failed) into place, back
    assert snapshot(old_post) == before
    assert leftovers(old_post.parent) == []


def test_failed_restore_names_the_backup(old_post: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    calls = 0

    def failing_replace(src, dst):
        nonlocal calls
        calls += 1
        if calls >= 2:
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    with (
        pytest.raises(OutputError, match=r"\.post\.[0-9a-f]+\.old; rename it back by hand"),
        PostWriter(old_post, force=True) as writer,
    ):
        write_post(writer)
        monkeypatch.setattr(os, "replace", failing_replace)
        writer.commit()
    monkeypatch.undo()
    backups = [p for p in old_post.parent.iterdir() if p.name.endswith(".old")]
    assert len(backups) == 1
    assert (backups[0] / "old-only.txt").read_text() == "old"


def test_target_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "x"
    target.write_text("not a folder")
    for force in (False, True):
        with pytest.raises(OutputError, match="x is a file, not a folder; choose another --out"):
            PostWriter(target, force=force).__enter__()
    assert target.read_text() == "not a folder"
    assert leftovers(tmp_path) == []


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file")
    with pytest.raises(OutputError, match="cannot create folder"):
        PostWriter(tmp_path / "out" / "post").__enter__()


def test_target_appearing_during_build_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "post"
    with pytest.raises(OutputError, match="already exists"), PostWriter(target) as writer:
        write_post(writer)
        target.mkdir()
        (target / "theirs.txt").write_text("keep me")
        writer.commit()
    assert snapshot(target) == {"theirs.txt": b"keep me"}
    assert leftovers(tmp_path) == []


def test_writing_a_name_twice_raises(tmp_path: Path) -> None:
    with PostWriter(tmp_path / "post") as writer:
        writer.write_text("caption.txt", "one")
        with pytest.raises(OutputError, match="written twice"):
            writer.write_text("caption.txt", "two")
        with pytest.raises(OutputError, match="written twice"):
            writer.write_bytes("CAPTION.TXT", b"three")


def test_writer_rejects_unsafe_names(tmp_path: Path) -> None:
    with PostWriter(tmp_path / "post") as writer, pytest.raises(OutputError):
        writer.write_bytes("../escape.txt", b"x")
    assert not (tmp_path / "escape.txt").exists()


def test_oserror_while_writing_becomes_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*args):
        raise OSError(28, "No space left on device")

    with PostWriter(tmp_path / "post") as writer:
        monkeypatch.setattr(os, "write", no_space)
        with pytest.raises(OutputError, match="No space left on device"):
            writer.write_text("caption.txt", "x")


@pytest.mark.parametrize("replacing", [False, True])
def test_files_are_flushed_one_by_one_only_to_replace_a_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacing: bool
) -> None:
    if replacing:
        with PostWriter(tmp_path / "post") as writer:
            writer.write_json("post.json", {"old": True})
            writer.commit()
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("names an open file through /proc (Linux)")
    flushed: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with PostWriter(tmp_path / "post", force=True) as writer:
        for name in ("01.jpg", "02.jpg", "post.json"):
            writer.write_bytes(name, b"x")
        writer.claim("reel.mp4").write_bytes(b"x")  # a file the caller writes itself (the Reel's video)
        with pytest.raises(OutputError, match="written twice"):
            writer.claim("reel.mp4")
        writer.commit()
    names = ("01.jpg", "02.jpg", "post.json", "reel.mp4")
    files = [p for p in flushed if Path(p).name in names]
    assert len(files) == (4 if replacing else 0), flushed
    assert [(tmp_path / "post" / name).read_bytes() for name in names] == [b"x"] * 4


def test_staging_outside_with_block_is_an_error(tmp_path: Path) -> None:
    writer = PostWriter(tmp_path / "post")
    with pytest.raises(RuntimeError):
        _ = writer.staging


def test_a_held_signal_acts_only_at_release() -> None:
    seen = []
    with signals_held() as signals:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)  # twice while held: once, as the kernel counts a pending signal
        seen.append("after the signal")  # not interrupted here
        with pytest.raises(KeyboardInterrupt):
            signals.release()
        signals.release()  # nothing left
    assert seen == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_held_to_the_end_of_the_block_runs_its_own_handler() -> None:
    calls = []

    def note(signum: int, frame: object) -> None:
        calls.append(signum)

    previous = signal.signal(signal.SIGTERM, note)
    try:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            assert calls == []
        assert calls == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is note
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals_held() as signals:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            signal.raise_signal(signal.SIGHUP)
            signals.release()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
