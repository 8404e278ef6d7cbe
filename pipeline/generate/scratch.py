"""Where LibreOffice's scratch goes: its profiles, its temporary files
(TMPDIR) and the PDFs it writes before the converter copies them into the
outbox (and fsyncs them there).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable, Optional

# LibreOffice's scratch (its profiles, its temporary files, the PDFs it writes
# before they are copied into the outbox, fsynced there) holds nothing that
# must outlive a batch. On a RAM-backed folder, the three fsyncs LibreOffice
# makes per document and its profile writes cost nothing (200 filings: 41.9 →
# 39.8 s with one worker, 25.7 → 24.7 s with two). Used when it has room.
RAM_FOLDERS = (Path("/dev/shm"),)
RAM_FOLDER_MIN_FREE = 512 * 2**20
PDF_ROOM_MARGIN = 64 * 2**20  # room kept free besides a run's PDFs (see room_for)
SCRATCH_PREFIX = "pipeline-soffice-"  # then the converter's process id


def scratch_parent() -> Optional[str]:
    """A RAM-backed folder with room for LibreOffice's scratch; None: the
    system's temporary folder."""
    for folder in RAM_FOLDERS:
        free = _free_bytes(folder)
        if free is not None and free >= RAM_FOLDER_MIN_FREE and os.access(folder, os.W_OK | os.X_OK):
            return str(folder)
    return None


def drop_stale_scratch(folder: Path) -> list[Path]:
    """Remove the scratch folders in `folder` whose converter's process is
    gone (killed while converting): in RAM they would hold memory until the
    machine restarts. The folders removed."""
    dropped = []
    for old in folder.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = old.name[len(SCRATCH_PREFIX):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
            dropped.append(old)
    return dropped


def _alive(pid: int) -> bool:
    """True unless no process has this id (POSIX: signal 0 checks, sends nothing)."""
    if os.name != "posix" or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def room_for(folder: Path, files: Iterable[Path]) -> bool:
    """True when `folder` has room for the PDFs of `files`: thrice their
    size (a Word contract's photos are embedded again), and a margin."""
    free = _free_bytes(folder)
    try:
        need = 3 * sum(Path(f).stat().st_size for f in files) + PDF_ROOM_MARGIN
    except OSError:
        return True  # the conversion itself says what is wrong
    return free is None or free >= need


def _free_bytes(folder: Path) -> Optional[int]:
    """The bytes this user may still write in `folder`'s file system; None
    when unknown (no such folder, or a system without statvfs)."""
    if not hasattr(os, "statvfs"):
        return None
    try:
        room = os.statvfs(folder)
    except OSError:
        return None
    return room.f_bavail * room.f_frsize
