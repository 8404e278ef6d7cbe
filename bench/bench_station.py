"""Review station benchmark, run by hand (not part of the test suite):

    .venv/bin/python bench/bench_station.py [--records 5000] [--runs 15]

Builds a ledger of N records (the text samples read once, then filed again
under distinct digests, a fifth of them needing review, spread over 40
agencies), starts the station under uvicorn on the loopback and times, as
an officer's browser sees them (HTTP, logged in): the queue page, and a
record page's first image with an empty image cache. Beside each, the bare
calls on the same input in the same run: the queue's SQL and a trivial
Starlette page over the same server; pypdfium2 render + PNG encode of the
same page. Medians; targets ≤ 200 ms (queue) and ≤ 300 ms (first image).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.accounts import add_user  # noqa: E402
from pipeline.flow import build_record  # noqa: E402
from pipeline.ledger import Ledger  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.station.queue import Filters, queue  # noqa: E402
from tests.review_fixtures import SAMPLES, TRUTH, running_station  # noqa: E402

PASSWORD = "bench-password"


def build_ledger(settings: Settings, n: int) -> str:
    """N records; the sha256 of a needs-review PDF record to open."""
    names = [k for k, t in TRUTH.items() if t["rendering"] in ("docx", "pdf", "xlsx")]
    archive = settings.archive / "2021-03"
    archive.mkdir(parents=True)
    base = []
    for name in names:
        shutil.copy(SAMPLES / name, archive / name)
        base.append(build_record(archive / name, dt.date.fromisoformat(TRUTH[name]["received_on"])))
    ledger = Ledger(settings.ledger_path)
    target = ""
    try:
        for i in range(n):
            rec = base[i % len(base)]
            sha = hashlib.sha256(f"{i}".encode()).hexdigest()
            fields = rec.fields
            if getattr(fields, "agency_name", None):
                fields = fields.model_copy(update={"agency_name": f"{fields.agency_name}{i % 40}"})
            status = "needs_review" if i % 5 == 0 else rec.status
            copy = rec.model_copy(update={"sha256": sha, "fields": fields, "status": status,
                                          "received_on": dt.date(2021, 1, 1) + dt.timedelta(days=i % 700)})
            ledger.claim(sha, rec.source, copy.received_on)
            ledger.complete(sha, copy, str(archive / rec.source), None)
            ledger.mark_archived(sha)
            if rec.source.endswith(".pdf") and status == "needs_review":
                target = sha
    finally:
        ledger.close()
    return target


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    import httpx
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(inbox=Path(tmp) / "inbox", outbox=Path(tmp) / "outbox", state=Path(tmp) / "state")
        sha = build_ledger(settings, args.records)
        add_user(settings.state, "bench", "officer", PASSWORD)
        ledger = Ledger(settings.ledger_path, lock=False)
        record = ledger.record(sha)
        assert record is not None and record.archive
        with running_station(settings) as url, httpx.Client(base_url=url) as http:
            token = re.search(r'name="csrf" value="([^"]+)"', http.get("/login").text).group(1)
            http.post("/login", data={"csrf": token, "name": "bench", "password": PASSWORD, "next": "/"})
            assert http.get("/").status_code == 200
            page = median_ms(lambda: http.get("/").raise_for_status(), args.runs)
            sql = median_ms(lambda: queue(ledger, Filters()), args.runs)
            trivial = median_ms(lambda: http.get("/static/station.css").raise_for_status(), args.runs)
            cache = settings.state / "pages"

            def first_image() -> None:
                shutil.rmtree(cache, ignore_errors=True)
                http.get(f"/record/{sha}/page/1.png").raise_for_status()

            def bare_image() -> None:
                pdf = pdfium.PdfDocument(record.archive)
                pdf[0].render(scale=1.5).to_pil().save(io.BytesIO(), "PNG", compress_level=1)
                pdf.close()

            image = median_ms(first_image, args.runs)
            bare = median_ms(bare_image, args.runs)
            record_page = median_ms(lambda: http.get(f"/record/{sha}").raise_for_status(), args.runs)
        ledger.close()
    queued = args.records // 5
    print(f"ledger: {args.records} records, about {queued} in the queue; medians of {args.runs} runs")
    print(f"{'what':58} {'ms':>8}")
    print(f"{'queue page over HTTP (target <= 200 ms)':58} {page:8.1f}")
    print(f"{'  bare: queue() SQL + 50 records parsed, no HTTP':58} {sql:8.1f}")
    print(f"{'  bare: a static file over the same server':58} {trivial:8.1f}")
    print(f"{'record page over HTTP':58} {record_page:8.1f}")
    print(f"{'first page image, empty cache, over HTTP (target <= 300 ms)':58} {image:8.1f}")
    print(f"{'  bare: pypdfium2 render + PNG encode of the same page':58} {bare:8.1f}")


if __name__ == "__main__":
    main()
