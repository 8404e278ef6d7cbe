"""The orchestrator: claim → read → classify → fields → validate → record →
archive, for each complete file of the inbox; cross-document checks and
outputs once per batch. `watch` and `process` share this code path."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .crosscheck import agency_key, agency_of, cross_issues
from .flow import sha256_of
from .inbox import display_name, folder_hint, refusal
from .names import safe_name
from .ledger import Ledger, fsync_dir
from .pool import Job, Reader, cost_order
from .models import STATUS_ZH, Record
from .settings import Settings

log = logging.getLogger("pipeline")
BatchHook = Callable[[Ledger, set[str], list[str]], None]


class Processor:
    """Handles files one at a time in this process; owns the ledger."""

    def __init__(self, settings: Settings, ledger: Ledger, on_batch: Optional[BatchHook] = None) -> None:
        self.settings = settings
        self.ledger = ledger
        self.on_batch = on_batch
        self.touched: set[str] = set()
        self.batch: list[str] = []
        self.deferred: list[Path] = []
        self.refused: dict[Path, int] = {}

    # ------------------------------------------------------------ one file
    def prepare(self, path: Path, received_on: dt.date) -> Optional[Job]:
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

    def commit(self, job: Job, record: Record, seconds: float) -> dict:
        """Record first, then move the original into the archive."""
        rec = record.to_json_dict()
        rec["folder"] = folder_hint(job.path, self.settings.inbox)
        archive = self._archive_path(job.sha256, job.name)
        self.ledger.complete(job.sha256, rec, str(archive), agency_of(rec))
        self._move(job.path, archive)
        self.ledger.mark_archived(job.sha256)
        if rec["status"] != "accepted":
            self._review_copy(archive, job.name, rec)
        self._touch(rec)
        self.batch.append(job.sha256)
        self._log(job.name, rec, seconds)
        return rec

    def handle_all(self, items: list[tuple[Path, dt.date]], reader: Reader) -> int:
        """Read a batch of complete files (in the reader's pool) and record
        each as it finishes. Two files with the same bytes in one batch: the
        second waits for the next round, where it is a duplicate."""
        claimed: set[str] = set()

        def jobs() -> Iterator[Job]:  # claimed one by one as the pool has room: reading starts at once
            for path, day in sorted(items, key=lambda item: cost_order(item[0])):
                job = self.prepare(path, day)
                if job is None:
                    continue
                if job.sha256 in claimed:
                    self.deferred.append(path)
                    continue
                claimed.add(job.sha256)
                yield job

        for job, record, seconds in reader.map(jobs()):
            self.commit(job, record, seconds)
        return len(claimed)

    def _settle_known(self, path: Path, sha: str, name: str) -> None:
        """A content already on record: finish an interrupted move, or keep
        a second drop as a duplicate (archived, never deleted)."""
        entry = self.ledger.get(sha)
        if entry and not entry.archived and entry.archive and not Path(entry.archive).exists():
            self._move(path, Path(entry.archive))
            self.ledger.mark_archived(sha)
            return
        target = self._unique(self.settings.archive / "duplicates" / f"{sha[:12]}-{safe_name(name)}")
        self._move(path, target)
        self.ledger.note_duplicate(sha, name, str(target))
        self._emit({"file": name, "kind": "duplicate", "status": "duplicate", "of": entry.source if entry else None, "ms": 0})

    def _refuse(self, path: Path, reason: str) -> None:
        try:
            key = path.lstat().st_mtime_ns
        except OSError:
            return
        if self.refused.get(path) != key:
            self.refused[path] = key
            self._emit({"file": display_name(path), "kind": None, "status": "refused", "reason": reason, "ms": 0})

    # ------------------------------------------------------------ files on disk
    def _archive_path(self, sha: str, name: str) -> Path:
        month = dt.date.today().strftime("%Y-%m")
        return self._unique(self.settings.archive.resolve() / month / f"{sha[:12]}-{safe_name(name)}")

    @staticmethod
    def _unique(path: Path) -> Path:
        candidate, n = path, 1
        while candidate.exists():
            candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
            n += 1
        return candidate

    @staticmethod
    def _move(src: Path, dst: Path) -> None:
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

    def _review_copy(self, archive: Path, name: str, rec: dict) -> None:
        folder = self.settings.review
        folder.mkdir(parents=True, exist_ok=True)
        target = self._unique(folder / safe_name(name))
        oversized = archive.stat().st_size > self.settings.max_bytes
        if not oversized:  # a file over the size limit stays in the archive only: no second copy of it
            shutil.copy2(archive, target)
        lines = [f"文件：{name}", f"收件日期：{rec.get('received_on')}", f"状态：{STATUS_ZH[rec['status']]}", "", "问题及处理办法："]
        for n, it in enumerate(rec["issues"], 1):
            lines.append(f"{n}. {it['message']}" + (f"（依据《办法》{it['article']}）" if it.get("article") else ""))
        lines += ["", f"原件已存档：{archive}" + ("（文件过大，未复制到本目录）" if oversized else "")]
        target.with_name(target.name + ".原因.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # ------------------------------------------------------------ batches
    def _touch(self, rec: dict) -> None:
        key = agency_of(rec)
        if key:
            self.touched.add(key)

    def finish_batch(self) -> None:
        """Re-run the cross-document checks of every agency the batch
        touched, then let the outputs be regenerated once."""
        touched, self.touched = self.touched, set()
        batch, self.batch = self.batch, []
        for key in touched:
            refresh_cross_issues(self.ledger, key)
        if self.on_batch is not None and (touched or batch):
            self.on_batch(self.ledger, touched, batch)

    def _log(self, name: str, rec: dict, seconds: float) -> None:
        self._emit({"file": name, "kind": rec["kind"], "status": rec["status"], "ms": round(seconds * 1000)})

    def _emit(self, event: dict) -> None:
        event = {"time": dt.datetime.now().isoformat(timespec="seconds"), **event}
        if self.settings.log_format == "json":
            log.info(json.dumps(event, ensure_ascii=False))
        else:
            extra = f" {event['reason']}" if event.get("reason") else ""
            log.info("%s %s %s %s %sms%s", event["time"], event["file"], event.get("kind") or "-", event["status"],
                     event.get("ms", 0), extra)


def refresh_cross_issues(ledger: Ledger, key: str) -> None:
    records = [r for e in ledger.entries(agency=key) if (r := e.full_record())]
    for sha, issues in cross_issues(records).items():
        ledger.set_cross_issues(sha, [i.model_dump() for i in issues])


def reprocess(settings: Settings, ledger: Ledger, kind: Optional[str] = None, since: Optional[dt.date] = None,
              progress: Optional[Callable[[int, int], None]] = None, on_batch: Optional[BatchHook] = None) -> int:
    """Re-read archived originals with today's extractors (in the worker
    pool); update their records, cross-checks and outputs once at the end."""
    jobs, before = [], {}  # before: sha -> (agency, folder) of the old record; not the records themselves
    for entry in ledger.entries(kind=kind):
        if since is not None and entry.received_on < since:
            continue
        if entry.archive and Path(entry.archive).exists():
            jobs.append(Job(path=Path(entry.archive), received_on=entry.received_on, name=entry.source, sha256=entry.sha256))
            before[entry.sha256] = (agency_of(entry.record or {}), (entry.record or {}).get("folder"))
        else:
            log.warning("原件缺失，跳过：%s", entry.source)
    jobs.sort(key=lambda job: cost_order(job.path))
    touched: set[str] = set()
    done: list[str] = []
    with Reader(settings.workers, settings.limits) as reader:
        for n, (job, record, _) in enumerate(reader.map(jobs), 1):
            old_agency, folder = before.pop(job.sha256)
            rec = record.to_json_dict()
            rec["folder"] = folder
            ledger.update_record(job.sha256, rec, agency_of(rec))
            touched.update(k for k in (old_agency, agency_of(rec)) if k)
            done.append(job.sha256)
            if progress:
                progress(n, len(jobs))
    for key in touched:
        refresh_cross_issues(ledger, key)
    if on_batch is not None and (touched or done):
        on_batch(ledger, touched, done)
    return len(done)


def all_records(ledger: Ledger) -> Iterable[dict]:
    for entry in ledger.entries():
        rec = entry.full_record()
        if rec is not None:
            yield rec


__all__ = ["Processor", "reprocess", "all_records", "agency_key"]
