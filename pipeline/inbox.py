"""The inbox as the watcher sees it: which files to take, which to ignore,
which to refuse, and when a file is completely written."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

IGNORED_FILES = ["~$*", ".~*", ".~lock.*#", "*.tmp", "*.part", "*.crdownload", "*.partial", "*.swp",
                 "Thumbs.db", "desktop.ini", ".DS_Store", "*.原因.txt"]
IGNORED_DIRS = {"@eaDir", "__MACOSX", "#recycle", "$RECYCLE.BIN", ".Trash", "System Volume Information"}


def ignored(name: str) -> bool:
    """Lock, temp and system files that are never filings."""
    if name.startswith("."):
        return True
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, pattern.lower()) for pattern in IGNORED_FILES)


def scan(inbox: Path) -> Iterator[Path]:
    """Every candidate file under the inbox, subfolders included. Symlinks
    are yielded too (they are refused, with a reason, by `refusal`)."""
    stack = [inbox]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                if not ignored(entry.name):
                    yield Path(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in IGNORED_DIRS and not entry.name.startswith("."):
                    stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and not ignored(entry.name):
                yield Path(entry.path)


def refusal(path: Path, inbox: Path) -> Optional[str]:
    """Why a path must not be read, or None when it may be."""
    try:
        st = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "符号链接（快捷方式）不予读取：请直接放入文件本身。"
    if not stat.S_ISREG(st.st_mode):
        return "不是普通文件，不予读取。"
    try:
        path.resolve().relative_to(inbox.resolve())
    except ValueError:
        return "文件路径指向收件目录之外，不予读取。"
    return None


def display_name(path: Path) -> str:
    """The file's name for people and records: bytes that are not UTF-8
    (GBK names from old SMB clients) are decoded as GBK; control characters
    such as newlines become spaces."""
    name = path.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            name = raw.decode("gbk")
        except UnicodeDecodeError:
            name = raw.decode("utf-8", errors="replace")
    return re.sub(r"[\x00-\x1f\x7f]", " ", name)


def folder_hint(path: Path, inbox: Path) -> Optional[str]:
    """The first subfolder under the inbox, which may name the agency."""
    try:
        parts = path.relative_to(inbox).parts
    except ValueError:
        return None
    return display_name(Path(parts[0])) if len(parts) > 1 else None


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float
    first_seen: float


class Stability:
    """Tracks candidate files until their size and mtime have been stable
    for `window` seconds (a file whose mtime is already older than the
    window when first seen is taken at once)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.seen: dict[Path, _Seen] = {}

    def add(self, path: Path) -> None:
        if path not in self.seen:
            try:
                st = path.lstat()
            except OSError:
                return
            now = time.monotonic()
            age = max(0.0, time.time() - st.st_mtime)
            self.seen[path] = _Seen(st.st_size, st.st_mtime_ns, now - min(age, self.window), now)

    def ready(self) -> list[tuple[Path, float]]:
        """Paths stable for the window, with the wall-clock time first seen."""
        now = time.monotonic()
        out = []
        for path, seen in list(self.seen.items()):
            try:
                st = path.lstat()
            except OSError:
                del self.seen[path]
                continue
            if (st.st_size, st.st_mtime_ns) != (seen.size, seen.mtime_ns):
                seen.size, seen.mtime_ns, seen.since = st.st_size, st.st_mtime_ns, now
                continue
            if now - seen.since >= self.window:
                del self.seen[path]
                out.append((path, time.time() - (now - seen.first_seen)))
        return out

    def __len__(self) -> int:
        return len(self.seen)
