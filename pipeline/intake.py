"""Where a batch's files come from, and where their records go.

- `InboxIntake`: files dropped in the inbox. Each is refused (with a
  reason), recognised as a duplicate (archived as such), or claimed in the
  ledger; its record is written to the ledger first, then the original is
  moved into the archive, and a copy of a file that needs a person goes to
  `outbox/待处理/` with a `.原因.txt` beside it.
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
from pathlib import Path
from typing import Callable, Iterator, Optional, Protocol

from .atomic import fsync_dir, write_atomic
from .flow import sha256_of
from .inbox import display_name, folder_hint, refusal
from .ledger import Ledger
from .logs import log_event
from .models import STATUS_ZH, Record
from .names import safe_name
from .pool import Job, cost_order
from .searchable import make_searchable, searchable_path
from .settings import Settings

log = logging.getLogger("pipeline")


class Intake(Protocol):
    def jobs(self) -> Iterator[Job]:
        """The jobs to read, claimed one by one as the pool asks for them."""

    def file(self, job: Job, record: Record, seconds: float) -> set[str]:
        """Keep the record read for a job; the agency keys it touched."""


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
            yield job

    def file(self, job: Job, record: Record, seconds: float) -> set[str]:
        """Record first, then move the original into the archive."""
        archive = _unique(self.settings.archive.resolve() / dt.date.today().strftime("%Y-%m") /
                          f"{job.sha256[:12]}-{safe_name(job.name)}")
        self.ledger.complete(job.sha256, record, str(archive), folder_hint(job.path, self.settings.inbox))
        move(job.path, archive)
        self.ledger.mark_archived(job.sha256)
        file_searchable(self.ledger, job.sha256, archive, record)
        if record.status != "accepted":
            self._review_copy(archive, job.name, record)
        log_event(log, file=job.name, kind=record.kind, status=record.status, ms=round(seconds * 1000))
        return _keys(record)

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
        lines = [f"文件：{name}", f"收件日期：{record.received_on}", f"状态：{STATUS_ZH[record.status]}", "", "问题及处理办法："]
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
                self.todo.append(Job(path=Path(entry.archive), received_on=entry.received_on, name=entry.source,
                                     sha256=entry.sha256))
                self.before[entry.sha256] = entry.record.agency_key if entry.record else None
            else:
                log.warning("原件缺失，跳过：%s", entry.source)
        self.todo.sort(key=lambda job: cost_order(job.path))
        self.done = 0

    def jobs(self) -> Iterator[Job]:
        yield from self.todo

    def file(self, job: Job, record: Record, seconds: float) -> set[str]:
        old = self.before.pop(job.sha256, None)
        self.ledger.update_record(job.sha256, record)
        entry = self.ledger.get(job.sha256)
        if entry is None or entry.record is None or not entry.record.searchable \
                or not Path(entry.record.searchable).exists():
            file_searchable(self.ledger, job.sha256, job.path, record)
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.todo))
        return _keys(record) | ({old} if old else set())


# ------------------------------------------------------------ files on disk
def file_searchable(ledger: Ledger, sha: str, archive: Path, record: Record) -> None:
    """The searchable PDF of a scanned original, beside it in the archive,
    noted in the ledger. A failure is logged and left for `reprocess`: the
    record and the original are already safe."""
    if not record.layer:
        return
    try:
        made = make_searchable(archive, record.layer, searchable_path(archive))
    except Exception as exc:  # a PDF pikepdf cannot rewrite, a full disk: the filing itself stands
        log.warning("%s 的可检索 PDF 未能生成（%s），可稍后运行 pipeline reprocess 补做。", record.source, exc)
        return
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
