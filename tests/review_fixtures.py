"""A small ledger of samples, replayed in order of receipt, shared by the
review tests (CLI, station, browser)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from pipeline.batch import Outputs
from pipeline.ledger import Ledger
from pipeline.settings import Settings
from pipeline.watch import Watcher

SAMPLES = Path(__file__).parent / "data" / "samples"
TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
# a 报告函 whose 法定代表人手机 was written with a digit missing, another agency's 报告函,
# a contract, a 工作报表 and a file of no known kind
FILES = ["doc_0004.docx", "doc_0023.pdf", "doc_0025.docx", "doc_0020.docx", "doc_0015.xlsx"]
LETTER = "doc_0023.pdf"


def replay(tmp: Path, names: list[str] = FILES, outputs: Optional[Outputs] = None) -> Settings:
    settings = Settings(inbox=tmp / "inbox", outbox=tmp / "outbox", state=tmp / "state", stable_seconds=0.05, workers=1)
    by_day = defaultdict(list)
    for name in names:
        by_day[TRUTH[name]["received_on"]].append(name)
    ledger = Ledger(settings.ledger_path)
    try:
        for day, group in sorted(by_day.items()):
            settings.inbox.mkdir(parents=True, exist_ok=True)
            for name in group:
                shutil.copy(SAMPLES / name, settings.inbox / name)
            Watcher(settings, ledger, outputs, received_on=dt.date.fromisoformat(day)).run_once()
    finally:
        ledger.close()
    return settings


def sha_of(settings: Settings, source: str) -> str:
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        return next(r.sha256 for r in ledger.records() if r.source == source)
    finally:
        ledger.close()


@contextmanager
def running_station(settings: Settings, publish=None) -> Iterator[str]:
    """The station under a real uvicorn on a free loopback port: its address."""
    import uvicorn

    from pipeline.station.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, publish), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
