"""One identity per agency: the key its filings are grouped by and the name
it is shown by. The outbox folder, the receipts and the digest all ask here,
so one agency is never named two ways."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Optional, Sequence

from pydantic import BaseModel, ConfigDict

from .models import FiledRecord
from .text import strip_seal_note

# Whose wording names the agency: its 报告函 first (the form it registers with).
NAME_SOURCES = ("report_letter", "commitment", "work_report", "contract")
UNNAMED = "未识别机构"


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    name: str


def display_name(records: Sequence[FiledRecord]) -> Optional[str]:
    """The name as written on the agency's latest 报告函, else on its latest
    承诺书, 工作报表 or contract (latest: received last, then filed last)."""
    for kind in NAME_SOURCES:
        named = [(r.received_on, n, name) for n, r in enumerate(records)
                 if r.kind == kind and (name := strip_seal_note(getattr(r.fields, "agency_name", None)))]
        if named:
            return max(named)[2]
    return None


def by_agency(records: Iterable[FiledRecord]) -> dict[str, list[FiledRecord]]:
    """Records grouped by agency key, in ledger order (records naming no agency left out)."""
    groups: dict[str, list[FiledRecord]] = defaultdict(list)
    for rec in records:
        if key := rec.agency_key:
            groups[key].append(rec)
    return dict(groups)


def identify(key: str, records: Sequence[FiledRecord]) -> Agency:
    """The identity of the agency `key` from its records."""
    return Agency(key=key, name=display_name(records) or key)
