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
import sqlite3
from pathlib import Path
from typing import IO, Any, Iterator, Optional

from pydantic import BaseModel, ConfigDict

from .errors import PipelineError
from .models import FiledRecord, Issue, Record

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
"""
# The full-text index: one row per content, its text (text layer, Word XML
# or OCR), field values, file name and officers' corrections; trigram
# tokens, so Chinese needs no word segmentation. Queries of 1-2 characters,
# which trigrams cannot match, go to a second, contentless index of the same
# rows whose tokens are single characters (`_chars`), as a phrase.
SEARCH_SCHEMA = """
CREATE VIRTUAL TABLE search USING fts5(sha256 UNINDEXED, body, tokenize='trigram');
CREATE VIRTUAL TABLE search_chars USING fts5(body, content='', tokenize='unicode61 remove_diacritics 0');
"""
_COLUMNS = "sha256, source, state, received_on, archive, archived, record, cross_issues, folder, searchable"


class StateLockedError(PipelineError):
    exit_code = 5

    def __init__(self, state: Path) -> None:
        super().__init__(f"状态目录 {state} 正被另一个流水线进程使用：同一状态目录只能运行一个进程，请先停止另一个进程。")


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
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Ledgers written before the folder and the searchable PDF had columns of their own."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(files)")}
        for column in ("folder", "searchable"):
            if column not in columns:
                self.db.execute(f"ALTER TABLE files ADD COLUMN {column} TEXT")
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'search'").fetchone():
            with self.db:  # a ledger from before the index: its fields are searchable at once, texts after reprocess
                self.db.execute("BEGIN IMMEDIATE")
                for statement in SEARCH_SCHEMA.split(";"):
                    self.db.execute(statement)
                for entry in self.entries():
                    if entry.record is not None:
                        self._index(entry.sha256, entry.record)

    def close(self) -> None:
        self.db.close()
        if self._lock_fh is not None:
            self._lock_fh.close()

    # ------------------------------------------------------------ claims
    def get(self, sha: str) -> Optional[Entry]:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE sha256 = ?", (sha,)).fetchone()
        return _entry(row) if row else None

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
            self._index(sha, record)

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
            self._index(sha, record)

    def reindex(self, sha: str) -> None:
        """Index the record on file again (after an officer's correction)."""
        record = self.record(sha)
        if record is not None:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self._index(sha, record)

    def _index(self, sha: str, record: Record) -> None:
        """(Re)write the content's row of the search index (its rowid is the
        files row's): its text when the record carries it, else the text
        indexed before, then the fields and corrections of this record."""
        found = self.db.execute("SELECT rowid FROM files WHERE sha256 = ?", (sha,)).fetchone()
        if found is None:
            return
        rowid = int(found[0])
        old = self.db.execute("SELECT body FROM search WHERE rowid = ?", (rowid,)).fetchone()
        text = record.text or (str(old[0]).split(_FIELDS_MARK)[0] if old else "")
        if old:
            self.db.execute("DELETE FROM search WHERE rowid = ?", (rowid,))
            self.db.execute("INSERT INTO search_chars (search_chars, rowid, body) VALUES ('delete', ?, ?)",
                            (rowid, _chars(str(old[0]))))
        body = text + _FIELDS_MARK + _searchable_values(record)
        self.db.execute("INSERT INTO search (rowid, sha256, body) VALUES (?, ?, ?)", (rowid, sha, body))
        self.db.execute("INSERT INTO search_chars (rowid, body) VALUES (?, ?)", (rowid, _chars(body)))

    def search(self, query: str, kind: Optional[str] = None, agency: Optional[str] = None,
               since: Optional[dt.date] = None, limit: int = 100) -> list[tuple[FiledRecord, str]]:
        """Records whose text, fields or corrections hold `query`, the latest
        filed first, each with the indexed text it was found in."""
        if len(query) >= 3:  # trigram index; as a phrase, quotes doubled
            sql, arg = "search MATCH ?", '"' + query.replace('"', '""') + '"'
        else:  # one token per character, as a phrase
            sql, arg = "s.rowid IN (SELECT rowid FROM search_chars WHERE search_chars MATCH ?)", \
                '"' + _chars(query).replace('"', '""') + '"'
            if not _chars(query):
                return []
        where, args = [sql], [arg]
        for column, value in (("f.kind = ?", kind), ("f.agency = ?", agency), ("f.received_on >= ?", since)):
            if value is not None:
                where.append(column)
                args.append(value.isoformat() if isinstance(value, dt.date) else value)
        rows = self.db.execute(
            f"SELECT {', '.join('f.' + c.strip() for c in _COLUMNS.split(','))}, s.body FROM search s "
            f"JOIN files f ON f.rowid = s.rowid WHERE {' AND '.join(where)} AND f.state = 'done' "
            "ORDER BY s.rowid DESC LIMIT ?", [*args, limit]).fetchall()
        out = []
        for row in rows:
            record = _entry(row[:-1]).record
            if record is not None:
                out.append((record, str(row[-1]).replace(_FIELDS_MARK, "\n")))
        return out

    def set_searchable(self, sha: str, path: Optional[str]) -> None:
        self.db.execute("UPDATE files SET searchable = ? WHERE sha256 = ?", (path, sha))

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
        for row in self.db.execute(sql + " ORDER BY claimed_at, sha256", args):
            yield _entry(row)

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
        return [_entry(r) for r in rows]

    def counts(self) -> list[tuple[str, str, int]]:
        rows = self.db.execute("SELECT kind, status, COUNT(*) FROM files WHERE state = 'done' GROUP BY kind, status "
                               "ORDER BY kind, status").fetchall()
        return [(str(k), str(s), int(n)) for k, s, n in rows]

    def duplicates(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM drops WHERE duplicate = 1").fetchone()[0])

    def agencies(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT DISTINCT agency FROM files WHERE agency IS NOT NULL")]


_FIELDS_MARK = "\n\x1f\n"  # between the text read and the values of the fields in an index row


def _chars(text: str) -> str:
    """Every character a token of its own (white space dropped): a query of
    one or two characters is then a phrase of single-character tokens."""
    return " ".join(ch for ch in text if not ch.isspace())


def _searchable_values(record: Record) -> str:
    """The file name, every field value and every correction, one a line."""
    values: list[str] = [record.source]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None and value != "":
            values.append(str(value))

    walk(record.fields.model_dump(mode="json"))
    for correction in getattr(record, "corrections", []):
        walk([correction.new, correction.reason])
    return "\n".join(values)


def _record_json(record: Record) -> str:
    """The extraction as stored: what the ledger keeps beside it (receipt
    day, archive, folder, cross-document issues) is in columns of its own."""
    return record.model_dump_json(include=set(Record.model_fields))


def _entry(row: tuple[Any, ...]) -> Entry:
    sha, source, state, received_on, archive, archived, record, cross, folder, searchable = row
    received = dt.date.fromisoformat(received_on)
    filed = None
    if record:
        data = json.loads(record)
        data.update(received_on=received, archive=archive, folder=folder or data.get("folder"),
                    cross_issues=json.loads(cross or "[]"), searchable=searchable)
        filed = FiledRecord.model_validate(data)
    return Entry(sha256=sha, source=source, state=state, received_on=received, archive=archive,
                 archived=bool(archived), record=filed)
