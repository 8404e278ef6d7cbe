"""Reading and extraction in a pool of worker processes.

`build_record` is a pure function of a file, so workers need nothing but the
path. The ledger stays in the calling process. At most two jobs per worker
are in flight, so memory stays flat however large the batch. A worker that
dies takes no file with it: the jobs it may have held are retried one at a
time in a fresh pool, and a job that kills a worker twice gets a record that
says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .extract.read import OCR_THREADS_ENV, READERS, ocr_threads_asked
from .flow import build_records, rejected_record, sha256_of
from .models import Kind, Limits, PartOf, Record

log = logging.getLogger("pipeline")


@dataclass(frozen=True)
class Job:
    path: Path
    received_on: dt.date
    name: str
    sha256: str = ""
    part_of: Optional[PartOf] = None     # a member of a packet
    depth: int = 0                       # how many packets it sits in
    made: Optional[Record] = None        # a packet's record, made when it was unpacked
    folder: Optional[str] = None         # the inbox subfolder of the packet it came in
    more: tuple[tuple[str, Path], ...] = ()  # the other photos of a packet (member, path), read with this one
    kind: Optional[Kind] = None          # an officer's correction of the kind (reprocess keeps it)


# What a worker does with a job: the file's records, its own first (a PDF
# holding several filings gives its packet record, then one per filing).
Work = Callable[[Job, Limits], list[Record]]


def read_job(job: Job, limits: Limits) -> list[Record]:
    if job.made is not None:
        return [job.made]
    if job.more and job.part_of is not None and job.part_of.member:
        from .members import photo_set_records

        photos = [(job.part_of.member, job.path), *job.more]
        return photo_set_records(photos, job.part_of.sha256, job.received_on, limits)
    records = build_records(job.path, job.received_on, limits, source=job.name, split=job.kind is None, kind=job.kind)
    if job.part_of is not None:
        records[0] = records[0].model_copy(update={"part_of": job.part_of})
    return records


def _timed(work: Work, job: Job, limits: Limits) -> tuple[list[Record], float]:
    started = time.perf_counter()
    return work(job, limits), time.perf_counter() - started


def _init_worker(ocr_threads: int) -> None:
    """Each worker's OCR engine gets one core (N workers use N cores: two
    single-threaded engines read ~1.25x more pages than one engine with two
    threads); Ctrl+C is for the main process, which then finishes and shuts
    the pool. A worker imports what reading needs as it starts, so that its
    first file does not wait for that (the OCR engine waits for the first scan)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ[OCR_THREADS_ENV] = str(ocr_threads)
    _exit_with_parent()
    import pipeline.extract  # noqa: F401
    import pipeline.extract.read.docx  # noqa: F401
    import pipeline.extract.read.pdf  # noqa: F401


def _exit_with_parent() -> None:
    """End this worker when the process that started it is gone (killed,
    or ended by a signal it did not catch): a worker otherwise waits for
    work forever, holding its OCR engine's memory (~400 MB). The parent's
    sentinel becomes readable when it exits, however it exits."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch(sentinel: int) -> None:
        wait_for([sentinel])
        os._exit(0)

    threading.Thread(target=watch, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _started() -> None:
    """Nothing: a job that makes the pool start one more worker (the pool
    starts one per job while none is idle; its initializer warms it up)."""


def crash_record(job: Job, reason: str) -> list[Record]:
    record = rejected_record(job.name, job.sha256 or sha256_of(job.path), job.received_on, reason)
    return [record.model_copy(update={"part_of": job.part_of})]


def cost_order(path: Path) -> tuple[int, int]:
    """Sort key that puts the long jobs first: photos, then PDFs (which may
    be scans), largest first. A batch in this order does not end with one
    core reading a photo while the others wait."""
    reader = READERS.get(path.suffix.lower())
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return (0 if reader == "image" else 1 if reader == "pdf" else 2, -size)


def ocr_threads() -> int:
    """Threads per worker's OCR engine: 1, or what PIPELINE_OCR_THREADS says."""
    return ocr_threads_asked() or 1


