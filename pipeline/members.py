"""What a packet holds, read: `records_of_file` gives every record of a
file as `pipeline extract` prints them (a packet's, then its members'), and
photos of one document's pages sent together are read as one document.

A clerk photographs a contract page by page and sends the photos as one
ZIP. Read one by one, page 2 would be a filing of unknown kind. The photos
of a packet are read in the order of their names (IMG_0412, IMG_0413, …) as
the pages of one document and split as a PDF holding several filings is,
except that every photo that opens with a filing's title begins a filing of
its own (two contracts photographed one after the other stay two): a photo
without a title continues the filing before it. Each filing's record is
keyed by its first photo's digest and lists its photos in `part_of`.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from .errors import UnreadableError
from .extract import read_document
from .extract.read import sniff
from .extract.split import filings
from .flow import build_records, open_packet, record_of, rejected_record, sha256_of
from .models import Document, Limits, PartOf, Record
from .packet import Member, is_packet

_SINGLE_FRAME = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".bmp"}


def _natural(name: str) -> list[object]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def split_photos(files: list[tuple[Member, Path]]) -> tuple[list[tuple[Member, Path]], list[tuple[Member, Path]]]:
    """(the photos of a packet in name order, when there are two or more;
    the other members)."""
    chosen = [n for n, (_, p) in enumerate(files) if p.suffix.lower() in _SINGLE_FRAME and sniff(p) == "image"]
    if len(chosen) < 2:
        return [], files
    photos = sorted((files[n] for n in chosen), key=lambda item: _natural(item[0].name))
    return photos, [f for n, f in enumerate(files) if n not in set(chosen)]


def photo_set_records(photos: list[tuple[str, Path]], packet: str, received_on: dt.date, limits: Limits) -> list[Record]:
    """A record per filing the photos hold, in order (the first keyed by the
    first photo's digest); a photo that cannot be read gets its own
    rejected record and is left out of the pages."""
    pages, owners, records = [], [], []
    for member, path in photos:
        try:
            doc = read_document(path, limits)
        except UnreadableError as exc:
            records.append(rejected_record(PurePosixPath(member).name, sha256_of(path), received_on, exc.message)
                           .model_copy(update={"part_of": PartOf(sha256=packet, member=member)}))
            continue
        pages += doc.pages
        owners += [(member, path)] * len(doc.pages)
    if not pages:
        return records
    for first, last in filings(Document(pages=pages, reader="image"), every_title=True):
        members = list(dict.fromkeys(m for m, _ in owners[first - 1:last]))
        member, path = owners[first - 1]
        record = record_of(Document(pages=pages[first - 1:last], reader="image"), PurePosixPath(member).name,
                           sha256_of(path), received_on)
        part = PartOf(sha256=packet, member=member, members=members if len(members) > 1 else None)
        records.append(record.model_copy(update={"part_of": part}))
    first_photo = sha256_of(photos[0][1])
    return sorted(records, key=lambda r: r.sha256 != first_photo)  # the job's own photo first


def records_of_file(path: Path, received_on: dt.date | None = None, limits: Limits | None = None) -> Iterator[Record]:
    """Every record a file gives, as `pipeline extract` prints them: a
    packet's, then its members' (unpacked into a temporary folder, nested
    packets too, down to the limit) or its parts'."""
    limits = limits or Limits()
    received_on = received_on or dt.date.today()
    with tempfile.TemporaryDirectory(prefix="pipeline-packet-") as scratch:
        yield from _expanded(path, path.name, received_on, limits, 0, None, Path(scratch))


def _expanded(path: Path, name: str, received_on: dt.date, limits: Limits, depth: int, part_of: PartOf | None,
              scratch: Path) -> Iterator[Record]:
    if not is_packet(path):
        records = build_records(path, received_on, limits, source=name)
        yield records[0].model_copy(update={"part_of": part_of}) if part_of else records[0]
        yield from records[1:]
        return
    digest = sha256_of(path)
    record, files = open_packet(path, name, digest, received_on, limits, depth, scratch / str(depth) / digest[:16])
    yield record.model_copy(update={"part_of": part_of})
    photos, files = split_photos(files)
    if photos:
        yield from photo_set_records([(m.name, p) for m, p in photos], digest, received_on, limits)
    for member, member_path in files:
        yield from _expanded(member_path, PurePosixPath(member.name).name, received_on, limits, depth + 1,
                             PartOf(sha256=digest, member=member.name), scratch)
