"""The watcher: takes each file of the inbox once it is completely written.

Events (watchdog's native observer, or its polling observer for network
shares) are only hints; a scan at start-up and a periodic rescan catch
whatever events missed. A polling observer that died (watchdog stops it on an
OSError when a share drops) is restarted. `run_once` is the same loop run
until the inbox is empty: the `process` command. Each round of complete
files is one `batch.run_batch`.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.api import BaseObserver

from .background import BackgroundOutputs
from .batch import Outputs, run_batch
from .inbox import Stability, scan
from .intake import InboxIntake
from .ledger import Ledger
from .pool import Reader
from .settings import Settings, check_layout

log = logging.getLogger("pipeline")


class _Hints(FileSystemEventHandler):
    """watchdog handler: every event is a hint that a path may be ready."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: "queue.SimpleQueue[Path]" = queue.SimpleQueue()

    def dispatch(self, event: FileSystemEvent) -> None:  # watchdog calls handler.dispatch(event)
        if getattr(event, "is_directory", False):
            return
        for attr in ("dest_path", "src_path"):
            value = getattr(event, attr, None)
            if value:
                self.paths.put(Path(value if isinstance(value, str) else value.decode("utf-8", "surrogateescape")))


def _observer(settings: Settings, hints: _Hints) -> BaseObserver:
    observer: BaseObserver
    if settings.polling:
        from watchdog.observers.polling import PollingObserver

        observer = PollingObserver(timeout=settings.polling)
    else:
        from watchdog.observers import Observer

        observer = Observer()
    observer.schedule(hints, str(settings.inbox), recursive=True)
    observer.start()
    return observer


def _alive(observer) -> bool:
    if not observer.is_alive():
        return False
    return all(e.is_alive() for e in list(getattr(observer, "emitters", [])))


class Watcher:
    def __init__(self, settings: Settings, ledger: Ledger, outputs: Optional[Outputs] = None,
                 received_on: Optional[dt.date] = None, reader: Optional[Reader] = None) -> None:
        """`reader`: a pool already started (see `Reader.warm`); by default
        the watcher makes its own, started by `run` and `run_once`."""
        check_layout(settings)
        settings.inbox.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.ledger = ledger
        # documents and the digest are made in the background: intake never waits for LibreOffice
        self.outputs = BackgroundOutputs(outputs, settings.ledger_path) if outputs is not None else None
        self.intake = InboxIntake(settings, ledger)
        self.stability = Stability(settings.stable_seconds)
        self.received_on = received_on
        self.reader = reader or Reader(settings.workers, settings.limits)

    def _rescan(self) -> None:
        for path in scan(self.settings.inbox):
            self.stability.add(path)

    def _take_ready(self) -> int:
        ready = self.stability.ready()
        if not ready:
            return 0
        items = [(path, self.received_on or dt.datetime.fromtimestamp(first_seen).date()) for path, first_seen in ready]
        run_batch(self.intake.offer(items), self.reader, self.ledger, self.outputs)
        for path in self.intake.deferred:  # same bytes as a file of this batch: a duplicate next round
            self.stability.add(path)
        self.intake.deferred.clear()
        return len(ready)

    def close(self) -> None:
        """Stop the pool; finish the documents already asked for."""
        self.reader.close()
        if self.outputs is not None:
            self.outputs.close()

    def run_once(self, progress: Optional[Callable[[int], None]] = None) -> int:
        """Process everything in the inbox now, waiting for files still being written."""
        self.reader.warm()  # the workers start while the inbox is scanned
        self._rescan()
        done = 0
        try:
            while len(self.stability):
                n = self._take_ready()
                done += n
                if progress and n:
                    progress(n)
                if len(self.stability):
                    time.sleep(0.2)
        finally:
            self.close()
        return done

    def run(self, stop: threading.Event) -> None:
        self.reader.warm()
        if self.outputs is not None:  # bring the outbox up to date (after a crash, or new templates)
            self.outputs(set(self.ledger.agencies()), [])
        hints = _Hints()
        observer = _start(self.settings, hints)
        last_scan = last_try = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now - last_scan >= self.settings.rescan_seconds:
                    self._rescan()
                    last_scan = now
                while True:
                    try:
                        self.stability.add(hints.paths.get_nowait())
                    except queue.Empty:
                        break
                self._take_ready()
                if (observer is None or not _alive(observer)) and now - last_try >= min(5.0, self.settings.rescan_seconds):
                    last_try = now  # a share that is gone is tried again every few seconds, not in a tight loop
                    observer = _restart(observer, self.settings, hints)
                    last_scan = 0.0  # events may have been missed
                stop.wait(0.1)
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)
            self.close()


def _start(settings: Settings, hints: _Hints):
    try:
        return _observer(settings, hints)
    except OSError as exc:
        log.warning("无法监视收件目录 %s（%s）：改为定期扫描，稍后重试。", settings.inbox, exc)
        return None


def _restart(observer, settings: Settings, hints: _Hints):
    if observer is not None:
        log.warning("收件目录监视已中断（网络共享断开？），正在重新启动监视。")
        try:
            observer.stop()
        except Exception:  # a dead observer may fail to stop; it is replaced anyway
            pass
    return _start(settings, hints) if settings.inbox.is_dir() else None
