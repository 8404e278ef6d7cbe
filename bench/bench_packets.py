"""Packet benchmark, run by hand (not part of the test suite):

    .venv/bin/python bench/bench_packets.py [--members 20] [--runs 5] [--workers N]

Reads the same generated filings (text PDFs, DOCX, XLSX) two ways through
the batch flow (claim, read, record, archive; no documents): dropped one by
one into the inbox, and as one ZIP packet. The two take turns over the runs
so that the machine's noise falls on both; it prints the median seconds of
each, their ratio (the issue asks ≤ 1.10), and beside them the bare library
call on the same input: `zipfile` extracting the packet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ledger import Ledger  # noqa: E402
from pipeline.settings import Settings, default_workers  # noqa: E402
from pipeline.watch import Watcher  # noqa: E402


def _bench_stages():
    spec = importlib.util.spec_from_file_location("bench_stages", ROOT / "bench" / "bench_stages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_inbox(files: list[Path], workers: int) -> float:
    """Seconds for one batch over an inbox holding `files`, in a fresh state."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(inbox=root / "inbox", outbox=root / "outbox", state=root / "state", stable_seconds=0.0,
                            workers=workers)
        settings.inbox.mkdir()
        for f in files:
            shutil.copy(f, settings.inbox / f.name)
        ledger = Ledger(settings.ledger_path)
        try:
            started = time.perf_counter()
            Watcher(settings, ledger, received_on=dt.date(2021, 7, 5)).run_once()
            seconds = time.perf_counter() - started
            count = sum(1 for _ in ledger.records())
        finally:
            ledger.close()
    assert count >= len(files), count
    return seconds


def bare_unzip(packet: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with zipfile.ZipFile(packet) as zf:
            zf.extractall(tmp)
        return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=default_workers())
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = _bench_stages().make_inputs(folder / "files", args.members)
        packet = folder / "packet.zip"
        with zipfile.ZipFile(packet, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f"材料/{f.name}")
        loose, zipped, bare = [], [], []
        for _ in range(args.runs):
            loose.append(run_inbox(files, args.workers))
            zipped.append(run_inbox([packet], args.workers))
            bare.append(bare_unzip(packet))
    one, two = statistics.median(loose), statistics.median(zipped)
    print(f"{len(files)} filings, {args.workers} workers, median of {args.runs} runs")
    print(f"  dropped one by one : {one:7.2f} s")
    print(f"  as one ZIP packet  : {two:7.2f} s   ratio {two / one:.3f} (issue: ≤ 1.10)")
    print(f"  bare zipfile.extractall of the packet: {statistics.median(bare) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
