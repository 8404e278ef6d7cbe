"""Pydantic models shared by every stage: the neutral Document and the Record.

Readers produce a `Document`; extraction reads only a `Document`; validation
turns fields into `Issue`s; the `Record` is the public interface described in
the spec (records.md). Field names here are fixed by that spec.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from .document import Block as Block

# the Document models live in document.py; re-exported: models is the one place stages import from
from .document import Box as Box
from .document import Document as Document
from .document import LayerPage as LayerPage
from .document import Line as Line
from .document import Mark as Mark
from .document import Nested as Nested
from .document import Page as Page
from .document import Signature as Signature
from .document import Table as Table
from .document import Word as Word
from .document import table_lines as table_lines
from .text import EMPTY as EMPTY
from .text import TICKED as TICKED
from .text import agency_key

Kind = Literal["contract", "report_letter", "commitment", "work_report", "staff_list", "expert_check", "unknown",
               "packet"]
Status = Literal["accepted", "needs_review", "rejected"]
Severity = Literal["error", "warning", "info"]  # info: a note that changes no status
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
    "staff_list": Name("从业人员名单", "从业人员名单"),
    "expert_check": Name("专家检查记录", "托管服务专家检查记录"),
    "unknown": Name("无法识别", "无法识别的材料"),
    "packet": Name("材料包", "材料包（压缩包或合订文件）"),
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


class StaffMember(BaseModel):
    """One person on a 从业人员名单 (keys in the order of records.md)."""

    name: Optional[str] = None
    id_number: Optional[str] = None     # 居民身份证号码, kept whole in the ledger, shown masked (text.mask_id)
    qualification: Optional[str] = None
    certificate_no: Optional[str] = None
    role: Optional[str] = None          # 专职 / 兼职, as written


class StaffListFields(BaseModel):
    agency_name: Optional[str] = None
    people: Optional[list[StaffMember]] = None
    filled_on: Optional[date] = None


class ExpertCheckFields(BaseModel):
    agency_name: Optional[str] = None
    client_name: Optional[str] = None
    checked_on: Optional[date] = None
    experts: Optional[list[str]] = None
    findings: Optional[str] = None
    client_signed: Optional[bool] = None


class UnknownFields(BaseModel):
    pass


class PacketFields(BaseModel):
    """A packet (a ZIP, or a PDF holding several filings): what it holds,
    each member or part a filing with a record of its own."""

    members: list[str] = Field(default_factory=list)


Fields = Union[ContractFields, ReportLetterFields, CommitmentFields, WorkReportFields, StaffListFields,
               ExpertCheckFields, PacketFields, UnknownFields]

FIELDS_BY_KIND: dict[str, type[BaseModel]] = {
    "contract": ContractFields,
    "report_letter": ReportLetterFields,
    "commitment": CommitmentFields,
    "work_report": WorkReportFields,
    "staff_list": StaffListFields,
    "expert_check": ExpertCheckFields,
    "unknown": UnknownFields,
    "packet": PacketFields,
}


class Extraction(BaseModel):
    """What field extraction yields besides the fields: facts the checks need
    that are not themselves fields of the record."""

    # contract: the amount written in 大写 and in 小写, in 万元, when both were found
    price_upper_wan: Optional[float] = None
    price_lower_wan: Optional[float] = None
    # the OCR confidence of the lines the amounts were read from (None: a text layer)
    price_conf: Optional[float] = None
    # work report: price cells that could not be decided (row index -> text)
    undecided_prices: dict[int, str] = Field(default_factory=dict)
    # unknown: which kind came closest and what it lacked, as the officer is told
    unknown_reason: Optional[str] = None
    # fields left null because the evidence conflicts (field -> why, in Chinese)
    conflicts: dict[str, str] = Field(default_factory=dict)
    # fields kept though part of their reading is unsure (field -> why, in Chinese): LOW_CONFIDENCE
    unsure: dict[str, str] = Field(default_factory=dict)
    # where values were read from that the text does not show (a checkbox read in a scan's image),
    # added to the record's evidence under these keys
    evidence: dict[str, "FieldEvidence"] = Field(default_factory=dict)


# --------------------------------------------------------------------------- record
class PartOf(BaseModel):
    """Where a filing found inside another file sits: a ZIP member's path,
    or the pages (1-based, first and last) of a PDF holding several filings."""

    sha256: str
    member: Optional[str] = None
    pages: Optional[list[int]] = None
    members: Optional[list[str]] = None  # photos of one filing sent together: each photo, in page order

    @model_serializer(mode="wrap")
    def _set_keys_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`{"sha256", "member"}` or `{"sha256", "pages"}`, as the spec writes them."""
        return {k: v for k, v in handler(self).items() if v is not None}


class FieldEvidence(BaseModel):
    """Where one field's value came from: the page (1-based), the label it
    was found by, the cell or line (表1第3行第2列, 第5行), the text there, the
    box on the page in points from its top left where the reader knows it,
    and the OCR confidence of a scan."""

    page: int
    label: Optional[str] = None
    where: str
    text: str
    bbox: Optional[Box] = None
    conf: Optional[float] = None


Extraction.model_rebuild()


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
    part_of: Optional[PartOf] = None
    signatures: Optional[list[Signature]] = None
    # field -> where its value came from (an extra key beside the spec's)
    evidence: dict[str, FieldEvidence] = Field(default_factory=dict)
    # What the batch needs of the file besides the record, never printed nor
    # stored as part of it: the text read (the search index) and the OCR
    # words of scanned pages (the searchable PDF; page indices of this
    # record's own file, or of its photos in order for photos read together).
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
    # field -> the name as the page showed it, where the ledger took it as a name on file (resolve.py)
    names_read: dict[str, str] = Field(default_factory=dict)
    searchable: Optional[str] = None   # the searchable PDF made beside a scanned original in the archive

    @property
    def version(self) -> int:
        """How many corrections and decisions the record has had (an officer
        saving a record names the version seen: a record changed since is refused)."""
        return len(self.corrections)

    @property
    def corrected(self) -> bool:
        return any(c.field not in ("status", "kind") for c in self.corrections)

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + self.cross_issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.all_issues if i.severity == "error"]

    def open_errors(self) -> set[str]:
        """Fields with an error no officer has settled (an accepted record has none)."""
        if self.status == "accepted":
            return set()
        return {i.field for i in self.errors if i.field}

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
    max_unpacked_bytes: int = 300 * 1024 * 1024  # docx/xlsx/ofd zip contents; a packet's members together
    max_members: int = 500  # files in one packet (ZIP)
    max_nesting: int = 1  # packets inside a packet: one level
    ocr_dpi: int = 200
