"""Replay a corpus in the order it arrived, run by hand (not part of the suite):

    PIPELINE_OCR_CACHE=/work/ocr-cache .venv/bin/python bench/replay_corpus.py ../shared/corpus-dev \
        [--pdf] [--keep DIR] [--project DIR]

For each received-on day of the corpus's `truth.json` (in date order), the
files received that day are copied into a fresh inbox and
`pipeline process --received-on DAY` runs on it, with one state folder and
one outbox for the whole replay, as the bureau would have run it. Then it
lists the agency folders of the outbox beside the truth's agencies: folders
of no real agency (phantoms, such as an OCR slip of a known name) and real
agencies without a folder. Documents are made without PDFs unless `--pdf`
(LibreOffice is hidden from the pipeline's PATH): the folders are the same.
`--project DIR` runs the `pipeline` package of another checkout (an older
commit, for a figure before a change) with this worktree's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.agencies import UNNAMED  # noqa: E402
from pipeline.digest import REVIEW_DIR_NAME  # noqa: E402
from pipeline.names import safe_name  # noqa: E402


def by_day(corpus: Path) -> dict[str, list[str]]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    days: dict[str, list[str]] = defaultdict(list)
    for name, entry in truth.items():
        days[entry["received_on"]].append(name)
    return dict(sorted(days.items()))


def real_agencies(corpus: Path) -> set[str]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return {safe_name(n) for e in truth.values() if (n := (e.get("fields") or {}).get("agency_name"))}


def replay(corpus: Path, work: Path, pdf: bool, project: Path) -> float:
    """Run the days one by one; the seconds it took."""
    env = dict(os.environ, PYTHONPATH=str(project))
    if not pdf:  # no soffice on the PATH: Word documents only
        env["PATH"] = str(ROOT / ".venv" / "bin")
    started = time.monotonic()
    for day, names in by_day(corpus).items():
        inbox = work / "inbox"
        shutil.rmtree(inbox, ignore_errors=True)
        inbox.mkdir(parents=True)
        for name in names:
            shutil.copy2(corpus / name, inbox / name)
        cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pipeline", "process", "--inbox", str(inbox), "--outbox", str(work / "outbox"),
               "--state", str(work / "state"), "--received-on", day]
        t0 = time.monotonic()
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=project)
        print(f"{day}: {len(names)} files, {time.monotonic() - t0:.1f} s, exit {run.returncode}", flush=True)
        if run.returncode:
            print(run.stderr[-2000:], file=sys.stderr)
    return time.monotonic() - started


def folders(outbox: Path) -> set[str]:
    return {p.name for p in outbox.iterdir() if p.is_dir() and p.name not in (REVIEW_DIR_NAME, UNNAMED)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--pdf", action="store_true", help="make PDFs too (slow)")
    ap.add_argument("--project", type=Path, default=ROOT, help="the checkout whose pipeline package runs")
    ap.add_argument("--keep", type=Path, help="replay into this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="replay-"))
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
    try:
        seconds = replay(args.corpus.resolve(), work, args.pdf, args.project.resolve())
        made, real = folders(work / "outbox"), real_agencies(args.corpus)
        print(f"\nreplay of {args.corpus}: {seconds:.0f} s")
        print(f"outbox agency folders: {len(made)}   real agencies: {len(real)}")
        print(f"  exactly one folder per real agency: {'yes' if made == real else 'no'}")
        for name in sorted(made - real):
            print(f"  phantom folder (no such agency): {name}")
        for name in sorted(real - made):
            print(f"  real agency without a folder: {name}")
        unnamed = work / "outbox" / UNNAMED
        if unnamed.is_dir():
            print(f"  ({UNNAMED}/ holds the filings that name no agency)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
