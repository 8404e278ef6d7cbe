"""`pipeline search`: filings found by what they say.

Over the ledger's full-text index (`Ledger.search`: SQLite FTS5, trigram
tokens; queries of one or two characters by `instr`): the text of every
filing (text layers, Word XML, OCR), its field values, its file name and
officers' corrections. Each hit is the record as `pipeline records` prints
it, plus `snippet`: the indexed text around the first place it was found.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterator, Optional

from pydantic import BaseModel

from .errors import UsageError
from .ledger import Ledger
from .models import KIND_NAMES, FiledRecord
from .text import agency_key

SNIPPET_CHARS = 30   # characters shown on each side of the hit


class Hit(BaseModel):
    record: FiledRecord
    snippet: str


def search_hits(ledger: Ledger, query: str, kind: Optional[str] = None, agency: Optional[str] = None,
                since: Optional[dt.date] = None, limit: int = 100) -> list[Hit]:
    """The records matching `query`, newest first, each with its snippet
    (for `pipeline search` and the review station's search box)."""
    query = " ".join(query.split())
    if not query:
        raise UsageError("请给出要查找的文字，例如：pipeline search 锦华电机")
    if kind is not None and kind not in KIND_NAMES:
        raise UsageError(f"类别应为 {'、'.join(KIND_NAMES)} 之一：{kind}")
    key = agency_key(agency) if agency else None
    return [Hit(record=record, snippet=snippet(body, query))
            for record, body in ledger.search(query, kind, key, since, limit)]


def search_lines(ledger: Ledger, query: str, kind: Optional[str] = None, agency: Optional[str] = None,
                 since: Optional[dt.date] = None, limit: int = 100) -> Iterator[str]:
    """JSON Lines of the records matching `query`, newest first."""
    for hit in search_hits(ledger, query, kind, agency, since, limit):
        out = hit.record.to_json_dict()
        out["snippet"] = hit.snippet
        yield json.dumps(out, ensure_ascii=False)


def snippet(body: str, query: str) -> str:
    """The text around the first occurrence of `query`, on one line, the hit
    in 【】."""
    flat = " ".join(body.split())
    at = flat.lower().find(query.lower())
    if at < 0:
        return flat[: 2 * SNIPPET_CHARS]
    start, end = max(0, at - SNIPPET_CHARS), at + len(query)
    return (("…" if start else "") + flat[start:at] + "【" + flat[at:end] + "】" + flat[end:end + SNIPPET_CHARS]
            + ("…" if end + SNIPPET_CHARS < len(flat) else ""))
