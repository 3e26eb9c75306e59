"""The on-disk cache: where it lives, atomic entries, and that a bad entry or folder is never an error."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from postkit import cache


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    monkeypatch.setenv("POSTKIT_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    monkeypatch.delenv("POSTKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix":
        assert cache.cache_dir() in {tmp_path / "xdg" / "postkit", tmp_path.home() / "Library" / "Caches" / "postkit"}


def test_relative_xdg_cache_home_is_ignored(monkeypatch):
    monkeypatch.delenv("POSTKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/place")
    folder = cache.cache_dir()
    assert folder is not None and folder.is_absolute()


def test_store_and_load_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    name = cache.key("a", b"b")
    assert cache.load("faces", name) is None
    cache.store("faces", name, [[0.1, 0.2, 0.3, 0.4]])
    assert cache.load("faces", name) == [[0.1, 0.2, 0.3, 0.4]]
    assert [p.name for p in (tmp_path / "faces").iterdir()] == [f"{name}.json"]  # no temporary file left


def test_keys_do_not_run_parts_together():
    assert cache.key("ab", "c") != cache.key("a", "bc")
    assert cache.key("a") == cache.key(b"a")


def test_a_bad_entry_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "x.json").write_bytes(b"\xff not json")
    (tmp_path / "faces" / "big.json").write_bytes(b"[" + b"0," * 100_000 + b"0]")
    assert cache.load("faces", "x") is None
    assert cache.load("faces", "big") is None


def test_an_unwritable_cache_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(blocker))
    cache.store("faces", "x", [1])  # the folder cannot be made: nothing happens
    assert cache.load("faces", "x") is None
    assert blocker.read_text() == "in the way"


def test_off_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", "off")
    cache.store("faces", "x", [1])
    assert cache.load("faces", "x") is None
    assert not any(tmp_path.iterdir())


def test_found_faces_are_cached_and_a_forged_entry_is_refused(tmp_path, monkeypatch):
    from postkit import faces

    if not faces.available():
        pytest.skip("needs the faces extra (OpenCV)")
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    picture = Image.new("RGB", (600, 400), "gray")
    assert faces.find_faces(picture) == []
    (entry,) = (tmp_path / "faces").iterdir()
    assert cache.load("faces", entry.stem) == []
    # An answer in the cache is used as it is, without OpenCV looking again...
    entry.write_text("[[0.1, 0.1, 0.5, 0.6]]")
    assert faces.find_faces(picture) == [(0.1, 0.1, 0.5, 0.6)]
    # ...but one that is not a list of boxes inside the picture is looked at afresh.
    for forged in ("[[0.5, 0.1, 0.2, 0.6]]", "[[0, 0, 2, 1]]", '{"a": 1}', "[[true, 0, 1, 1]]", '[["0", 0, 1, 1]]'):
        entry.write_text(forged)
        assert faces.find_faces(picture) == []


def test_a_fifo_a_device_or_a_link_is_never_read(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "faces"
    folder.mkdir()
    os.mkfifo(folder / "fifo.json")  # opening it for reading would wait for a writer forever
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "real.json").write_text("[]")
    (folder / "link.json").symlink_to(folder / "real.json")
    for name in ("fifo", "zero", "link"):
        assert cache.load("faces", name) is None
    assert cache.load("faces", "real") == []


def test_nan_and_infinity_are_not_values(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "x.json").write_text("[[NaN, 0, 1, 1]]")
    (tmp_path / "faces" / "y.json").write_text("[[0, 0, Infinity, 1]]")
    assert cache.load("faces", "x") is None
    assert cache.load("faces", "y") is None


def test_json_nested_too_deep_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path))
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "x.json").write_text("[" * 30_000 + "]" * 30_000)  # 60 KB, under the size limit
    assert cache.load("faces", "x") is None
