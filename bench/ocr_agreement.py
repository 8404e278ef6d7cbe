"""Do the two OCR runtimes read the same text? Run by hand:

    .venv/bin/python bench/ocr_agreement.py ../shared/samples ../shared/corpus-dev [--workers 2]

Reads every scan and photo of each corpus (truth.json rendering "scan" or
"jpg") through the pipeline's reader (`read_document`, as `pipeline extract`
does) once on OpenVINO and once on ONNX Runtime, one thread each, and compares
the raw text of the two: characters identical = 2 x matched characters /
(characters of both), whitespace removed (difflib, no junk heuristic). Prints
one line per file that differs, the share per corpus and overall (target
>= 99.5 %), the load average and the time each runtime took.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNTIMES = ("openvino", "onnxruntime")


def read_both(path: Path) -> dict[str, tuple[str, float]]:
    """Raw text of `path` and the seconds it took, per runtime."""
    from pipeline.errors import UnreadableError
    from pipeline.extract.read import OCR_ENGINE_ENV, read_document

    out = {}
    for runtime in RUNTIMES:
        os.environ[OCR_ENGINE_ENV] = runtime
        started = time.perf_counter()
        try:
            text = read_document(path).text()
        except UnreadableError as exc:
            text = f"UNREADABLE {exc}"
        out[runtime] = (re.sub(r"\s+", "", text), time.perf_counter() - started)
    return out


def agreement(a: str, b: str) -> tuple[int, int]:
    """(matched characters x 2, characters of both)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return 2 * sum(block.size for block in matcher.get_matching_blocks()), len(a) + len(b)


def scans_of(corpus: Path) -> list[Path]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return [corpus / name for name, entry in sorted(truth.items()) if entry.get("rendering") in ("scan", "jpg")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--workers", type=int, default=1, help="files read at once (each with one thread per runtime)")
    args = ap.parse_args()
    os.environ["PIPELINE_OCR_THREADS"] = "1"
    print(f"load average at start {os.getloadavg()[0]:.2f}")
    grand = [0, 0]
    seconds = dict.fromkeys(RUNTIMES, 0.0)
    with ProcessPoolExecutor(args.workers) as pool:
        for corpus in args.corpora:
            files = scans_of(corpus)
            total = [0, 0]
            for path, texts in zip(files, pool.map(read_both, files)):
                matched, chars = agreement(texts["openvino"][0], texts["onnxruntime"][0])
                total[0] += matched
                total[1] += chars
                for runtime in RUNTIMES:
                    seconds[runtime] += texts[runtime][1]
                if matched < chars:
                    print(f"  {corpus.name}/{path.name}: {matched / max(chars, 1):.2%} identical "
                          f"({len(texts['openvino'][0])} vs {len(texts['onnxruntime'][0])} characters)")
            grand[0] += total[0]
            grand[1] += total[1]
            print(f"{corpus.name}: {len(files)} files, characters identical {total[0] / max(total[1], 1):.2%}")
    print(f"all: characters identical {grand[0] / max(grand[1], 1):.3%} (target >= 99.5 %)")
    print("reading time, all files: " + ", ".join(f"{r} {s:.0f} s" for r, s in seconds.items())
          + f"; load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