@contextmanager
def _one_ocr_thread() -> Iterator[None]:
    """An inline worker's OCR engine also gets one core (see _init_worker),
    unless PIPELINE_OCR_THREADS says otherwise."""
    if ocr_threads_asked():
        yield
        return
    os.environ[OCR_THREADS_ENV] = "1"
    try:
        yield
    finally:
        os.environ.pop(OCR_THREADS_ENV, None)


class Reader:
    """Runs `build_record` for jobs: inline when workers == 1, else in a pool
    kept for the reader's lifetime (each worker loads the OCR engine once).
    Either way each worker uses one core: `workers` is the number of cores
    a batch may take."""

    def __init__(self, workers: int, limits: Limits, work: Work = read_job) -> None:
        self.workers = max(1, workers)
        self.limits = limits
        self.work = work  # a top-level function (it is sent to the workers)
        self._pool: Optional[ProcessPoolExecutor] = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, list[Record], float]]:
        """(job, its records, seconds spent reading it) for every job, in the
        order they finish. `jobs` is consumed as the pool has room, so a
        generator that claims files lets the first ones be read meanwhile."""
        if self.workers == 1:
            for job in jobs:
                started = time.perf_counter()
                with _one_ocr_thread():
                    record = self._inline(job)
                yield job, record, time.perf_counter() - started
            return
        orphans: list[Job] = []
        yield from self._run(iter(jobs), orphans, window=2 * self.workers)
        for job in orphans:  # what a dead worker may have held: one at a time, to find the culprit
            survivors: list[Job] = []
            done = list(self._run(iter([job]), survivors, window=1))
            if done:
                yield from done
            else:
                log.error("处理 %s 时工作进程两次崩溃，已留存原件。", job.name)
                yield job, crash_record(job, "处理该文件时工作进程崩溃（已重试）：原件已留存，请联系管理员检查该文件。"), 0.0

    def warm(self) -> None:
        """Start the workers now, not at the first file (the watcher calls
        this at start-up, so the first filing does not wait for them)."""
        if self.workers > 1 and self._pool is None:
            for _ in range(self.workers):
                self._executor().submit(_started)

    def _inline(self, job: Job) -> list[Record]:
        try:
            return self.work(job, self.limits)
        except Exception as exc:  # a crashing reader must not lose the file
            log.exception("读取 %s 时发生内部错误", job.name)
            return crash_record(job, f"读取时发生内部错误（{type(exc).__name__}）：原件已留存，请联系管理员检查。")

    def _drop_pool(self) -> None:
        """A broken pool is shut; the next submit starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(ocr_threads(),))
        return self._pool

    def _run(self, jobs: Iterator[Job], orphans: list[Job], window: int) -> Iterator[tuple[Job, list[Record], float]]:
        running: dict[Future, Job] = {}
        queue: deque[Job] = deque()
        while True:
            while len(running) < window:
                job = queue.popleft() if queue else next(jobs, None)
                if job is None:
                    break
                try:
                    running[self._executor().submit(_timed, self.work, job, self.limits)] = job
                except BrokenProcessPool:  # a worker died since the last wait: this job did not start
                    queue.appendleft(job)
                    if running:
                        break  # the wait below finds the futures the dead worker broke
                    self._drop_pool()
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                try:
                    record, seconds = future.result()
                    yield job, record, seconds
                except BrokenProcessPool:
                    orphans.append(job)
                    orphans.extend(running.values())
                    running.clear()
                    self._drop_pool()
                    break
                except Exception as exc:
                    log.error("读取 %s 时发生内部错误：%s", job.name, exc)
                    yield job, crash_record(job, f"读取时发生内部错误（{type(exc).__name__}）：原件已留存，请联系管理员检查。"), 0.0
