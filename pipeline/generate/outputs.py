"""What the outbox holds for each agency, rendered from its records on file:
its 报告函 and 承诺书 from its latest filings, one consolidated 工作报表 per
half-year (contracts on file plus rows of the reports it filed), a receipt
per filing, and — where LibreOffice is installed — a PDF beside each
document and a filing bundle per half-year.

    outbox/<机构名称>/报告函.docx, 承诺书.docx, 工作报表-2021年上半年.docx
    outbox/<机构名称>/回执/<收件日期>-<文件名>.txt

This module renders what it is given (typed records grouped by agency); it
knows no ledger and no digest: `pipeline.batch` decides what to render.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from pydantic import BaseModel

from ..agencies import UNNAMED, Agency
from ..atomic import write_atomic
from ..models import CommitmentFields, ContractFields, FiledRecord, ReportLetterFields, WorkReportFields, WorkReportRow
from ..names import safe_name
from ..periods import HalfYear, half_year
from ..settings import Settings
from ..text import name_key
from .forms import (
    commitment_context,
    render_commitment,
    render_report_letter,
    render_work_report,
    report_letter_context,
    work_report_context,
)
from .receipt import ReceiptWriter, receipt_text

log = logging.getLogger("pipeline")
AgencyRecords = tuple[Agency, list[FiledRecord]]
Receipt = tuple[Optional[Agency], FiledRecord, Optional[str]]  # owner, filing, receipt number


def agency_folder(outbox: Path, agency: Optional[Agency]) -> Path:
    """outbox/<the agency's display name>/ (one folder per agency identity)."""
    return outbox / safe_name(agency.name if agency else UNNAMED)


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
        write_atomic(self.path, json.dumps(self.hashes, ensure_ascii=False))


def regenerate(settings: Settings, agencies: list[AgencyRecords],
               receipts: list[Receipt]) -> list[Path]:
    """Render the given agencies' documents and receipts, and convert them
    to PDF, each list split evenly between as many LibreOffice runs as
    there are workers. The receipts come first: their PDFs are made while
    the documents render (which took the first second of the output with
    no LibreOffice running); the work reports' pages are checked and their
    bundles made once the documents' PDFs are there."""
    from .pages import keep_signatures
    from .pdf import PdfConverter

    written: list[Path] = []
    bundles: list[tuple[Path, list[Path]]] = []
    index = OutputIndex(settings.state / "outputs.json", settings.forms)
    cache = settings.state / "pdf"
    with PdfConverter(processes=settings.workers) as converter:
        pdf_ok = bool(agencies or receipts) and converter.is_available()
        writer = ReceiptWriter() if receipts else None
        words = [write_receipt(settings.outbox, owner, record, number, writer) for owner, record, number in receipts]
        pending = converter.submit_split({p: p.parent for p in words if not _pdf_fresh(p)}) if pdf_ok else []
        for agency, records in sorted(agencies, key=lambda item: item[0].key):
            folder = agency_folder(settings.outbox, agency)
            written += _forms(records, folder, index)
            for report, scans in _work_reports(agency, records, folder, index):
                written.append(report)
                bundles.append((report, scans))
        index.save()
        documents = converter.submit_split(_to_convert(written, bundles, cache)) if pdf_ok else []
        for future in [*pending, *documents]:
            future.result()
        if pdf_ok:  # LibreOffice can leave a long report's signatures alone on its last page
            keep_signatures([report for report, _ in bundles], converter.convert)
            _bundles(bundles, cache)
    return written


def _filed_on(record: FiledRecord) -> tuple[date, date]:
    """Which of two filings of a kind is the latest: received, then dated."""
    day = getattr(record.fields, "filled_on", None) or getattr(record.fields, "signed_on", None)
    return record.received_on, day or date.min


def stamped_fields(records: list[FiledRecord], kind: str) -> Optional[BaseModel]:
    """The fields a form of `kind` carries, field by field: the latest value
    that passed its checks or that an officer confirmed. A field whose every
    value has an open error stays blank (None) rather than printed wrong."""
    usable = sorted((r for r in records if r.kind == kind and r.status in ("accepted", "needs_review")),
                    key=_filed_on, reverse=True)
    if not usable:
        return None
    values: dict[str, Any] = {}
    for name in type(usable[0].fields).model_fields:
        values[name] = next((getattr(r.fields, name) for r in usable
                             if getattr(r.fields, name) is not None and name not in r.open_errors()), None)
    return usable[0].fields.model_copy(update=values)


def _clean(rec: FiledRecord, row: WorkReportRow, prefix: str = "") -> WorkReportRow:
    """A row with the values under an open error left blank."""
    bad = rec.open_errors()
    return row.model_copy(update={k: None for k in WorkReportRow.model_fields if prefix + k in bad})


def counted(rec: FiledRecord) -> bool:
    """A contract the 工作报表 counts: accepted, or corrected by an officer."""
    return rec.status == "accepted" or (rec.corrected and rec.status != "rejected")


# kind -> (file name, context builder, renderer)
AGENCY_FORMS: dict[str, tuple[str, Callable[..., dict[str, Any]], Callable[..., Path]]] = {
    "report_letter": ("报告函.docx", report_letter_context, render_report_letter),
    "commitment": ("承诺书.docx", commitment_context, render_commitment),
}


