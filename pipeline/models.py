"""Pydantic models shared by every stage: the neutral Document and the Record.

Readers produce a `Document`; extraction reads only a `Document`; validation
turns fields into `Issue`s; the `Record` is the public interface described in
the spec (records.md). Field names here are fixed by that spec.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .text import EMPTY as EMPTY
from .text import TICKED as TICKED
from .text import agency_key

Kind = Literal["contract", "report_letter", "commitment", "work_report", "unknown"]
Status = Literal["accepted", "needs_review", "rejected"]
Severity = Literal["error", "warning"]
Category = Literal["training", "assessment", "testing", "consulting", "standardization", "other"]



class Name(NamedTuple):
    """How people are told a kind, status or category: `short` for officers
    (logs, status, the digest), `full` for agencies (receipts)."""

    short: str
    full: str


# The one table of the names shown to people.
KIND_NAMES: dict[str, Name] = {
    "contract": Name("服务合同", "服务合同"),
    "report_letter": Name("报告函", "活动开展报告函（附件1）"),
    "commitment": Name("承诺书", "承诺书（附件2）"),
    "work_report": Name("工作报表", "工作报表（附件3）"),
    "unknown": Name("无法识别", "无法识别的材料"),
}
STATUS_NAMES: dict[str, Name] = {
    "accepted": Name("已受理", "已受理"),
    "needs_review": Name("需人工复核", "已收到，需更正后复核"),
    "rejected": Name("退回", "退回"),
}
CATEGORY_NAMES: dict[str, Name] = {
    "training": Name("安全培训", "安全培训"),
    "assessment": Name("安全评估评价", "安全评估评价"),
    "testing": Name("安全检测检验", "安全检测检验"),
    "consulting": Name("安全咨询托管", "安全咨询托管"),
    "standardization": Name("安全标准化", "安全标准化"),
    "other": Name("其他", "其他"),
}
KIND_ZH: dict[str, str] = {k: n.short for k, n in KIND_NAMES.items()}
STATUS_ZH: dict[str, str] = {k: n.short for k, n in STATUS_NAMES.items()}
CATEGORY_ZH: dict[str, str] = {k: n.short for k, n in CATEGORY_NAMES.items()}


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


class Word(BaseModel):
    """One box of text OCR read, where it stands on the original page image:
    `quad` is its corners (top-left, top-right, bottom-right, bottom-left) as
    fractions (x, y) of the upright page's width and height, from the top
    left. The searchable PDF's invisible text layer is made of them."""

    model_config = ConfigDict(frozen=True)

    text: str
    quad: tuple[float, float, float, float, float, float, float, float]


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    blocks: list[Block] = Field(default_factory=list)
    ocr: bool = False
    words: list[Word] = Field(default_factory=list)   # OCR pages: the boxes read, for the text layer


class LayerPage(BaseModel):
    """The OCR words of one page of the original file (0-based index)."""

    model_config = ConfigDict(frozen=True)

    index: int
    words: list[Word]


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

    def text_layer(self) -> list[LayerPage]:
        """The OCR words of each page that was read by OCR."""
        return [LayerPage(index=i, words=p.words) for i, p in enumerate(self.pages) if p.ocr and p.words]


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
    # What the batch needs of the file besides the record, never printed nor
    # stored as part of it: the text read (the search index) and the OCR
    # words of scanned pages (the searchable PDF).
    text: str = Field(default="", exclude=True, repr=False)
    layer: list[LayerPage] = Field(default_factory=list, exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _fields_of_kind(cls, data: Any) -> Any:
        """Fields read back from JSON are parsed as the model of the record's
        kind (a union would take the first model that fits)."""
        if isinstance(data, dict) and isinstance(data.get("fields"), dict):
            model = FIELDS_BY_KIND.get(data.get("kind") or "unknown", UnknownFields)
            data = {**data, "fields": model.model_validate(data["fields"])}
        return data

    @property
    def agency_key(self) -> Optional[str]:
        """The key of the agency the record is about (None: not stated)."""
        return agency_key(getattr(self.fields, "agency_name", None))

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Correction(BaseModel):
    """An officer's correction of one field (the review station adds them)."""

    field: str
    old: Any = None
    new: Any = None
    by: str
    at: datetime
    reason: Optional[str] = None


class FiledRecord(Record):
    """A record as the ledger holds it: the extraction plus what the ledger
    knows of the file (received on, archived where, dropped in which
    folder) and the issues it gets from the agency's other filings."""

    received_on: date
    archive: Optional[str] = None
    folder: Optional[str] = None
    cross_issues: list[Issue] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    searchable: Optional[str] = None   # the searchable PDF made beside a scanned original in the archive

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + self.cross_issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.all_issues if i.severity == "error"]

    def to_json_dict(self) -> dict[str, Any]:
        """The record as `pipeline records` prints it: every issue in `issues`."""
        out = self.model_dump(mode="json", exclude={"cross_issues"})
        out["issues"] = [i.model_dump(mode="json") for i in self.all_issues]
        return out


class Limits(BaseModel):
    """Safety limits applied by every reader (hostile or broken files)."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 200
    max_pixels: int = 60_000_000  # per page image, after rendering
    max_unpacked_bytes: int = 300 * 1024 * 1024  # docx/xlsx zip contents
    ocr_dpi: int = 200
