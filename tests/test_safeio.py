"""postkit.safeio: reading files of untrusted folders (type checked, inside, bounded) and streaming hashes."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from postkit.safeio import (
    FileTooLargeError,
    UnsafeFileError,
    describe_bytes,
    open_inside,
    printable,
    read_inside,
    sha256_file,
)


def run_soon(function, *args, seconds: float = 10):
    """Call ``function`` in a thread; fail (instead of hanging the suite) if it takes longer than ``seconds``."""
    outcome: dict[str, object] = {}

    def target():
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} did not return within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_read_inside_reads_a_regular_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello")
    assert read_inside(tmp_path, "a.txt", 5) == b"hello"


def test_read_inside_refuses_more_than_the_limit(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello!")
    with pytest.raises(FileTooLargeError) as info:
        read_inside(tmp_path, "a.txt", 5)
    assert (info.value.size, info.value.limit) == (6, 5)
    assert str(info.value) == f"{tmp_path}/a.txt is 6 bytes, more than the 5 bytes postkit reads of it"


def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsafeFileError) as info:
        run_soon(read_inside, tmp_path, "pipe", 100)
    assert info.value.reason == "is a FIFO (named pipe), not a file"


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "/etc/hostname"])
def test_a_symlink_out_of_the_folder_is_refused(tmp_path, target):
    (tmp_path / "x").symlink_to(target)
    with pytest.raises(UnsafeFileError) as info:
        run_soon(read_inside, tmp_path, "x", 100)
    assert info.value.reason == f"is a symbolic link to {os.path.realpath(target)}, outside its folder"


def test_a_symlink_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "real.txt").write_bytes(b"inside")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_bytes(b"deeper")
    (tmp_path / "x").symlink_to("real.txt")
    (tmp_path / "y").symlink_to("sub/deep.txt")
    assert read_inside(tmp_path, "x", 100) == b"inside"
    assert read_inside(tmp_path, "y", 100) == b"deeper"


def test_a_symlink_inside_to_a_fifo_inside_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "x").symlink_to("pipe")
    with pytest.raises(UnsafeFileError, match=r"is a FIFO \(named pipe\), not a file"):
        run_soon(read_inside, tmp_path, "x", 100)


def test_a_folder_and_a_device_are_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(UnsafeFileError, match="is a folder, not a file"):
        read_inside(tmp_path, "sub", 100)
    with pytest.raises(UnsafeFileError, match="is a character device, not a file"):
        run_soon(read_inside, Path("/dev"), "zero", 100)


def test_a_broken_or_looping_symlink_is_an_os_error(tmp_path):
    (tmp_path / "broken").symlink_to("nowhere")
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(FileNotFoundError):
        read_inside(tmp_path, "broken", 100)
    with pytest.raises((OSError, UnsafeFileError)):
        read_inside(tmp_path, "loop", 100)


def test_the_folder_itself_may_be_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_bytes(b"a")
    (tmp_path / "real" / "b").symlink_to("a.txt")
    (tmp_path / "alias").symlink_to("real")
    assert read_inside(tmp_path / "alias", "b", 10) == b"a"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../x", "a\0b"])
def test_only_plain_names(tmp_path, name):
    with pytest.raises(ValueError, match="is not a file name"):
        open_inside(tmp_path, name)


def test_open_inside_gives_the_file_and_its_stat(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"12345")
    file, info = open_inside(tmp_path, "a.bin")
    with file:
        assert file.read() == b"12345" and info.st_size == 5


def test_sha256_file_matches_hashlib(tmp_path):
    data = os.urandom(300_000)  # several chunks, the last one partial
    (tmp_path / "a.bin").write_bytes(data)
    assert sha256_file(tmp_path / "a.bin") == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(str(tmp_path / "empty")) == hashlib.sha256(b"").hexdigest()


def test_sha256_file_refuses_what_would_block_or_never_end(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsafeFileError) as info:
        run_soon(sha256_file, tmp_path / "pipe")
    assert str(info.value) == f"{tmp_path}/pipe is a FIFO (named pipe), not a file; pass a regular file"
    with pytest.raises(UnsafeFileError, match="is a character device"):
        run_soon(sha256_file, "/dev/zero")
    with pytest.raises(UnsafeFileError, match="is a folder"):
        sha256_file(tmp_path)
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "missing")


def test_sha256_file_memory_stays_flat(tmp_path):
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(224 << 20)  # 224 MiB, sparse: reading it all into memory would break the 200 MiB limit
    code = "import sys; from postkit.safeio import sha256_file; print(sha256_file(sys.argv[1]))"

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (200 << 20, 200 << 20))

    result = subprocess.run(
        [sys.executable, "-c", code, str(big)], capture_output=True, text=True, timeout=60, preexec_fn=limit
    )
    assert result.returncode == 0, result.stderr
    expected = hashlib.sha256()
    zeros = bytes(1 << 20)
    for _ in range(224):
        expected.update(zeros)
    assert result.stdout.strip() == expected.hexdigest()


def test_printable_keeps_one_line():
    assert printable("a\nb\x1b[0m\u202ec") == "a\\nb\\x1b[0m\\u202ec"
    assert printable(os.fsdecode(b"caf\xe9")) == "caf\\udce9"
    assert printable("Петроград 1917") == "Петроград 1917"


@pytest.mark.parametrize(
    ("count", "text"),
    [(65536, "65,536 bytes (64 KB)"), (1 << 20, "1,048,576 bytes (1 MB)"), (1000, "1,000 bytes"), (0, "0 bytes")],
)
def test_describe_bytes(count, text):
    assert describe_bytes(count) == text
