"""The flow of a batch, top to bottom:

    claim → read → record and archive → cross-check → documents → digest

`run_batch` is the one function every command runs: the watcher and
`process` with the files that are completely written in the inbox
(`intake.InboxIntake`), `reprocess` with the archived originals
(`intake.ArchiveIntake`). Reading happens in the worker pool (`pool.Reader`,
which runs `flow.build_record` per file: read → classify → fields →
validate). The output half (`make_outputs`: documents, receipts, the digest)
runs after the batch, in the watcher's background thread
(`background.BackgroundOutputs`) so that intake never waits for LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Optional

from pydantic import BaseModel, Field

from .agencies import by_agency, identify
from .crosscheck import cross_issues
from .intake import ArchiveIntake, Intake
from .ledger import Ledger
from .pool import Reader
from .settings import Settings
from .supervision import people_in_two_agencies

log = logging.getLogger("pipeline")

# The output half as run on a ledger connection: (ledger, agency keys, new shas).
Outputs = Callable[[Ledger, set[str], list[str]], None]
# What a batch hands its outputs to: (agency keys, new shas).
Publish = Callable[[set[str], list[str]], None]


class BatchResult(BaseModel):
    read: int = 0                                       # records filed (a packet's members and parts each count)
    agencies: set[str] = Field(default_factory=set)     # agency keys the batch touched
    filed: list[str] = Field(default_factory=list)      # sha256 of each record written


def run_batch(intake: Intake, reader: Reader, ledger: Ledger, publish: Optional[Publish] = None) -> BatchResult:
    """One batch: claim → read → record and archive → cross-check → documents → digest."""
    result = BatchResult()
    for job, records, seconds in reader.map(intake.jobs()):  # claim (as the pool has room) → read
        result.agencies |= intake.file(job, records, seconds)  # record in the ledger → archive
        result.filed.extend(r.sha256 for r in records)
        result.read += len(records)
    refresh_cross_issues(ledger, result.agencies)             # cross-check each agency touched
    if publish is not None and (result.agencies or result.filed):
        publish(result.agencies, result.filed)                # documents → receipts → digest
    return result


def refresh_cross_issues(ledger: Ledger, touched: set[str], as_of: Optional[dt.date] = None) -> None:
    """Re-run the checks between filings for the agencies a batch touched and
    store their issues. A person on two agencies' staff lists (第十九条（七）)
    spans agencies: every agency on such a pair now, or flagged for one
    before, is checked again too, so a superseded list clears its flag."""
    if not touched:
        return
    as_of = as_of or dt.date.today()
    records = list(ledger.records())
    overlaps = people_in_two_agencies(records, as_of)
    flagged = {r.agency_key for r in records if any(i.code == "PERSON_IN_TWO_AGENCIES" for i in r.cross_issues)}
    keys = set(touched) | {ref.agency_key for o in overlaps for ref in (o.first, o.second)} | flagged
    groups = by_agency(records)
    for key in sorted(k for k in keys if k):
        for sha, issues in cross_issues(groups.get(key, []), as_of, overlaps).items():
            ledger.set_cross_issues(sha, issues)


def make_outputs(settings: Settings, ledger: Ledger, agencies: set[str], filed: list[str]) -> None:
    """The output half of a batch: the documents of the agencies it touched,
    a receipt for each new filing, then the digest over the whole ledger."""
    from .digest import refresh_digest
    from .generate.outputs import regenerate

    records = list(ledger.records())
    groups = by_agency(records)
    who = {key: identify(key, recs) for key, recs in groups.items()}
    new = set(filed)
    regenerate(settings, [(who[key], groups[key]) for key in sorted(agencies) if key in groups],
               [(who.get(r.agency_key or ""), r, ledger.receipt_number(r.sha256, r.received_on.year))
                for r in records if r.sha256 in new])
    refresh_digest(settings.outbox, records, dt.date.today(), settings.station_url)


def generation_unavailable() -> Optional[str]:
    """Why documents cannot be made on this machine (None: they can)."""
    try:
        import docxtpl  # noqa: F401
        import jinja2  # noqa: F401
        import openpyxl  # noqa: F401

        from .generate import outputs  # noqa: F401
    except ImportError as exc:
        return f"缺少组件 {exc.name or exc}，不生成文书与监管汇总：请重新安装本程序（pip install .）。"
    return None


def outputs_for(settings: Settings) -> Optional[Outputs]:
    """The output half for these settings, its templates checked now (a
    broken one stops start-up); None, said once in the log, when documents
    cannot be made here."""
    reason = generation_unavailable()
    if reason:
        log.warning("文书生成不可用：%s", reason)
        return None
    from .generate import check_templates

    check_templates(settings.forms)
    return lambda ledger, agencies, filed: make_outputs(settings, ledger, agencies, filed)


def reprocess(settings: Settings, ledger: Ledger, kind: Optional[str] = None, since: Optional[dt.date] = None,
              progress: Optional[Callable[[int, int], None]] = None, outputs: Optional[Outputs] = None) -> int:
    """Re-read archived originals with today's extractors (in the worker
    pool) as one batch; its records, cross-checks and outputs follow."""
    intake = ArchiveIntake(ledger, kind, since, progress)
    publish: Optional[Publish] = None
    if outputs is not None:
        def publish(agencies: set[str], filed: list[str]) -> None:
            outputs(ledger, agencies, filed)
    with Reader(settings.workers, settings.limits) as reader:
        return run_batch(intake, reader, ledger, publish).read