def _forms(records: list[FiledRecord], folder: Path, index: OutputIndex) -> list[Path]:
    """The agency's 报告函 and 承诺书, from its latest usable filing of each."""
    out = []
    for kind, (name, context, render) in AGENCY_FORMS.items():
        fields = stamped_fields(records, kind)
        if fields is not None:
            assert isinstance(fields, (ReportLetterFields, CommitmentFields))
            out.append(index.render(folder / name, name, context(fields), render, fields, folder / name, index.forms))
    return out


class _Period:
    def __init__(self) -> None:
        self.rows: dict[tuple[Optional[str], Optional[date]], WorkReportRow] = {}
        self.scans: list[Path] = []
        self.under_review = 0  # contracts of the period not counted yet


def _periods(records: list[FiledRecord]) -> dict[HalfYear, _Period]:
    """Per half-year: the contracts on file, then the rows of the reports
    filed (a row already there as a contract is not repeated)."""
    periods: dict[HalfYear, _Period] = {}
    for rec in records:
        f = rec.fields
        if isinstance(f, ContractFields) and f.signed_on and rec.status != "rejected":
            period = periods.setdefault(half_year(f.signed_on), _Period())
            if rec.archive:  # the bundle holds every contract filed (the table only those counted)
                period.scans.append(Path(rec.archive))
            if not counted(rec):
                period.under_review += 1
                continue
            row = _clean(rec, WorkReportRow(**{k: getattr(f, k) for k in WorkReportRow.model_fields}))
            period.rows[(name_key(row.client_name), row.signed_on)] = row
    for rec in records:
        f = rec.fields
        if not isinstance(f, WorkReportFields) or not f.period_start or rec.status == "rejected":
            continue
        period = periods.setdefault(half_year(f.period_start), _Period())
        for i, row in enumerate(f.rows or []):
            period.rows.setdefault((name_key(row.client_name), row.signed_on), _clean(rec, row, f"rows[{i}]."))
    return periods


def _work_reports(agency: Agency, records: list[FiledRecord], folder: Path,
                  index: OutputIndex) -> list[tuple[Path, list[Path]]]:
    """One 工作报表 per half-year with contracts or filed report rows."""
    out = []
    for half, period in sorted(_periods(records).items(), key=lambda item: item[0].start):
        target = folder / f"工作报表-{half.label}.docx"
        rows = list(period.rows.values())
        context = work_report_context(agency.name, half.start, half.end, rows, under_review=period.under_review)
        index.render(target, "工作报表.docx", context, render_work_report, agency.name, half.start, half.end, rows,
                     target, index.forms, None, None, None, period.under_review)
        out.append((target, period.scans))
    return out


def write_receipt(outbox: Path, agency: Optional[Agency], record: FiledRecord, number: Optional[str] = None,
                  writer: Optional[ReceiptWriter] = None) -> Path:
    """The receipt of one filing, in its agency's folder: text and Word
    (the Word document remade only when the text changed); the Word path.
    A batch passes one `writer` for all its receipts."""
    target = agency_folder(outbox, agency) / "回执" / safe_name(f"{record.received_on.isoformat()}-{record.source}.txt")
    text = receipt_text(record, number)
    word = target.with_suffix(".docx")
    old = target.read_text(encoding="utf-8") if target.is_file() else None
    if old != text or not word.is_file():
        (writer or ReceiptWriter()).write(record, number, word)
        write_atomic(target, text)
    return word


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


# what the pipeline makes in an agency's folder besides the documents in the index
_MADE = ("回执/????-??-??-*.txt", "回执/????-??-??-*.docx", "回执/????-??-??-*.pdf", "备案材料-*.pdf")


def retire(settings: Settings, live: set[str]) -> list[Path]:
    """The folders of agencies that no longer exist (a name that turned out
    to be an OCR slip of a known agency, its filings now filed under that
    agency): what the pipeline made there is removed, then the folder once
    empty; anything else a person put there stays. `live`: the folder names
    of the agencies on file. Answers the folders emptied."""
    outbox = settings.outbox
    keep = live | {safe_name(UNNAMED), settings.review.name}
    stale = [p for p in outbox.iterdir() if p.is_dir() and not p.is_symlink() and p.name not in keep] \
        if outbox.is_dir() else []
    if not stale:
        return []
    ours = _drop_indexed(settings, {p.name for p in stale})
    gone = []
    for folder in (p for p in stale if p.name in ours or (p / "回执").is_dir()):
        for pattern in _MADE:
            for path in folder.glob(pattern):
                if path.is_file() and not path.is_symlink():
                    path.unlink()
        for sub in (folder / "回执", folder):
            try:
                sub.rmdir()
            except OSError:
                continue
        if not folder.exists():
            gone.append(folder)
            log.info("机构“%s”的材料已归入台账中的已知机构，删除其输出目录。", folder.name)
    return gone


def _drop_indexed(settings: Settings, names: set[str]) -> set[str]:
    """Remove the documents (and their PDFs) the index says the pipeline
    rendered in these folders; the folders that held some."""
    index = OutputIndex(settings.state / "outputs.json", settings.forms)
    ours: set[str] = set()
    for key in list(index.hashes):
        folder = Path(key).parent.name  # by name: the outbox may have been moved since
        if folder in names:
            made = settings.outbox / folder / Path(key).name
            made.unlink(missing_ok=True)
            made.with_suffix(".pdf").unlink(missing_ok=True)
            del index.hashes[key]
            ours.add(folder)
    index.save()
    return ours
