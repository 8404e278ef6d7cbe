"""Where a batch's files come from, and where their records go.

- `InboxIntake`: files dropped in the inbox. Each is refused (with a
  reason), recognised as a duplicate (archived as such), or claimed in the
  ledger; its record is written to the ledger first, then the original is
  moved into the archive, and a copy of a file that needs a person goes to
  `outbox/待处理/` with a `.原因.txt` beside it.
  A ZIP packet is unpacked into the state folder when claimed: its own
  record (kind `packet`, or refused with the reason) goes through like any
  file's, and each member is claimed and read as a file of its own, with
  `part_of`. A PDF holding several filings comes back from the reader
  with a record per filing: each is filed under its own key, archived
  with the PDF.
- `ArchiveIntake`: originals already archived, read again after the
  extractors improved (`reprocess`): the record is replaced, the file stays.

Both give `pipeline.batch.run_batch` the jobs to read and take back each
record read; `file` answers the agency keys the record touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator, Optional, Protocol

from .atomic import fsync_dir, write_atomic
from .flow import open_packet, sha256_of
from .inbox import display_name, folder_hint, refusal
from .ledger import Ledger
from .logs import log_event
from .members import split_photos
from .models import STATUS_ZH, FiledRecord, Kind, PartOf, Record
from .names import safe_name
from .packet import Member, is_packet
from .pool import Job, cost_order
from .searchable import make_searchable, searchable_path
from .settings import Settings

log = logging.getLogger("pipeline")


class Intake(Protocol):
    def jobs(self) -> Iterator[Job]:
        """The jobs to read, claimed one by one as the pool asks for them."""

    def file(self, job: Job, records: list[Record], seconds: float) -> set[str]:
        """Keep the records read for a job (its own first); the agency keys they touched."""


def _keys(*records: Optional[Record]) -> set[str]:
    return {k for r in records if r is not None and (k := r.agency_key)}


class InboxIntake:
    """The inbox side of the watcher and of `process`; lives as long as they do."""

    def __init__(self, settings: Settings, ledger: Ledger) -> None:
        self.settings = settings
        self.ledger = ledger
        self.items: list[tuple[Path, dt.date]] = []
        self.deferred: list[Path] = []   # same bytes as a file claimed in this batch: next round
        self.refused: dict[Path, int] = {}

    def offer(self, items: list[tuple[Path, dt.date]]) -> "InboxIntake":
        """The complete files of the next batch, with the day each was received."""
        self.items = sorted(items, key=lambda item: cost_order(item[0]))
        return self

    def jobs(self) -> Iterator[Job]:
        claimed: set[str] = set()
        items, self.items = self.items, []
        for path, day in items:
            job = self._claim(path, day)
            if job is None:
                continue
            if job.sha256 in claimed:
                self.deferred.append(path)
                continue
            claimed.add(job.sha256)
            yield from self._expand(job, claimed)

    def file(self, job: Job, records: list[Record], seconds: float) -> set[str]:
        """Record first, then move the original into the archive; the
        filings found inside it (pages of a PDF) are archived with it."""
        record, parts = records[0], records[1:]
        archive = self._archive_path(job.sha256, job.name)
        folder = job.folder or folder_hint(job.path, self.settings.inbox)
        self.ledger.complete(job.sha256, record, str(archive), folder)
        move(job.path, archive)
        self.ledger.mark_archived(job.sha256)
        moved = self._archive_more(job)
        archives = {job.sha256: archive, **{sha: path for sha, path in moved.values()}}
        photos = {m: path for m, (_sha, path) in moved.items()}
        if job.part_of is not None and job.part_of.member:
            photos[job.part_of.member] = archive
        if job.part_of is not None:
            _drop_if_empty(job.path.parent)
        for part in parts:  # pages of a PDF (archived with it), photos read with this one
            if self.ledger.claim(part.sha256, part.source, job.received_on):
                self.ledger.complete(part.sha256, part, str(archives.get(part.sha256, archive)), folder)
                self.ledger.mark_archived(part.sha256)
        pages = [p.sha256 for p in parts if p.part_of is not None and p.part_of.pages]
        for one in records:
            if one.sha256 in pages:
                continue  # a filing among the pages of a PDF: the PDF's searchable copy is its own
            originals = [photos[m] for m in one.part_of.members if m in photos] \
                if one.part_of is not None and one.part_of.members else [archives.get(one.sha256, archive)]
            file_searchable(self.ledger, one, originals, pages if one is record else [])
        for one in records:
            if one.status != "accepted":
                self._review_copy(archive, job.name, one)
            log_event(log, file=job.name, kind=one.kind, status=one.status, ms=round(seconds * 1000),
                      **_where(one))
        return _keys(*records)

    def _archive_path(self, sha: str, name: str) -> Path:
        return _unique(self.settings.archive.resolve() / dt.date.today().strftime("%Y-%m") / f"{sha[:12]}-{safe_name(name)}")

    def _archive_more(self, job: Job) -> dict[str, tuple[str, Path]]:
        """Archive the other photos read with a job's: member -> (digest, archive)."""
        out = {}
        for member, path in job.more:
            sha = sha256_of(path)
            out[member] = (sha, self._archive_path(sha, PurePosixPath(member).name))
            move(path, out[member][1])
        return out

    # ------------------------------------------------------------ packets
    def _expand(self, job: Job, claimed: set[str]) -> Iterator[Job]:
        """A job; for a ZIP packet, its job (the record made as it is
        unpacked into the state folder) and then each member's."""
        if not is_packet(job.path):
            yield job
            return
        scratch = self.settings.state.resolve() / "unpack" / job.sha256[:16]
        shutil.rmtree(scratch, ignore_errors=True)  # what a run that died left
        record, files = open_packet(job.path, job.name, job.sha256, job.received_on, self.settings.limits, job.depth,
                                    scratch)
        folder = job.folder or folder_hint(job.path, self.settings.inbox)
        yield replace(job, made=record.model_copy(update={"part_of": job.part_of}), folder=folder)
        photos, files = split_photos(files)
        if photos:  # read together: a filing may span several photos
            first = self._claim_member(replace(job, folder=folder), photos[0][0], photos[0][1], claimed)
            if first is not None:
                yield replace(first, more=tuple((m.name, p) for m, p in photos[1:]))
        for member, path in files:
            sub = self._claim_member(replace(job, folder=folder), member, path, claimed)
            if sub is not None:
                yield from self._expand(sub, claimed)
        _drop_if_empty(scratch)

    def _claim_member(self, packet: Job, member: Member, path: Path, claimed: set[str]) -> Optional[Job]:
        """Claim a member unpacked from a packet, or keep it as a duplicate."""
        name = PurePosixPath(member.name).name
        sha = sha256_of(path)
        if sha in claimed or not self.ledger.claim(sha, name, packet.received_on):
            self._settle_known(path, sha, name)
            return None
        claimed.add(sha)
        return Job(path=path, received_on=packet.received_on, name=name, sha256=sha, depth=packet.depth + 1,
                   part_of=PartOf(sha256=packet.sha256, member=member.name), folder=packet.folder)

    # ------------------------------------------------------------ claiming
    def _claim(self, path: Path, received_on: dt.date) -> Optional[Job]:
        """Refuse, recognise a duplicate, or claim the file: a Job to read."""
        reason = refusal(path, self.settings.inbox)
        if reason:
            self._refuse(path, reason)
            return None
        name = display_name(path)
        try:
            sha = sha256_of(path)
        except OSError as exc:
            log.warning("%s 无法读取，稍后重试：%s", name, exc)
            return None
        if not self.ledger.claim(sha, name, received_on):
            self._settle_known(path, sha, name)
            return None
        return Job(path=path, received_on=received_on, name=name, sha256=sha)

    def _settle_known(self, path: Path, sha: str, name: str) -> None:
        """A content already on record: finish an interrupted move, or keep
        a second drop as a duplicate (archived, never deleted)."""
        entry = self.ledger.get(sha)
        if entry and not entry.archived and entry.archive and not Path(entry.archive).exists():
            move(path, Path(entry.archive))
            self.ledger.mark_archived(sha)
            return
        target = _unique(self.settings.archive / "duplicates" / f"{sha[:12]}-{safe_name(name)}")
        move(path, target)
        self.ledger.note_duplicate(sha, name, str(target))
        log_event(log, file=name, kind="duplicate", status="duplicate", of=entry.source if entry else None, ms=0)

    def _refuse(self, path: Path, reason: str) -> None:
        try:
            key = path.lstat().st_mtime_ns
        except OSError:
            return
        if self.refused.get(path) != key:
            self.refused[path] = key
            log_event(log, file=display_name(path), kind=None, status="refused", reason=reason, ms=0)

    def _review_copy(self, archive: Path, name: str, record: Record) -> None:
        folder = self.settings.review
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique(folder / safe_name(name))
        oversized = archive.stat().st_size > self.settings.max_bytes
        if not oversized:  # a file over the size limit stays in the archive only: no second copy of it
            shutil.copy2(archive, target)
        lines = [f"文件：{name}", *_part_lines(record), f"收件日期：{record.received_on}", f"状态：{STATUS_ZH[record.status]}",
                 "", "问题及处理办法："]
        for n, it in enumerate(record.issues, 1):
            lines.append(f"{n}. {it.message}" + (f"（依据《办法》{it.article}）" if it.article else ""))
        lines += ["", f"原件已存档：{archive}" + ("（文件过大，未复制到本目录）" if oversized else "")]
        write_atomic(target.with_name(target.name + ".原因.txt"), "\n".join(lines) + "\n")


