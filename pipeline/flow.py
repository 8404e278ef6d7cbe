"""The flow of one file: read → classify → extract fields → validate → record.

`build_record` is a pure function of the file's bytes and the day it was
received; it never raises for a bad file: an unreadable one yields a
`rejected` record that says why. `build_records` is the same for a file
that may hold several filings: a PDF whose pages hold a contract, then a
承诺书, then a 报告函 gives a `packet` record and one record per filing
(with `part_of`); a ZIP gives its `packet` record (`open_packet` unpacks
its members, each then read as a file of its own: `members.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

from .errors import UnreadableError
from .extract import extract_fields, judge, read_document
from .extract.evidence import locate
from .extract.hits import recording
from .extract.split import filings
from .models import Document, Kind, Limits, PacketFields, PartOf, Record, UnknownFields
from .packet import Member, is_packet, open_zip, unpack
from .validate import issue, status_of, validate

log = logging.getLogger(__name__)


def build_record(path: Path, received_on: dt.date | None = None, limits: Limits | None = None,
                 source: str | None = None, kind: Kind | None = None) -> Record:
    """The record of a file read as one filing; `kind` given (an officer's
    correction) is taken instead of the classifier's."""
    return build_records(path, received_on, limits, source, split=False, kind=kind)[0]


def build_records(path: Path, received_on: dt.date | None = None, limits: Limits | None = None,
                  source: str | None = None, split: bool = True, kind: Kind | None = None) -> list[Record]:
    """The file's own record first, then one per filing it holds (a PDF of
    several filings; with `split`, and no kind fixed by an officer)."""
    received_on = received_on or dt.date.today()
    limits = limits or Limits()
    name = source or path.name
    digest = sha256_of(path)
    if is_packet(path):
        return [open_packet(path, name, digest, received_on, limits, 0, None)[0]]
    try:
        doc = read_document(path, limits)
    except UnreadableError as exc:
        return [rejected_record(name, digest, received_on, exc.message)]
    runs = filings(doc) if split and kind is None else []
    if len(runs) < 2:
        return [record_of(doc, name, digest, received_on, kind)]
    parts = [record_of(Document(pages=doc.pages[first - 1:last], reader=doc.reader), name,
                       part_digest(digest, first, last), received_on).model_copy(
                           update={"part_of": PartOf(sha256=digest, pages=[first, last])})
             for first, last in runs]
    pages = [f"第{first}-{last}页" if last > first else f"第{first}页" for first, last in runs]
    # the file's text layer goes with the packet's record (the file's own), each part's text with the part
    packet = packet_record(name, digest, received_on, pages, doc.ocr).model_copy(update={"layer": doc.text_layer()})
    return [packet, *(p.model_copy(update={"layer": []}) for p in parts)]


def part_digest(digest: str, first: int, last: int) -> str:
    """The key of pages first..last of a file in the ledger (a part has no
    bytes of its own): the SHA-256 of the file's digest and the page range."""
    return hashlib.sha256(f"{digest}:pages:{first}-{last}".encode()).hexdigest()


def record_of(doc: Document, name: str, digest: str, received_on: dt.date, kind: Kind | None = None) -> Record:
    """Classify (unless the kind is given), extract and check a document read."""
    if not doc.text().strip():
        return rejected_record(name, digest, received_on, "文件中没有可识别的文字（OCR 后仍为空）：请提交清晰的扫描件或原始电子文件。",
                               doc.ocr)
    verdict = None
    if kind is None:  # an officer's kind needs no classifying
        verdict = judge(doc)
        kind = verdict.kind
    with recording() as taken:  # where each value stood, noted as it is taken
        fields, extra = extract_fields(doc, kind)
    if kind == "unknown" and verdict is not None:
        extra = extra.model_copy(update={"unknown_reason": verdict.reason()})
    issues = validate(kind, fields, extra, received_on)
    evidence = locate(doc, kind, fields, taken) | extra.evidence if kind != "unknown" else {}
    if doc.ocr:
        from .confidence import low_confidence

        issues += low_confidence(doc, fields)
    return Record(source=name, sha256=digest, kind=kind, fields=fields, issues=issues,
                  status=status_of(kind, issues), ocr=doc.ocr, received_on=received_on, evidence=evidence,
                  signatures=doc.signatures or None, text=doc.text(), layer=doc.text_layer())


def packet_record(name: str, digest: str, received_on: dt.date, members: list[str], ocr: bool = False) -> Record:
    """The record of a packet: what it holds (each a filing of its own)."""
    return Record(source=name, sha256=digest, kind="packet", fields=PacketFields(members=members), issues=[],
                  status="accepted", ocr=ocr, received_on=received_on)


def open_packet(path: Path, name: str, digest: str, received_on: dt.date, limits: Limits, depth: int,
                dest: Path | None) -> tuple[Record, list[tuple[Member, Path]]]:
    """A ZIP packet's record and its members unpacked into `dest` (None:
    only checked). A packet nested deeper than the limit, or refused by
    `packet.open_zip`/`unpack`, gets a rejected record and no member."""
    if depth > limits.max_nesting:
        return rejected_record(name, digest, received_on, f"压缩包嵌套超过 {limits.max_nesting} 层（压缩包里的压缩包里还有压缩包），"
                               "不予读取：请把文件直接放入一个压缩包后提交。"), []
    try:
        members = open_zip(path, limits)
        files = unpack(path, members, dest, limits)
    except UnreadableError as exc:
        return rejected_record(name, digest, received_on, exc.message), []
    if not members:
        return rejected_record(name, digest, received_on, "压缩包是空的：请放入要报送的文件后重新压缩提交。"), []
    return packet_record(name, digest, received_on, [m.name for m in members]), files


def rejected_record(name: str, digest: str, received_on: dt.date, reason: str, ocr: bool = False) -> Record:
    """The record of a file that could not be read: UNREADABLE, with why."""
    issues = [issue("UNREADABLE", None, reason)]
    return Record(source=name, sha256=digest, kind="unknown", fields=UnknownFields(), issues=issues,
                  status="rejected", ocr=ocr, received_on=received_on)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
