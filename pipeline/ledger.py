"""The ledger: one SQLite database (WAL) in the state folder.

One row per distinct content (SHA-256). A file is claimed before it is read
and completed with its record in one transaction; a claim left by a process
that died is read again at the next start. Every drop, duplicates included,
is kept in `drops`. Only one process at a time owns a state folder.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from pathlib import Path
from typing import IO, Any, Iterator, Optional

from pydantic import BaseModel, ConfigDict

from . import search_index, wal
from .correct.apply import effective
from .errors import PipelineError
from .models import Correction, FiledRecord, Issue, Record
from .resolve import Resolution, apply

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    state TEXT NOT NULL,              -- claimed | done
    received_on TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    done_at TEXT,
    archive TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    kind TEXT,
    status TEXT,
    agency TEXT,
    record TEXT,                      -- the record as JSON (per-document issues only)
    cross_issues TEXT NOT NULL DEFAULT '[]',
    folder TEXT,                      -- the inbox subfolder it was dropped in
    searchable TEXT                   -- the searchable PDF beside a scanned original
);
CREATE TABLE IF NOT EXISTS drops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    duplicate INTEGER NOT NULL,
    archive TEXT
);
CREATE INDEX IF NOT EXISTS files_agency ON files(agency);
CREATE TABLE IF NOT EXISTS corrections (      -- officers' corrections and decisions: append-only
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    field TEXT NOT NULL,                      -- a field, `rows[N].field`, `status` (accept/reject) or `kind`
    old TEXT,                                 -- JSON
    new TEXT,                                 -- JSON
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS corrections_sha ON corrections(sha256);
CREATE TRIGGER IF NOT EXISTS corrections_no_update BEFORE UPDATE ON corrections
BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
CREATE TABLE IF NOT EXISTS names (             -- names read by OCR taken as names on file (resolve.py)
    sha256 TEXT PRIMARY KEY,
    resolutions TEXT NOT NULL                 -- JSON: list of Resolution
);
CREATE TABLE IF NOT EXISTS receipts (          -- receipt numbers: year and sequence, unique in the ledger
    sha256 TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    UNIQUE (year, seq)
);
"""
_COLUMNS = "sha256, source, state, received_on, archive, archived, record, cross_issues, folder, searchable"


class StateLockedError(PipelineError):
    exit_code = 5

    def __init__(self, state: Path) -> None:
        super().__init__(f"状态目录 {state} 正被另一个流水线进程使用：同一状态目录只能运行一个进程，请先停止另一个进程。")


class VersionConflictError(PipelineError):
    exit_code = 2

    def __init__(self, source: str, by: str) -> None:
        super().__init__(f"“{source}”已被{by}修改，您的更改未保存：请刷新页面，查看最新内容后再保存。")


class UnknownRecordError(PipelineError):
    exit_code = 2