class ArchiveIntake:
    """Archived originals read again with today's extractors (`reprocess`)."""

    def __init__(self, ledger: Ledger, kind: Optional[str] = None, since: Optional[dt.date] = None,
                 progress: Optional[Callable[[int, int], None]] = None) -> None:
        self.ledger = ledger
        self.progress = progress
        self.before: dict[str, Optional[str]] = {}  # sha -> agency key of the old record (not the records)
        self.todo: list[Job] = []
        for entry in ledger.entries(kind=kind):
            if since is not None and entry.received_on < since:
                continue
            if entry.archive and Path(entry.archive).exists():
                part = entry.record.part_of if entry.record is not None else None
                if part is not None and (part.pages or part.members):
                    continue  # pages of a PDF: read again with the PDF; photos read together: kept as read
                self.todo.append(Job(path=Path(entry.archive), received_on=entry.received_on, name=entry.source,
                                     sha256=entry.sha256, part_of=entry.record.part_of if entry.record else None,
                                     kind=_kind_fixed(entry.record)))
                self.before[entry.sha256] = entry.record.agency_key if entry.record else None
            else:
                log.warning("原件缺失，跳过：%s", entry.source)
        self.todo.sort(key=lambda job: cost_order(job.path))
        self.done = 0

    def jobs(self) -> Iterator[Job]:
        yield from self.todo

    def file(self, job: Job, records: list[Record], seconds: float) -> set[str]:
        old = self.before.pop(job.sha256, None)
        self.ledger.update_record(job.sha256, records[0])
        for part in records[1:]:  # the filings of a PDF holding several
            if self.ledger.claim(part.sha256, part.source, job.received_on):
                self.ledger.complete(part.sha256, part, str(job.path), None)
                self.ledger.mark_archived(part.sha256)
            else:
                self.ledger.update_record(part.sha256, part)
        entry = self.ledger.get(job.sha256)
        if entry is None or entry.record is None or not entry.record.searchable \
                or not Path(entry.record.searchable).exists():  # an archive filled before searchable PDFs
            file_searchable(self.ledger, records[0], [job.path], [p.sha256 for p in records[1:]])
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.todo))
        return _keys(*records) | ({old} if old else set())


