"""The searchable archive end to end, run by hand (the acceptance points of
issue 16 that need the whole corpus):

    PIPELINE_OCR_CACHE=/work/ocr-cache .venv/bin/python bench/check_archive.py \\
        ../shared/samples ../shared/corpus-dev [--chromium]

Every scan and photo of the corpora (truth.json rendering "scan" or "jpg")
is dropped into a fresh inbox and taken in by `pipeline process`; then, for
each: its searchable PDF exists beside the archived original, the
original's sha256 is the dropped file's, the PDF is at most 1.3× its size,
`pdftoppm` renders it without a message and (with --chromium) Chromium's
PDF viewer shows it (Playwright on the system Chromium: the page loads, no
console error, the page image is drawn). Then `pipeline status` (how many
are missing) and `pipeline search 锦华电机` / `pipeline search 报告`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = [sys.executable, "-m", "pipeline"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PIPELINE, *args], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy())


def renders(path: Path) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), f"{tmp}/p"], capture_output=True)
        return run.returncode == 0 and not run.stderr


def chromium_shows(paths: list[Path]) -> dict[Path, bool]:
    """Each PDF opened in Chromium's PDF viewer: loaded, no console error,
    and its page drawn (a viewer that cannot open a file shows only its
    dark background and a message)."""
    import numpy as np
    from PIL import Image
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.system import chromium

    out = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        for path in paths:
            page = browser.new_page(viewport={"width": 800, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            response = page.goto(path.resolve().as_uri())
            shot, bright = Path(tmp) / "shot.png", 0.0
            for _ in range(12):  # the viewer draws the page when it is ready (slower on a loaded machine)
                time.sleep(1.5)
                page.screenshot(path=str(shot))
                bright = float((np.asarray(Image.open(shot).convert("L")) > 180).mean())
                if bright > 0.02:
                    break
            out[path] = bool(response and response.ok) and not errors and bright > 0.02
            page.close()
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--chromium", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archive-"))
    inbox, state, outbox = work / "inbox", work / "state", work / "outbox"
    inbox.mkdir()
    dropped: dict[str, str] = {}
    for corpus in args.corpora:
        truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
        for name, t in sorted(truth.items()):
            if t["rendering"] in ("scan", "jpg"):
                target = inbox / f"{corpus.name}-{name}"
                shutil.copy(corpus / name, target)
                dropped[target.name] = sha(target)
    t = time.perf_counter()
    done = cli("process", "--inbox", str(inbox), "--outbox", str(outbox), "--state", str(state))
    print(f"{len(dropped)} scans and photos taken in by pipeline process in {time.perf_counter() - t:.0f} s "
          f"(exit {done.returncode})")
    records = [json.loads(line) for line in cli("records", "--state", str(state)).stdout.splitlines()]
    own = {r["source"]: r for r in records if r["source"] in dropped and r["sha256"] == dropped[r["source"]]}
    missing, changed, large, unrendered = [], [], [], []
    pdfs: list[Path] = []
    worst = 0.0
    for name, digest in dropped.items():
        record = own.get(name)
        searchable = Path(record["searchable"]) if record and record.get("searchable") else None
        if record is None or searchable is None or not searchable.is_file():
            missing.append(name)
            continue
        original = Path(record["archive"])
        if sha(original) != digest:
            changed.append(name)
        ratio = searchable.stat().st_size / original.stat().st_size
        worst = max(worst, ratio)
        if ratio > 1.3:
            large.append(name)
        if not renders(searchable):
            unrendered.append(name)
        pdfs.append(searchable)
    print(f"searchable PDF beside the original: {len(dropped) - len(missing)}/{len(dropped)} (missing: {missing or 'none'})")
    print(f"originals' sha256 unchanged: {len(dropped) - len(missing) - len(changed)}/{len(dropped) - len(missing)}"
          f" (changed: {changed or 'none'})")
    print(f"largest size {worst:.3f}x the original (over 1.3x: {large or 'none'})")
    print(f"pdftoppm renders without a message: {len(pdfs) - len(unrendered)}/{len(pdfs)} ({unrendered or 'all'})")
    if args.chromium:
        shown = chromium_shows(pdfs)
        bad = [p.name for p, ok in shown.items() if not ok]
        print(f"Chromium's PDF viewer shows them: {len(shown) - len(bad)}/{len(shown)} (not: {bad or 'none'})")
    status = cli("status", "--state", str(state), "--inbox", str(inbox)).stdout
    print("pipeline status:", next((line for line in status.splitlines() if "可检索 PDF" in line), "?"))
    for query in ("锦华电机", "报告"):
        hits = [json.loads(line) for line in cli("search", query, "--state", str(state)).stdout.splitlines()]
        kinds: dict[str, int] = {}
        for h in hits:
            kinds[h["kind"]] = kinds.get(h["kind"], 0) + 1
        print(f"pipeline search {query}: {len(hits)} hits {kinds}; first: "
              + "; ".join(f"{h['source']} ({h['kind']}) {h['snippet'][:40]}" for h in hits[:2]))
    print(f"(state kept in {work})")


if __name__ == "__main__":
    main()
