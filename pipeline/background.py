"""The output half of each batch (documents, PDFs, digest) in a background
thread, so that the watcher goes on taking in files while LibreOffice
works: a filing is in the ledger within a second of being written, whatever
is being generated.

Requests that arrive while the thread is busy are merged into one (the
union of agencies and of new filings), so a burst of small batches costs
one generation run. The thread reads the ledger through its own connection.
A run that fails is logged and tried again with the next request; it never
stops the intake.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from .batch import Outputs
from .ledger import Ledger

log = logging.getLogger("pipeline")


class BackgroundOutputs:
    """A `batch.Publish` that runs `outputs` in its own thread."""

    def __init__(self, outputs: Outputs, ledger_path: Path) -> None:
        self.outputs = outputs
        self.ledger_path = ledger_path
        self._agencies: set[str] = set()
        self._new: dict[str, None] = {}  # ordered set
        self._pending = False
        self._closing = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="outputs", daemon=True)
        self._thread.start()

    def __call__(self, agencies: set[str], new: list[str]) -> None:
        """Queue a generation run."""
        with self._cond:
            self._agencies |= agencies
            self._new.update(dict.fromkeys(new))
            self._pending = True
            self._cond.notify_all()

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _loop(self) -> None:
        ledger = Ledger(self.ledger_path, lock=False)
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._pending or self._closing)
                    if not self._pending:
                        return
                    agencies, new = self._agencies, self._new
                    self._agencies, self._new, self._pending = set(), {}, False
                try:
                    self.outputs(ledger, agencies, list(new))
                except Exception:  # a failed run is logged; its agencies are tried again with the next request
                    log.exception("生成文书或汇总时出错（下次处理文件时重试）")
                    with self._cond:
                        self._agencies |= agencies
                        self._new = {**new, **self._new}
        finally:
            ledger.close()
