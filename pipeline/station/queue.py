"""The queue: filings that need a person (needs review, rejected, or read
with low OCR confidence and not yet decided), oldest deadline first. Read
with SQL over the ledger's columns, so a page costs its own rows, not the
whole ledger; only the rows shown are parsed as records."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from pydantic import BaseModel

from ..digest.views import CORRECTION_GRACE_DAYS
from ..ledger import Ledger
from ..models import FiledRecord

PAGE_SIZE = 50
_DECIDED = "EXISTS (SELECT 1 FROM corrections c WHERE c.sha256 = f.sha256 AND c.field = 'status')"
_IN_QUEUE = (f"f.state = 'done' AND (f.status IN ('needs_review', 'rejected') "
             f"OR (f.record LIKE '%\"LOW_CONFIDENCE\"%' AND NOT {_DECIDED}))")


class Filters(BaseModel):
    agency: Optional[str] = None
    kind: Optional[str] = None
    status: Optional[str] = None   # needs_review | rejected | low_confidence
    page: int = 0


class Item(BaseModel):
    record: FiledRecord
    deadline: dt.date


class Queue(BaseModel):
    items: list[Item]
    total: int                      # items matching the filters
    counts: dict[str, int]          # needs_review / rejected / low_confidence over the whole queue
    agencies: list[str]
    pages: int


def _where(f: Filters) -> tuple[str, list[str]]:
    sql, args = _IN_QUEUE, []
    if f.agency:
        sql += " AND f.agency = ?"
        args.append(f.agency)
    if f.kind:
        sql += " AND f.kind = ?"
        args.append(f.kind)
    if f.status in ("needs_review", "rejected"):
        sql += " AND f.status = ?"
        args.append(f.status)
    elif f.status == "low_confidence":
        sql += " AND f.status = 'accepted'"
    return sql, args


def queue(ledger: Ledger, f: Filters) -> Queue:
    db = ledger.db
    where, args = _where(f)
    total = int(db.execute(f"SELECT COUNT(*) FROM files f WHERE {where}", args).fetchone()[0])
    rows = db.execute(f"SELECT f.sha256 FROM files f WHERE {where} ORDER BY f.received_on, f.claimed_at, f.sha256 "
                      "LIMIT ? OFFSET ?", [*args, PAGE_SIZE, max(0, f.page) * PAGE_SIZE]).fetchall()
    items = []
    for (sha,) in rows:
        rec = ledger.record(sha)
        if rec is not None:
            items.append(Item(record=rec, deadline=rec.received_on + dt.timedelta(days=CORRECTION_GRACE_DAYS)))
    counts = {str(s): int(n) for s, n in db.execute(f"SELECT f.status, COUNT(*) FROM files f WHERE {_IN_QUEUE} "
                                                    "GROUP BY f.status")}
    counts["low_confidence"] = counts.pop("accepted", 0)
    agencies = [str(a) for (a,) in db.execute(f"SELECT DISTINCT f.agency FROM files f WHERE {_IN_QUEUE} "
                                              "AND f.agency IS NOT NULL ORDER BY f.agency")]
    return Queue(items=items, total=total, counts=counts, agencies=agencies, pages=max(1, -(-total // PAGE_SIZE)))


def next_after(ledger: Ledger, sha: str) -> Optional[str]:
    """The record after `sha` in the queue (the first one when `sha` is not in it)."""
    order = [str(r[0]) for r in ledger.db.execute(
        f"SELECT f.sha256 FROM files f WHERE {_IN_QUEUE} ORDER BY f.received_on, f.claimed_at, f.sha256")]
    if sha in order:
        i = order.index(sha)
        rest = order[i + 1:] + order[:i]
        return rest[0] if rest else None
    return order[0] if order else None
