"""The ledger's full-text index (SQLite FTS5, in the same database).

One row per content, its rowid the `files` row's: the text read (text
layer, Word XML or OCR), then the file name, every field value and every
officer's correction (the effective record's). Trigram tokens, so Chinese
needs no word segmentation. Queries of 1-2 characters, which trigrams cannot
match, go to a second, contentless index of the same rows whose tokens are
single characters (`chars`), as a phrase.

Only the ledger calls this module, inside its own transactions.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Optional

from .models import Record

SCHEMA = """
CREATE VIRTUAL TABLE search USING fts5(sha256 UNINDEXED, body, tokenize='trigram');
CREATE VIRTUAL TABLE search_chars USING fts5(body, content='', tokenize='unicode61 remove_diacritics 0');
"""
FIELDS_MARK = "\n\x1f\n"  # between the text read and the values of the fields in an index row


def exists(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'search'").fetchone() is not None


def create(db: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def write(db: sqlite3.Connection, sha: str, record: Record, text: Optional[str]) -> None:
    """(Re)write the content's row: `text` when given (a new reading), else
    the text indexed before; then the values of `record`."""
    found = db.execute("SELECT rowid FROM files WHERE sha256 = ?", (sha,)).fetchone()
    if found is None:
        return
    rowid = int(found[0])
    old = db.execute("SELECT body FROM search WHERE rowid = ?", (rowid,)).fetchone()
    if text is None:
        text = str(old[0]).split(FIELDS_MARK)[0] if old else ""
    if old:
        db.execute("DELETE FROM search WHERE rowid = ?", (rowid,))
        db.execute("INSERT INTO search_chars (search_chars, rowid, body) VALUES ('delete', ?, ?)",
                   (rowid, chars(str(old[0]))))
    body = text + FIELDS_MARK + values(record)
    db.execute("INSERT INTO search (rowid, sha256, body) VALUES (?, ?, ?)", (rowid, sha, body))
    db.execute("INSERT INTO search_chars (rowid, body) VALUES (?, ?)", (rowid, chars(body)))


def find(db: sqlite3.Connection, columns: str, query: str, kind: Optional[str], agency: Optional[str],
         since: Optional[dt.date], limit: int) -> list[tuple[tuple[Any, ...], str]]:
    """The `files` rows (`columns`) whose index row holds `query`, the latest
    filed first, each with the indexed text (fields one a line after it)."""
    if len(query) >= 3:  # trigram index; as a phrase, quotes doubled
        table, arg = "search", '"' + query.replace('"', '""') + '"'
    else:  # one token per character, as a phrase
        if not chars(query):
            return []
        table, arg = "search_chars", '"' + chars(query).replace('"', '""') + '"'
    where, args = ["f.state = 'done'"], [arg]
    for column, value in (("f.kind = ?", kind), ("f.agency = ?", agency), ("f.received_on >= ?", since)):
        if value is not None:
            where.append(column)
            args.append(value.isoformat() if isinstance(value, dt.date) else value)
    # the index walked newest first and stopped at the limit: a common word
    # costs its first hits, not every row that holds it
    rows = db.execute(
        f"SELECT {', '.join('f.' + c.strip() for c in columns.split(','))}, s.body "
        f"FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC) c "
        f"JOIN files f ON f.rowid = c.rowid JOIN search s ON s.rowid = c.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY c.rowid DESC LIMIT ?", [*args, limit]).fetchall()
    return [(tuple(row[:-1]), str(row[-1]).replace(FIELDS_MARK, "\n")) for row in rows]


def chars(text: str) -> str:
    """Every character a token of its own (white space dropped): a query of
    one or two characters is then a phrase of single-character tokens."""
    return " ".join(ch for ch in text if not ch.isspace())


def values(record: Record) -> str:
    """The file name, every field value and every correction, one a line."""
    out: list[str] = [record.source]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None and value != "":
            out.append(str(value))

    walk(record.fields.model_dump(mode="json"))
    for correction in getattr(record, "corrections", []):
        walk([correction.new, correction.reason])
    return "\n".join(out)