class Entry(BaseModel):
    """The ledger's bookkeeping of one content: claimed or done, archived
    where, and its record once read."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    source: str
    state: str
    received_on: dt.date
    archive: Optional[str]
    archived: bool
    record: Optional[FiledRecord]


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Ledger:
    def __init__(self, path: Path, lock: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh: Optional[IO[str]] = None
        if lock:
            self._lock_fh = open(path.parent / "pipeline.lock", "a+")
            try:
                fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                self._lock_fh.close()
                raise StateLockedError(path.parent) from exc
        self.db = wal.connect(path)
        self.db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Ledgers written before the folder and the searchable PDF had
        columns of their own, or before the search index. Looked at again
        under the write lock: the station, the watcher and its output thread
        open the same new ledger at once, and only the first makes them."""
        if self._to_migrate() == ([], False):
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            columns, no_index = self._to_migrate()
            for column in columns:
                self.db.execute(f"ALTER TABLE files ADD COLUMN {column} TEXT")
            if no_index:  # its fields are searchable at once, texts after reprocess
                search_index.create(self.db)
                for entry in self.entries():
                    if entry.record is not None:
                        search_index.write(self.db, entry.sha256, entry.record, None)

    def _to_migrate(self) -> tuple[list[str], bool]:
        """The columns the files table lacks, and whether the search index is missing."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(files)")}
        return [c for c in ("folder", "searchable") if c not in have], not search_index.exists(self.db)

    def close(self) -> None:
        self.db.close()
        if self._lock_fh is not None:
            self._lock_fh.close()

    # ------------------------------------------------------------ claims
    def get(self, sha: str) -> Optional[Entry]:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE sha256 = ?", (sha,)).fetchone()
        return _entry(row, self.corrections(sha), self.resolutions(sha)) if row else None

    def claim(self, sha: str, source: str, received_on: dt.date) -> bool:
        """Claim a content for reading. False when it is already done (a
        duplicate drop, noted as such); True for a new content or a claim left
        unfinished by a process that died."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT state FROM files WHERE sha256 = ?", (sha,)).fetchone()
            if row and row[0] == "done":
                return False
            if row is None:
                self.db.execute("INSERT INTO files (sha256, source, state, received_on, claimed_at) VALUES (?, ?, 'claimed', ?, ?)",
                                (sha, source, received_on.isoformat(), _now()))
            else:
                self.db.execute("UPDATE files SET claimed_at = ? WHERE sha256 = ?", (_now(), sha))
        return True

    def complete(self, sha: str, record: Record, archive: str, folder: Optional[str]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE files SET state = 'done', done_at = ?, archive = ?, kind = ?, status = ?, agency = ?, record = ?, "
                "folder = ? WHERE sha256 = ?",
                (_now(), archive, record.kind, record.status, record.agency_key, _record_json(record), folder, sha))
            self.db.execute("INSERT INTO drops (sha256, source, seen_at, duplicate, archive) VALUES (?, ?, ?, 0, ?)",
                            (sha, record.source, _now(), archive))
            self._refresh(sha, record.text or None)

    def mark_archived(self, sha: str) -> None:
        self.db.execute("UPDATE files SET archived = 1 WHERE sha256 = ?", (sha,))

    def note_duplicate(self, sha: str, source: str, archive: str) -> None:
        self.db.execute("INSERT INTO drops (sha256, source, seen_at, duplicate, archive) VALUES (?, ?, ?, 1, ?)",
                        (sha, source, _now(), archive))

    def update_record(self, sha: str, record: Record) -> None:
        """A new extraction of a content on file (reprocess)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE files SET record = ?, kind = ?, status = ?, agency = ?, done_at = ? WHERE sha256 = ?",
                            (_record_json(record), record.kind, record.status, record.agency_key, _now(), sha))
            self._refresh(sha, record.text or None)

    def search(self, query: str, kind: Optional[str] = None, agency: Optional[str] = None,
               since: Optional[dt.date] = None, limit: int = 100) -> list[tuple[FiledRecord, str]]:
        """Records whose text, fields or corrections hold `query`, the latest
        filed first, each with the indexed text it was found in."""
        found = search_index.find(self.db, _COLUMNS, query, kind, agency, since, limit)
        fixes: dict[str, list[Correction]] = {}
        shas = [row[0] for row, _ in found]
        for c in self.db.execute(f"SELECT sha256, field, old, new, by, at, reason FROM corrections WHERE sha256 IN "
                                 f"({', '.join('?' * len(shas))}) ORDER BY id", shas) if shas else []:
            fixes.setdefault(c[0], []).append(_correction(c))
        out = []
        for row, body in found:
            record = _entry(row, fixes.get(row[0], []), self.resolutions(row[0])).record
            if record is not None:
                out.append((record, body))
        return out

    def set_searchable(self, sha: str, path: Optional[str]) -> None:
        self.db.execute("UPDATE files SET searchable = ? WHERE sha256 = ?", (path, sha))

    # ------------------------------------------------------------ names
    def resolutions(self, sha: str) -> list[Resolution]:
        row = self.db.execute("SELECT resolutions FROM names WHERE sha256 = ?", (sha,)).fetchone()
        return _resolutions(row[0]) if row else []

    def all_resolutions(self) -> dict[str, list[Resolution]]:
        """sha256 -> how its names resolve, for every record that has any."""
        return {sha: _resolutions(text) for sha, text in self.db.execute("SELECT sha256, resolutions FROM names")}

    def set_resolutions(self, sha: str, resolutions: list[Resolution]) -> bool:
        """Keep how a record's names resolve against the names on file; True when that changed."""
        text = json.dumps([r.model_dump(mode="json") for r in resolutions], ensure_ascii=False)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT resolutions FROM names WHERE sha256 = ?", (sha,)).fetchone()
            if (row[0] if row else "[]") == text:
                return False
            if resolutions:
                self.db.execute("INSERT OR REPLACE INTO names (sha256, resolutions) VALUES (?, ?)", (sha, text))
            else:
                self.db.execute("DELETE FROM names WHERE sha256 = ?", (sha,))
            self._refresh(sha)
        return True

    # ------------------------------------------------------------ corrections
    def corrections(self, sha: str) -> list[Correction]:
        rows = self.db.execute("SELECT sha256, field, old, new, by, at, reason FROM corrections WHERE sha256 = ? "
                               "ORDER BY id", (sha,)).fetchall()
        return [_correction(r) for r in rows]

    def add_correction(self, sha: str, correction: Correction, version: Optional[int] = None) -> FiledRecord:
        """Append one correction or decision and return the effective record.
        With `version` (the number of corrections the officer saw), a record
        changed since is refused (VersionConflictError) and nothing is written."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            done = self.corrections(sha)
            if version is not None and version != len(done):
                raise VersionConflictError(self._source(sha), done[-1].by if done else "他人")
            c = correction.model_dump(mode="json")
            self.db.execute("INSERT INTO corrections (sha256, field, old, new, by, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (sha, c["field"], _json(c["old"]), _json(c["new"]), c["by"], c["at"], c["reason"]))
            record = self._refresh(sha)
        assert record is not None
        return record

    def _refresh(self, sha: str, text: Optional[str] = None) -> Optional[FiledRecord]:
        """Keep the status, kind and agency columns and the search index those
        of the effective record (`text`: the text of a new reading)."""
        record = self.record(sha)
        if record is not None:
            self.db.execute("UPDATE files SET kind = ?, status = ?, agency = ? WHERE sha256 = ?",
                            (record.kind, record.status, record.agency_key, sha))
            search_index.write(self.db, sha, record, text)
        return record

    def _source(self, sha: str) -> str:
        row = self.db.execute("SELECT source FROM files WHERE sha256 = ?", (sha,)).fetchone()
        return str(row[0]) if row else sha[:12]

    def resolve(self, prefix: str) -> str:
        """The sha256 of the record a full digest or a unique prefix names."""
        p = prefix.strip().lower()
        if not p or any(ch not in "0123456789abcdef" for ch in p):
            raise UnknownRecordError(f"“{prefix}”不是记录编号（sha256 或其开头几位，十六进制）。")
        rows = self.db.execute("SELECT sha256 FROM files WHERE state = 'done' AND sha256 LIKE ? LIMIT 2",
                               (p + "%",)).fetchall()
        if not rows:
            raise UnknownRecordError(f"台账中没有编号以“{prefix}”开头的记录。")
        if len(rows) > 1:
            raise UnknownRecordError(f"编号以“{prefix}”开头的记录不止一条：请多写几位。")
        return str(rows[0][0])

    def receipt_number(self, sha: str, year: int) -> str:
        """The receipt number of a filing (assigned once: year and sequence)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT year, seq FROM receipts WHERE sha256 = ?", (sha,)).fetchone()
            if row is None:
                seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM receipts WHERE year = ?", (year,)).fetchone()[0]
                self.db.execute("INSERT INTO receipts (sha256, year, seq) VALUES (?, ?, ?)", (sha, year, seq))
                row = (year, seq)
        return f"武应急回〔{row[0]}〕{int(row[1]):04d}号"

    def set_cross_issues(self, sha: str, issues: list[Issue]) -> None:
        self.db.execute("UPDATE files SET cross_issues = ? WHERE sha256 = ?",
                        (json.dumps([i.model_dump(mode="json") for i in issues], ensure_ascii=False), sha))

    # ------------------------------------------------------------ queries
    def entries(self, agency: Optional[str] = None, kind: Optional[str] = None) -> Iterator[Entry]:
        """Every content read to the end, in the order they were claimed."""
        sql = f"SELECT {_COLUMNS} FROM files WHERE state = 'done'"
        args: list[str] = []
        if agency is not None:
            sql += " AND agency = ?"
            args.append(agency)
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        fixes: dict[str, list[Correction]] = {}
        for c in self.db.execute("SELECT sha256, field, old, new, by, at, reason FROM corrections ORDER BY id"):
            fixes.setdefault(c[0], []).append(_correction(c))
        names = self.all_resolutions()
        for row in self.db.execute(sql + " ORDER BY claimed_at, sha256", args).fetchall():
            yield _entry(row, fixes.get(row[0], []), names.get(row[0], []))

    def records(self, agency: Optional[str] = None, kind: Optional[str] = None) -> Iterator[FiledRecord]:
        """The records on file (of one agency key, of one kind), oldest claim first."""
        for entry in self.entries(agency=agency, kind=kind):
            if entry.record is not None:
                yield entry.record

    def record(self, sha: str) -> Optional[FiledRecord]:
        entry = self.get(sha)
        return entry.record if entry else None

    def unfinished(self) -> list[Entry]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE state = 'claimed' OR archived = 0").fetchall()
        return [_entry(r, self.corrections(r[0]), self.resolutions(r[0])) for r in rows]

    def counts(self) -> list[tuple[str, str, int]]:
        rows = self.db.execute("SELECT kind, status, COUNT(*) FROM files WHERE state = 'done' GROUP BY kind, status "
                               "ORDER BY kind, status").fetchall()
        return [(str(k), str(s), int(n)) for k, s, n in rows]

    def duplicates(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM drops WHERE duplicate = 1").fetchone()[0])

    def agencies(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT DISTINCT agency FROM files WHERE agency IS NOT NULL")]


def _record_json(record: Record) -> str:
    """The extraction as stored: what the ledger keeps beside it (receipt
    day, archive, folder, cross-document issues) is in columns of its own."""
    return record.model_dump_json(include=set(Record.model_fields))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _correction(row: tuple[Any, ...]) -> Correction:
    _sha, field, old, new, by, at, reason = row
    return Correction(field=field, old=json.loads(old) if old else None, new=json.loads(new) if new else None,
                      by=by, at=dt.datetime.fromisoformat(at), reason=reason)


def _resolutions(text: str) -> list[Resolution]:
    return [Resolution.model_validate(r) for r in json.loads(text)]


def _entry(row: tuple[Any, ...], corrections: list[Correction], names: list[Resolution]) -> Entry:
    sha, source, state, received_on, archive, archived, record, cross, folder, searchable = row
    received = dt.date.fromisoformat(received_on)
    filed = None
    if record:
        data = json.loads(record)
        data.update(received_on=received, archive=archive, folder=folder or data.get("folder"),
                    cross_issues=json.loads(cross or "[]"), searchable=searchable)
        filed = effective(apply(FiledRecord.model_validate(data), names), corrections)
    return Entry(sha256=sha, source=source, state=state, received_on=received, archive=archive,
                 archived=bool(archived), record=filed)
