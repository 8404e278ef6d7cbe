"""One way to write a file that readers of a shared folder see whole: write
a temporary file beside the target, fsync it, rename it over the target and
fsync the folder, so that after a crash or a power cut the target is either
the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union


def fsync_dir(path: Path) -> None:
    """Make a rename or a new name in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside `target` for the caller to write; on
    success it replaces `target`. A body that raises leaves `target` as it
    was; a body that deletes the temporary file (nothing changed) too."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".~", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
            fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(target: Path, data: Union[str, bytes]) -> Path:
    """Write text (UTF-8) or bytes to `target` atomically."""
    with atomic_path(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(target)
