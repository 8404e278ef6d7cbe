"""The two rules of issue 18 over the records on file, for the cross-checks
and the digest alike (both ask here, so they always agree):

- 第十九条（七）: no practitioner on the staff of two agencies of the same
  type at once. An agency's staff list is current until it files a newer
  one; two agencies are of the same type when they share a service
  category (their latest 报告函, else their contracts).
- 第十七条: a 托管 service (category consulting, 托管 in its project
  wording) brings in the district's experts at least twice a service year
  at an enterprise under key supervision (industry words in
  `supervision.json`), once elsewhere; a check counts when the enterprise
  signed its record. A service year short of checks is listed once it has
  ended, or `due_soon_days` before its end (the deadline shown).

Pure functions of the records and the day; ID numbers stay whole here (they
are compared) and are masked by whoever shows them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from functools import lru_cache
from importlib import resources
from itertools import combinations
from typing import Any, Iterable, Optional

from pydantic import BaseModel

from .agencies import by_agency, display_name
from .models import ContractFields, ExpertCheckFields, FiledRecord, ReportLetterFields, StaffListFields
from .periods import ServiceYear, checks_required, service_years
from .text import name_key


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("supervision.json").read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------- 第十九条（七）
class ListRef(BaseModel):
    """One agency's current staff list."""

    agency_key: str
    agency: str
    sha256: str
    source: str
    listed_on: date               # the list's 填表日期, else the day it arrived
    position: int                 # the person's place on it (0-based)


class TwoAgencies(BaseModel):
    id_number: str
    name: Optional[str]
    first: ListRef
    second: ListRef
    categories: list[str]         # the service categories both agencies offer


def _on_file(records: Iterable[FiledRecord], as_of: Optional[date]) -> list[FiledRecord]:
    return [r for r in records if r.status != "rejected" and (as_of is None or r.received_on <= as_of)]


def current_list(recs: list[FiledRecord]) -> Optional[FiledRecord]:
    """The agency's latest staff list: arrived last (then filled last, then filed last)."""
    lists = [(r.received_on, r.fields.filled_on or date.min, n, r) for n, r in enumerate(recs)
             if isinstance(r.fields, StaffListFields) and r.fields.people]
    return max(lists, key=lambda t: t[:3])[3] if lists else None


def categories(recs: list[FiledRecord]) -> set[str]:
    """What the agency offers: its latest 报告函's categories, else its contracts'."""
    letters = [(r.received_on, n, r.fields) for n, r in enumerate(recs) if isinstance(r.fields, ReportLetterFields)]
    if letters:
        return set(max(letters, key=lambda t: t[:2])[2].service_categories or [])
    return {r.fields.service_category for r in recs if isinstance(r.fields, ContractFields) and r.fields.service_category}


def people_in_two_agencies(records: Iterable[FiledRecord], as_of: Optional[date] = None) -> list[TwoAgencies]:
    """Every ID number on the current staff lists of two agencies that share
    a service category (one entry per pair of agencies)."""
    seen: dict[str, list[tuple[ListRef, Optional[str]]]] = defaultdict(list)
    offers: dict[str, set[str]] = {}
    for key, recs in by_agency(_on_file(records, as_of)).items():
        latest = current_list(recs)
        if latest is None or not isinstance(latest.fields, StaffListFields):
            continue
        offers[key] = categories(recs)
        name = display_name(recs) or key
        listed = latest.fields.filled_on or latest.received_on
        for i, person in enumerate(latest.fields.people or []):
            if person.id_number and len(person.id_number) == 18 and all(r.agency_key != key for r, _ in seen[person.id_number]):
                seen[person.id_number].append((ListRef(agency_key=key, agency=name, sha256=latest.sha256, source=latest.source,
                                                       listed_on=listed, position=i), person.name))
    out: list[TwoAgencies] = []
    for number, refs in seen.items():
        for (a, name_a), (b, _) in combinations(sorted(refs, key=lambda t: (t[0].listed_on, t[0].agency)), 2):
            common = offers[a.agency_key] & offers[b.agency_key]
            if common:
                out.append(TwoAgencies(id_number=number, name=name_a, first=a, second=b, categories=sorted(common)))
    return sorted(out, key=lambda t: (t.first.agency, t.second.agency, t.name or ""))


# ---------------------------------------------------------------- 第十七条
class ExpertGap(BaseModel):
    """A service year of a 托管 contract in force with fewer signed expert checks than it needs."""

    sha256: str                   # the contract
    agency_key: str
    agency: str
    client: str
    project: str
    key: bool                     # the enterprise is under key supervision
    year: ServiceYear
    required: int
    done: int
    overdue: bool                 # the service year has ended

    @property
    def deadline(self) -> date:
        return self.year.end


def is_tuoguan(f: ContractFields) -> bool:
    return f.service_category == "consulting" and any(w in (f.project_content or "") for w in rules()["tuoguan_words"])


def is_key_supervision(f: ContractFields) -> bool:
    return any(w in (f.project_content or "") for w in rules()["key_industry_words"])


def _contracts_in_force(recs: list[FiledRecord], as_of: date) -> list[FiledRecord]:
    """托管 contracts in force on `as_of`; a contract filed again counts once (the latest filing)."""
    latest: dict[tuple[Optional[str], Optional[str], date], FiledRecord] = {}
    for r in recs:
        f = r.fields
        if isinstance(f, ContractFields) and f.signed_on and is_tuoguan(f) and f.signed_on <= as_of:
            years = service_years(f.signed_on, f.completion_on)
            if years and as_of <= years[-1].end:
                latest[(r.agency_key, name_key(f.client_name), f.signed_on)] = r
    return list(latest.values())


def _check_days(recs: list[FiledRecord]) -> dict[tuple[Optional[str], Optional[str]], set[date]]:
    """The days of signed expert checks, per (agency, enterprise)."""
    days: dict[tuple[Optional[str], Optional[str]], set[date]] = defaultdict(set)
    for r in recs:
        f = r.fields
        if isinstance(f, ExpertCheckFields) and f.checked_on and f.client_signed:
            days[(r.agency_key, name_key(f.client_name))].add(f.checked_on)
    return days


def expert_check_gaps(records: Iterable[FiledRecord], as_of: date) -> list[ExpertGap]:
    """Every service year of every 托管 contract in force with fewer signed
    expert checks on file than 第十七条 asks: years that have ended
    (overdue) and the current one once its end is `due_soon_days` away."""
    recs = _on_file(records, as_of)
    groups = by_agency(recs)
    days = _check_days(recs)
    out: list[ExpertGap] = []
    for rec in _contracts_in_force(recs, as_of):
        f = rec.fields
        assert isinstance(f, ContractFields) and f.signed_on is not None
        key = is_key_supervision(f)
        per_year = rules()["checks_per_year"]["key" if key else "other"]
        done_days = days.get((rec.agency_key, name_key(f.client_name)), set())
        for year in service_years(f.signed_on, f.completion_on):
            if year.start > as_of:
                break
            required, done = checks_required(per_year, year), sum(1 for d in done_days if d in year)
            if done < required and (year.end - as_of).days <= rules()["due_soon_days"]:
                out.append(ExpertGap(
                    sha256=rec.sha256, agency_key=rec.agency_key or "", agency=display_name(groups.get(rec.agency_key or "", [])) or "",
                    client=f.client_name or "", project=f.project_content or "", key=key, year=year,
                    required=required, done=done, overdue=year.end < as_of))
    return sorted(out, key=lambda g: (g.agency, g.client, g.year.start))
