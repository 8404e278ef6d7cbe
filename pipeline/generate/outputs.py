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
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..crosscheck import agency_key
from ..ledger import Ledger
from ..models import CommitmentFields, ReportLetterFields, WorkReportRow
from ..settings import Settings
from .forms import check_templates, half_year_label, render_commitment, render_report_letter, render_work_report, safe_name
from .receipt import receipt_text

log = logging.getLogger("pipeline")
KIND_FILES = {"report_letter": "报告函", "commitment": "承诺书"}
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


def regenerate(settings: Settings, ledger: Ledger, agencies: Iterable[str], new: Iterable[str]) -> list[Path]:
    written: list[Path] = []
    bundles: list[tuple[Path, list[Path]]] = []
    for key in sorted(agencies):
        records = [r for e in ledger.entries(agency=key) if (r := e.full_record())]
        folder = settings.outbox / safe_name(_display_name(records) or key)
        written += _forms(records, folder, settings.forms)
        for report, scans in _work_reports(records, folder, settings.forms):
            written.append(report)
            bundles.append((report, scans))
    for sha in new:
        entry = ledger.get(sha)
        if entry and entry.record:
            _receipt(settings, entry.full_record() or {})
    _pdfs(written, bundles)
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


def _forms(records: list[dict], folder: Path, forms: Path) -> list[Path]:
    out = []
    letter = _latest(records, "report_letter")
    if letter:
        out.append(render_report_letter(ReportLetterFields(**letter["fields"]), folder / "报告函.docx", forms))
    commitment = _latest(records, "commitment")
    if commitment:
        out.append(render_commitment(CommitmentFields(**commitment["fields"]), folder / "承诺书.docx", forms))
    return out


def _work_reports(records: list[dict], folder: Path, forms: Path) -> list[tuple[Path, list[Path]]]:
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
        out.append((render_work_report(name, start, end, list(period["rows"].values()), target, forms), period["scans"]))
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


def _pdfs(written: list[Path], bundles: list[tuple[Path, list[Path]]]) -> None:
    """A PDF beside each document (one LibreOffice run for the batch), and a
    filing bundle per half-year: the 工作报表 then that period's contracts."""
    if not written:
        return
    from .pdf import PdfConverter, bundle

    with PdfConverter() as converter, tempfile.TemporaryDirectory(prefix="pipeline-bundle-") as tmp:
        if not converter.is_available():
            return
        pdfs = converter.convert_many(written)
        # contracts filed as Word files join the bundle as PDFs made in the same batch
        word = sorted({p for _, scans in bundles for p in scans if p.suffix.lower() in (".docx", ".doc")})
        converted = converter.convert_many(word, Path(tmp)) if word else {}
        for report, scans in bundles:
            pdf = pdfs.get(report)
            if pdf is None:
                continue
            parts = [converted.get(p) or p for p in scans if converted.get(p) or p.suffix.lower() not in (".docx", ".doc")]
            try:
                bundle(pdf, parts, report.with_name(report.stem.replace("工作报表", "备案材料") + ".pdf"))
            except Exception as exc:  # a bundle that cannot be made never blocks the documents
                log.warning("备案材料合订本未生成（%s）：%s", report.name, exc)
