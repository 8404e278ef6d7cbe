"""Pydantic models shared by every stage: the neutral Document and the Record.

Readers produce a `Document`; extraction reads only a `Document`; validation
turns fields into `Issue`s; the `Record` is the public interface described in
the spec (records.md). Field names here are fixed by that spec.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["contract", "report_letter", "commitment", "work_report", "unknown"]
Status = Literal["accepted", "needs_review", "rejected"]
Severity = Literal["error", "warning"]
Category = Literal["training", "assessment", "testing", "consulting", "standardization", "other"]

# How officers name the kinds and statuses (messages, logs, the digest).
KIND_ZH: dict[str, str] = {"contract": "服务合同", "report_letter": "报告函", "commitment": "承诺书", "work_report": "工作报表",
                           "unknown": "无法识别"}
STATUS_ZH: dict[str, str] = {"accepted": "已受理", "needs_review": "需人工复核", "rejected": "退回"}

# Normalised checkbox glyphs: every reader maps whatever a form uses to these two.
TICKED = "☑"
EMPTY = "☐"


# --------------------------------------------------------------------------- Document
class Line(BaseModel):
    """One line of text in reading order.

    `cells` holds the line split where the layout has a wide gap (a PDF line that
    spans two columns, a table row flattened to a line); `text` is the cells
    joined by a single space. `conf` is the OCR confidence (0..1), None for a
    text layer.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    cells: list[str] = Field(default_factory=list)
    conf: Optional[float] = None


class Table(BaseModel):
    """A grid of cells. A cell covered by a merge holds None; its text sits in
    the merge's top-left cell. Each cell's text keeps its inner line breaks."""

    model_config = ConfigDict(frozen=True)

    rows: list[list[Optional[str]]]
    conf: Optional[float] = None


class Block(BaseModel):
    """One block of a page in reading order: a line or a table."""

    model_config = ConfigDict(frozen=True)

    line: Optional[Line] = None
    table: Optional[Table] = None


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    blocks: list[Block] = Field(default_factory=list)
    ocr: bool = False


class Document(BaseModel):
    """What every reader returns, whatever the file type."""

    model_config = ConfigDict(frozen=True)

    pages: list[Page] = Field(default_factory=list)
    reader: str = ""

    @property
    def ocr(self) -> bool:
        return any(p.ocr for p in self.pages)

    def lines(self) -> list[Line]:
        """Every line, tables flattened row by row (covered cells skipped)."""
        out: list[Line] = []
        for page in self.pages:
            for block in page.blocks:
                if block.line is not None:
                    out.append(block.line)
                elif block.table is not None:
                    out.extend(table_lines(block.table))
        return out

    def tables(self) -> list[Table]:
        return [b.table for p in self.pages for b in p.blocks if b.table is not None]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())


def table_lines(table: Table) -> list[Line]:
    out = []
    for row in table.rows:
        cells = [c for c in row if c is not None and c.strip()]
        if cells:
            out.append(Line(text=" ".join(cells), cells=cells, conf=table.conf))
    return out


# --------------------------------------------------------------------------- fields
class ContractFields(BaseModel):
    agency_name: Optional[str] = None
    client_name: Optional[str] = None
    project_content: Optional[str] = None
    service_category: Optional[Category] = None
    town: Optional[str] = None
    signed_on: Optional[date] = None
    completion_on: Optional[date] = None
    price_wan: Optional[float] = None
    client_contact: Optional[str] = None
    client_phone: Optional[str] = None


class ReportLetterFields(BaseModel):
    agency_name: Optional[str] = None
    service_categories: Optional[list[Category]] = None
    business_scope: Optional[str] = None
    local_business: Optional[str] = None
    license_no: Optional[str] = None
    registered_address: Optional[str] = None
    office_address: Optional[str] = None
    local_contact: Optional[str] = None
    local_contact_phone: Optional[str] = None
    staff_count: Optional[int] = None
    experts: Optional[str] = None
    legal_representative: Optional[str] = None
    legal_representative_phone: Optional[str] = None
    filled_on: Optional[date] = None


class CommitmentFields(BaseModel):
    agency_name: Optional[str] = None
    promisor: Optional[str] = None
    signed_on: Optional[date] = None
    clauses_intact: Optional[bool] = None


class WorkReportRow(BaseModel):
    client_name: Optional[str] = None
    project_content: Optional[str] = None
    town: Optional[str] = None
    signed_on: Optional[date] = None
    completion_on: Optional[date] = None
    price_wan: Optional[float] = None
    client_contact: Optional[str] = None
    client_phone: Optional[str] = None


class WorkReportFields(BaseModel):
    agency_name: Optional[str] = None
    period_start: Optional[date] = None
    period_end: Optional[date] = None
    rows: Optional[list[WorkReportRow]] = None
    principal: Optional[str] = None
    preparer: Optional[str] = None
    phone: Optional[str] = None


class UnknownFields(BaseModel):
    pass


Fields = Union[ContractFields, ReportLetterFields, CommitmentFields, WorkReportFields, UnknownFields]

FIELDS_BY_KIND: dict[str, type[BaseModel]] = {
    "contract": ContractFields,
    "report_letter": ReportLetterFields,
    "commitment": CommitmentFields,
    "work_report": WorkReportFields,
    "unknown": UnknownFields,
}


class Extraction(BaseModel):
    """What field extraction yields besides the fields: facts the checks need
    that are not themselves fields of the record."""

    # contract: the amount written in 大写 and in 小写, in 万元, when both were found
    price_upper_wan: Optional[float] = None
    price_lower_wan: Optional[float] = None
    # work report: price cells that could not be decided (row index -> text)
    undecided_prices: dict[int, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------- record
class Issue(BaseModel):
    code: str
    severity: Severity
    field: Optional[str] = None
    message: str
    article: Optional[str] = None


class Record(BaseModel):
    source: str
    sha256: str
    kind: Kind
    fields: Fields
    issues: list[Issue] = Field(default_factory=list)
    status: Status
    ocr: bool = False
    received_on: Optional[date] = None

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")


class Limits(BaseModel):
    """Safety limits applied by every reader (hostile or broken files)."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 200
    max_pixels: int = 60_000_000  # per page image, after rendering
    max_unpacked_bytes: int = 300 * 1024 * 1024  # docx/xlsx zip contents
    ocr_dpi: int = 200
