"""What the outbox holds for each agency, regenerated from the ledger after a
batch: its 报告函 and 承诺书 from its latest filings, one consolidated 工作报表
per half-year (contracts on file plus rows of the reports it filed), a
receipt per filing, and — where LibreOffice is installed — a PDF beside each
document and a filing bundle per half-year.

    outbox/<机构名称>/报告函.docx, 承诺书.docx, 工作报表-2021年上半年.docx
    outbox/<机构名称>/回执/<收件日期>-<文件名>.txt
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..crosscheck import agency_key
from ..ledger import Ledger
from ..models import CommitmentFields, ReportLetterFields, WorkReportRow
from ..settings import Settings
from .forms import (check_templates, commitment_context, half_year_label, render_commitment, render_report_letter,
                    render_work_report, report_letter_context, safe_name, work_report_context)
from .receipt import receipt_text

log = logging.getLogger("pipeline")
NO_AGENCY = "未识别机构"


def batch_hook(settings: Settings) -> Callable[[Ledger, set[str], list[str]], None]:
    """Check the templates now (a broken one stops start-up), then return the
    function the orchestrator calls once per batch."""
    check_templates(settings.forms)

    def hook(ledger: Ledger, agencies: set[str], new: list[str]) -> None:
        regenerate(settings, ledger, agencies, new)
        from ..digest import refresh_digest

        records = [r for e in ledger.entries() if (r := e.full_record())]
        refresh_digest(settings.outbox, records, dt.date.today())

    return hook


def half_year(day: dt.date) -> tuple[dt.date, dt.date]:
    if day.month <= 6:
        return dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
    return dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)


class OutputIndex:
    """What each output was last rendered from (a hash of its template and
    context), kept in the state folder: an output whose data did not change
    is not rendered again, so a reprocess costs what changed."""

    def __init__(self, path: Path, forms: Path) -> None:
        self.path = path
        self.forms = forms
        try:
            self.hashes: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.hashes = {}

    def render(self, out: Path, template: str, context: dict, render: Callable[..., Path], *args: object) -> Path:
        """render(*args) unless `out` was already rendered from this context."""
        tpl = self.forms / template
        key = hashlib.sha256(json.dumps([template, tpl.stat().st_mtime_ns if tpl.exists() else 0, context],
                                        ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
        if self.hashes.get(str(out)) == key and out.is_file():
            return out
        render(*args)
        self.hashes[str(out)] = key
        return out

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(self.hashes, ensure_ascii=False))


def regenerate(settings: Settings, ledger: Ledger, agencies: Iterable[str], new: Iterable[str]) -> list[Path]:
    """Render the touched agencies' documents and convert them to PDF. The
    agencies are taken in as many groups as there are workers: while one
    group's PDFs are being made by LibreOffice, the next group renders."""
    from .pdf import PdfConverter

    written: list[Path] = []
    bundles: list[tuple[Path, list[Path]]] = []
    index = OutputIndex(settings.state / "outputs.json", settings.forms)
    cache = settings.state / "pdf"
    keys = sorted(agencies)
    with PdfConverter(processes=settings.workers) as converter:
        pdf_ok = bool(keys) and converter.is_available()
        groups = [keys[i::settings.workers] for i in range(settings.workers)] if pdf_ok else [keys]
        pending = []
        for group in groups:
            mine: list[Path] = []
            for key in group:
                records = [r for e in ledger.entries(agency=key) if (r := e.full_record())]
                folder = settings.outbox / safe_name(_display_name(records) or key)
                mine += _forms(records, folder, index)
                for report, scans in _work_reports(records, folder, index):
                    mine.append(report)
                    bundles.append((report, scans))
            written += mine
            if pdf_ok:
                pending.append(converter.submit(_to_convert(mine, bundles, cache)))
        index.save()
        for sha in new:
            entry = ledger.get(sha)
            if entry and entry.record:
                _receipt(settings, entry.full_record() or {})
        for future in pending:
            future.result()
    if pdf_ok:
        _bundles(bundles, cache)
    return written


def _display_name(records: list[dict]) -> Optional[str]:
    for kind in ("report_letter", "commitment", "work_report", "contract"):
        for rec in reversed(records):
            name = rec["kind"] == kind and rec["fields"].get("agency_name")
            if name:
                return name
    return None


def _latest(records: list[dict], kind: str) -> Optional[dict]:
    usable = [r for r in records if r["kind"] == kind and r["status"] in ("accepted", "needs_review")]
    return max(usable, key=lambda r: (r.get("received_on") or "", r["fields"].get("filled_on") or r["fields"].get("signed_on") or ""),
               default=None)


