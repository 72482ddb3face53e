"""Finding the input files and opening them safely.

`scan_tree` lists every non-hidden entry under raw_root without opening any. Only regular
files are read later; the scan itself quarantines FIFOs, devices and sockets
(`not_a_regular_file`: a FIFO would block the open, /dev/zero would never end), links whose
target leaves raw_root (`symlink_outside_root`, unless follow_external_symlinks: their content
must not reach the warehouse) and names that are not UTF-8 (`non_utf8_file_name`: a name is
stored as text; it is shown with \\xNN). `open_regular` checks again at open time, so a file
swapped for a FIFO or another file after the scan is refused rather than read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sftmart.landing import window
from sftmart.landing.window import Progress

SUPPORTED_SUFFIXES = (".json", ".jsonl")
ROOT_COLLECTION = "(root)"  # source_collection of a file directly under raw_root


@dataclass
class FileInfo:
    rel: str  # path under raw_root, '/'-separated; non-UTF-8 bytes shown as \\xNN
    path: str  # the path to open
    collection: str
    size: int | None
    mtime_ns: int | None
    error: str | None = None  # stat failed: unreadable_file
    code: str | None = None  # quarantined by the scan itself (never opened) ...
    reason: str | None = None  # ... and why
    ident: tuple | None = None  # (st_dev, st_ino): open() checks it is the same file


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def file_kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def display_name(rel: str) -> str:
    """A path from os.walk as valid UTF-8 text: bytes that are not UTF-8 (kept by Python as
    surrogate escapes) are shown as \\xNN, so the name can be stored and printed safely."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def judge(
    full: str, rel: str, real_root: str, follow_external_symlinks: bool, is_dir_link: bool = False
) -> FileInfo | None:
    """What the scan knows about one entry, without opening it (None: skip a folder link that
    stays inside raw_root; its files are landed under their own paths)."""
    shown = display_name(rel)
    parts = shown.split("/")
    info = FileInfo(shown, full, parts[0] if len(parts) > 1 else ROOT_COLLECTION, None, None)
    if shown != rel:
        info.code, info.reason = (
            "non_utf8_file_name",
            (
                f"the file name is not valid UTF-8 (shown with \\xNN for the bytes that are not): "
                f"'{shown}'; the file was not read"
            ),
        )
        return info
    try:
        lst = os.lstat(full)
        link = stat.S_ISLNK(lst.st_mode)
        outside = link and not _inside(os.path.realpath(full), real_root)
        st = os.stat(full) if link else lst
    except OSError as e:
        info.error = e.strerror or str(e)
        return info
    if is_dir_link:
        if not outside:
            return None
        info.code, info.reason = (
            "symlink_outside_root",
            ("a symbolic link to a folder outside raw_root; it was not walked (links to folders are never followed)"),
        )
    elif not stat.S_ISREG(st.st_mode):
        info.code, info.reason = (
            "not_a_regular_file",
            (f"{'a symbolic link to ' if link else ''}{file_kind(st.st_mode)}, not a regular file; it was not opened"),
        )
    elif outside and not follow_external_symlinks:
        info.code, info.reason = (
            "symlink_outside_root",
            (
                "a symbolic link to a file outside raw_root; it was not read (the var "
                "follow_external_symlinks allows it)"
            ),
        )
    else:
        info.size, info.mtime_ns, info.ident = st.st_size, st.st_mtime_ns, (st.st_dev, st.st_ino)
    return info


def scan_tree(root: Path, follow_external_symlinks: bool = False) -> list[FileInfo]:
    """Every non-hidden entry under `root`, sorted by path. Only regular files get a size (and
    are read later); FIFOs, devices, sockets, links leaving the root (unless followed) and
    non-UTF-8 names come back with a quarantine code, a folder that cannot be listed with an
    error. Links to folders are never walked."""
    real_root = os.path.realpath(root)
    found: list[FileInfo] = []

    def unlistable(e: OSError) -> None:
        rel = os.path.relpath(e.filename, root).replace(os.sep, "/")
        info = judge(e.filename, rel, real_root, follow_external_symlinks) if rel != "." else None
        if info is not None:
            info.code, info.error = None, f"the folder could not be listed: {e.strerror or e}"
            found.append(info)

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable):
        names = [(n, False) for n in filenames if not n.startswith(".")]
        names += [(n, True) for n in dirnames if not n.startswith(".") and os.path.islink(os.path.join(dirpath, n))]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name, is_dir_link in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            info = judge(full, rel, real_root, follow_external_symlinks, is_dir_link)
            if info is not None:
                found.append(info)
    seen: set[str] = set()
    for info in sorted(found, key=lambda f: f.code != "non_utf8_file_name"):
        while info.rel in seen:  # a shown name equal to a real one ('a\\xff' is a valid name)
            info.rel += "~"
        seen.add(info.rel)
    found.sort(key=lambda f: f.rel)
    return found


class NotRegular(OSError):
    """The path is (no longer) the regular file the scan found."""


def open_regular(path, ident=None, buffering: int = -1):
    """Open a file for reading only if it is a regular file (and, given `ident` = (st_dev,
    st_ino) from the scan, the same file the scan saw). O_NONBLOCK: opening a FIFO that took
    the file's place returns at once instead of waiting for a writer; it is then refused."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"it is no longer a regular file ({file_kind(st.st_mode)})")
        if ident is not None and (st.st_dev, st.st_ino) != tuple(ident):
            raise NotRegular("it was replaced by another file while it was being landed")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def sha256_file(path, progress: Progress | None = None, ident=None) -> str:
    sha = hashlib.sha256()
    with open_regular(path, ident) as fh:
        while True:
            data = fh.read(window.CHUNK_BYTES)
            if not data:
                break
            sha.update(data)
            if progress is not None:
                progress.update(len(data))
    return sha.hexdigest()