def _kind_fixed(record: Optional[FiledRecord]) -> Optional[Kind]:
    """The kind an officer set for a record, which a new reading keeps."""
    fixes = [c.new for c in record.corrections if c.field == "kind"] if record else []
    return fixes[-1] if fixes else None


# ------------------------------------------------------------ files on disk
def _where(record: Record) -> dict[str, object]:
    """Where a filing sits in the file it came in, for the log."""
    part = record.part_of
    if part is None:
        return {}
    return {"member": part.member} if part.member else {"pages": part.pages}


def _part_lines(record: Record) -> list[str]:
    part = record.part_of
    if part is None:
        return []
    if part.member:
        return [f"所在压缩包内路径：{part.member}"]
    first, last = (part.pages or [0, 0])[:2]
    pages = f"第 {first} 页" if first == last else f"第 {first}–{last} 页"
    return [f"所在页码：{pages}（整份文件中的一份材料）"]


def _drop_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def file_searchable(ledger: Ledger, record: Record, originals: list[Path], also: list[str]) -> None:
    """The searchable PDF of a scanned original (of the photos of one filing,
    in order), beside it in the archive, noted in the ledger for the record
    and for the filings `also` found in the same file. A failure is logged
    and left for `reprocess`: the record and the original are already safe."""
    if not record.ocr or not originals:  # read from a text layer, Word or a sheet: searchable as it is
        return
    try:
        made = make_searchable(originals, record.layer, searchable_path(originals[0]))
    except Exception as exc:  # a PDF pikepdf cannot rewrite, a full disk: the filing itself stands
        log.warning("%s 的可检索 PDF 未能生成（%s），可稍后运行 pipeline reprocess 补做。", record.source, exc)
        return
    for sha in (record.sha256, *also):
        ledger.set_searchable(sha, str(made))


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def move(src: Path, dst: Path) -> None:
    """Move without ever overwriting; copy + fsync when across devices."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
        os.unlink(src)
    except OSError:
        tmp = dst.with_name(dst.name + ".copying")
        shutil.copy2(src, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
        os.unlink(src)
    fsync_dir(dst.parent)
