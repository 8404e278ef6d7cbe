"""The ledger's SQLite connection: write-ahead log, every commit synced.

SQLite keeps WAL mode in the file, and the first connection to a new file
switches it. A switch tried while another connection is making the same
switch fails at once with "database is locked": SQLite does not wait its
busy timeout for it. `serve --watch` on a new state folder opens the new
ledger from three threads at once (measured: 22 of 300 rounds of four
connections opening a new ledger failed that way), so the switch is tried
again until the other connection is done, within the same timeout.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

RETRY_SECONDS = 0.02


def connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection to `path` (autocommit; usable from any thread) in WAL
    mode with synchronous=FULL."""
    db = sqlite3.connect(path, isolation_level=None, timeout=timeout, check_same_thread=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(RETRY_SECONDS)
    db.execute("PRAGMA synchronous=FULL")
    return db