# kind -> (file name, fields model, context builder, renderer)
AGENCY_FORMS = {
    "report_letter": ("报告函.docx", ReportLetterFields, report_letter_context, render_report_letter),
    "commitment": ("承诺书.docx", CommitmentFields, commitment_context, render_commitment),
}


def _forms(records: list[dict], folder: Path, index: OutputIndex) -> list[Path]:
    """The agency's 报告函 and 承诺书, from its latest usable filing of each."""
    out = []
    for kind, (name, model, context, render) in AGENCY_FORMS.items():
        latest = _latest(records, kind)
        if latest:
            fields = model(**latest["fields"])
            out.append(index.render(folder / name, name, context(fields), render, fields, folder / name, index.forms))
    return out


def _work_reports(records: list[dict], folder: Path, index: OutputIndex) -> list[tuple[Path, list[Path]]]:
    """One 工作报表 per half-year with contracts or filed report rows."""
    periods: dict[tuple[dt.date, dt.date], dict] = {}
    for rec in records:
        f = rec["fields"]
        if rec["kind"] == "contract" and f.get("signed_on"):
            period = periods.setdefault(half_year(dt.date.fromisoformat(f["signed_on"])), {"rows": {}, "scans": []})
            row = WorkReportRow(**{k: f.get(k) for k in WorkReportRow.model_fields})
            period["rows"][(agency_key(row.client_name), row.signed_on)] = row
            if rec.get("archive"):
                period["scans"].append(Path(rec["archive"]))
    for rec in records:
        f = rec["fields"]
        if rec["kind"] != "work_report" or not f.get("period_start"):
            continue
        period = periods.setdefault(half_year(dt.date.fromisoformat(f["period_start"])), {"rows": {}, "scans": []})
        for raw in f.get("rows") or []:
            row = WorkReportRow(**raw)
            period["rows"].setdefault((agency_key(row.client_name), row.signed_on), row)
    name = _display_name(records) or ""
    out = []
    for (start, end), period in sorted(periods.items()):
        target = folder / f"工作报表-{half_year_label(start)}.docx"
        rows = list(period["rows"].values())
        context = work_report_context(name, start, end, rows)
        index.render(target, "工作报表.docx", context, render_work_report, name, start, end, rows, target, index.forms)
        out.append((target, period["scans"]))
    return out


def _receipt(settings: Settings, rec: dict) -> None:
    name = rec["fields"].get("agency_name") if rec.get("fields") else None
    folder = settings.outbox / safe_name(name or NO_AGENCY) / "回执"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(f"{rec.get('received_on')}-{rec['source']}.txt")
    write_atomic(target, receipt_text(rec))


def write_atomic(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".~", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)


def _pdf_fresh(docx: Path) -> bool:
    pdf = docx.with_suffix(".pdf")
    return pdf.is_file() and pdf.stat().st_mtime_ns >= docx.stat().st_mtime_ns


def _word_contracts(scans: Iterable[Path]) -> list[Path]:
    return [p for p in scans if p.suffix.lower() in (".docx", ".doc")]


def _to_convert(documents: list[Path], bundles: list[tuple[Path, list[Path]]], cache: Path) -> dict[Path, Path]:
    """What LibreOffice must make for these documents: a PDF beside each one
    that changed, and, for their bundles, each Word contract as a PDF kept
    in `cache` (made once)."""
    todo = {p: p.parent for p in documents if not _pdf_fresh(p)}
    mine = set(documents)
    for report, scans in bundles:
        if report in mine:
            todo.update({p: cache for p in _word_contracts(scans) if not (cache / (p.stem + ".pdf")).is_file()})
    if todo:
        cache.mkdir(parents=True, exist_ok=True)
    return todo


def _bundles(bundles: list[tuple[Path, list[Path]]], cache: Path) -> None:
    """A filing bundle per half-year: the 工作报表 then that period's
    contracts, remade only when one of its parts is newer."""
    from .pdf import bundle

    for report, scans in bundles:
        pdf = report.with_suffix(".pdf")
        if not _pdf_fresh(report):
            continue
        word = set(_word_contracts(scans))
        parts = [cache / (p.stem + ".pdf") if p in word else p for p in scans]
        parts = [p for p in parts if p.is_file() and p.suffix.lower() not in (".docx", ".doc")]
        target = report.with_name(report.stem.replace("工作报表", "备案材料") + ".pdf")
        if target.is_file() and all(target.stat().st_mtime_ns >= p.stat().st_mtime_ns for p in [pdf, *parts]):
            continue
        try:
            bundle(pdf, parts, target)
        except Exception as exc:  # a bundle that cannot be made never blocks the documents
            log.warning("备案材料合订本未生成（%s）：%s", report.name, exc)
