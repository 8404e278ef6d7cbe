"""The worker pool: same records as reading inline, and a worker that dies
takes no file with it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from pipeline.ledger import Ledger
from pipeline.models import Limits
from pipeline.pool import Job, Reader, cost_order
from pipeline.settings import Settings
from pipeline.watch import Watcher
from tests.compare import all_records

from .crashers import die_on_poison

SAMPLES = Path(__file__).parent / "data" / "samples"
NAMES = ["doc_0001.docx", "doc_0004.docx", "doc_0010.pdf", "doc_0015.xlsx", "doc_0022.docx", "doc_0028.pdf"]


def _jobs(folder: Path) -> list[Job]:
    return [Job(path=folder / n, received_on=dt.date(2021, 7, 5), name=n) for n in NAMES]


def test_pool_gives_the_same_records_as_inline() -> None:
    with Reader(1, Limits()) as inline, Reader(2, Limits()) as pooled:
        one = {job.name: recs[0].to_json_dict() for job, recs, _ in inline.map(_jobs(SAMPLES))}
        two = {job.name: recs[0].to_json_dict() for job, recs, _ in pooled.map(_jobs(SAMPLES))}
    assert one == two and len(one) == len(NAMES)


def test_a_dying_worker_loses_no_file(tmp_path: Path) -> None:
    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state",
                        stable_seconds=0.1, workers=2)
    settings.inbox.mkdir(parents=True)
    for name in NAMES:
        shutil.copy(SAMPLES / name, settings.inbox / name)
    shutil.copy(SAMPLES / "doc_0027.docx", settings.inbox / "poison.docx")
    ledger = Ledger(settings.ledger_path)
    try:
        watcher = Watcher(settings, ledger)
        watcher.reader = Reader(2, settings.limits, work=die_on_poison)
        watcher.run_once()
        records = {r["source"]: r for r in all_records(ledger)}
    finally:
        ledger.close()
    assert set(records) == set(NAMES) | {"poison.docx"}
    assert all(records[n]["kind"] != "unknown" for n in NAMES)  # the others were read normally
    poison = records["poison.docx"]
    assert poison["status"] == "rejected" and "崩溃" in poison["issues"][0]["message"]
    assert Path(poison["archive"]).read_bytes() == (SAMPLES / "doc_0027.docx").read_bytes()
    assert list(settings.inbox.iterdir()) == []


def test_the_pool_starts_photos_and_large_pdfs_first(tmp_path: Path) -> None:
    """The long jobs go first, so that a batch does not end with one core
    reading a photo while the other waits."""
    sizes = {"a.docx": 10, "small.pdf": 100, "big.pdf": 5000, "photo.jpg": 50, "b.xlsx": 20000}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    assert sorted(sizes, key=lambda n: cost_order(tmp_path / n)) == ["photo.jpg", "big.pdf", "small.pdf", "b.xlsx", "a.docx"]


def _pool_workers() -> list[int]:
    """The pids of this process's pool workers (spawned: `spawn_main` in their command line)."""
    import os

    found = []
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        for pid in Path(f"/proc/{os.getpid()}/task/{task}/children").read_text().split():
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


def test_warm_starts_every_worker_before_the_first_file() -> None:
    """The watcher warms the pool at start-up: each of the workers is
    started then (not one, nor at the first file), and reads at once."""
    import time

    with Reader(2, Limits()) as reader:
        reader.warm()
        deadline = time.monotonic() + 60
        while len(_pool_workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = sorted(_pool_workers())
        assert len(started) == 2
        done = {job.name for job, recs, _ in reader.map(_jobs(SAMPLES)) if recs[0].kind != "unknown"}
        assert done == set(NAMES) and sorted(_pool_workers()) == started
