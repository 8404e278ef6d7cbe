"""Stage benchmark, run by hand (not part of the test suite):

    .venv/bin/python bench/bench_stages.py [--files 60] [--runs 5] [--batch 200] [--reprocess 1000]
    .venv/bin/python bench/bench_stages.py --skip stages generate pdf reprocess latency startup \
        --photos-only --scans 1 --batch 40 --configs "1 worker" "2 workers"   # a batch of photos alone

Generates its own inputs (text PDFs, DOCX, XLSX with tests/fixtures/generate.py;
scans rendered from the PDFs), then prints, per stage, the median seconds per
file beside the bare library call on the same inputs in the same run, and the
ratio. Machines are noisy: read the ratios, not only the absolute times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.extract import classify, extract_fields, read_document  # noqa: E402
from pipeline.flow import build_record  # noqa: E402
from pipeline.validate import validate  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "tests" / "fixtures" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_inputs(folder: Path, count: int, scans: float = 0.0) -> list[Path]:
    """Generated filings; a fraction `scans` of the PDFs also as a phone-photo
    JPG of their first page (rendered, turned a little, noised)."""
    gen = _generator()
    files: list[Path] = []
    seed = 1
    while len(files) < count:
        files += [Path(c.path) for c in gen.generate(folder, seed)]
        seed += 1
    files = files[:count]
    pdfs = [f for f in files if f.suffix == ".pdf"]
    for f in pdfs[: int(len(pdfs) * scans)]:
        files.append(scan_of(f))
    return files


def scan_of(pdf: Path) -> Path:
    import numpy as np
    import pypdfium2
    from PIL import Image

    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=150 / 72).to_pil().convert("RGB").rotate(1.5, expand=True, fillcolor="white")
    noisy = np.asarray(image).astype(np.int16) + np.random.default_rng(0).integers(-12, 12, (image.height, image.width, 1))
    out = pdf.with_name(pdf.stem + "-scan.jpg")
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(out, quality=80)
    return out


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bare_pdfplumber(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()


def bare_docx(path: Path) -> None:
    import docx

    doc = docx.Document(str(path))
    for p in doc.paragraphs:
        _ = p.text
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                _ = cell.text


def bare_openpyxl(path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            pass


BARE = {".pdf": ("pdfplumber extract_text", bare_pdfplumber), ".docx": ("python-docx load + walk", bare_docx),
        ".xlsx": ("openpyxl load + walk", bare_openpyxl)}


def stage_table(files: list[Path], runs: int) -> None:
    print(f"\n== per file, median of {runs} runs, {len(files)} files ==")
    print(f"{'type':6} {'stage':34} {'s/file':>9} {'bare':>9} {'ratio':>6}  bare call")
    for suffix in (".docx", ".pdf", ".xlsx"):
        group = [f for f in files if f.suffix == suffix]
        if not group:
            continue
        label, bare = BARE[suffix]
        docs = {f: read_document(f) for f in group}
        kinds = {f: classify(docs[f]) for f in group}
        fields = {f: extract_fields(docs[f], kinds[f]) for f in group}
        rows = [
            ("read", lambda: [read_document(f) for f in group]),
            ("classify", lambda: [classify(docs[f]) for f in group]),
            ("extract fields", lambda: [extract_fields(docs[f], kinds[f]) for f in group]),
            ("validate", lambda: [validate(kinds[f], *fields[f], dt.date(2021, 7, 5)) for f in group]),
            ("whole record (pipeline extract)", lambda: [build_record(f, dt.date(2021, 7, 5)) for f in group]),
        ]
        bare_t = median_time(lambda: [bare(f) for f in group], runs) / len(group)
        for name, fn in rows:
            t = median_time(fn, runs) / len(group)
            ratio = f"{t / bare_t:6.2f}" if name in ("read", "whole record (pipeline extract)") else "     -"
            print(f"{suffix:6} {name:34} {t:9.4f} {bare_t:9.4f} {ratio}  {label}")


def generate_stage(runs: int) -> None:
    from docxtpl import DocxTemplate

    from pipeline.generate.forms import FORMS_DIR, render_report_letter, report_letter_context
    from pipeline.models import ReportLetterFields

    fields = ReportLetterFields(agency_name="常州测试安全技术有限公司", service_categories=["training"], staff_count=10)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        ours = median_time(lambda: render_report_letter(fields, out, FORMS_DIR), runs)

        context = report_letter_context(fields)

        def bare():
            tpl = DocxTemplate(FORMS_DIR / "报告函.docx")
            tpl.render(context, autoescape=True)
            tpl.save(Path(tmp) / "b.docx")

        base = median_time(bare, runs)
    print(f"\n== generate ==\n报告函 render: pipeline {ours:.4f} s, bare docxtpl {base:.4f} s, ratio {ours / base:.2f}")


def pdf_stage(files: list[Path]) -> None:
    from pipeline.generate.pdf import PdfConverter

    with PdfConverter() as conv:
        if not conv.is_available():
            print(f"\n== PDF conversion ==\nskipped: {conv.unavailable_reason()}")
            return
        docx = [f for f in files if f.suffix == ".docx"][:10]
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            conv.convert_many(docx, Path(tmp))
            t = time.perf_counter() - t0
    print(f"\n== PDF conversion ==\n{len(docx)} DOCX in one LibreOffice run: {t:.2f} s, {t / len(docx):.2f} s/file")


def run_cli(*args: str, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "pipeline"), *args], check=True, capture_output=True,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - t0


def distinct_copy(src: Path, dst: Path, n: int) -> None:
    """A copy with other bytes but the same content (so the ledger does not
    take it for a duplicate): a ZIP comment for DOCX/XLSX, trailing bytes
    for PDF and JPG, which their readers ignore."""
    shutil.copy(src, dst)
    if src.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(dst, "a") as z:
            z.comment = f"copy {n}".encode()
    else:
        with open(dst, "ab") as fh:
            fh.write(f"\n%copy {n}\n".encode())


def fill_inbox(inbox: Path, files: list[Path], count: int) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = files[i % len(files)]
        distinct_copy(src, inbox / f"{i:04d}-{src.name}", i)


class TreeMemory:
    """Peak of the summed resident memory of a process and all its
    descendants (the pool workers, LibreOffice), sampled every 0.1 s; and
    `worker_peak`, the peak of any one Python process below it (a pool worker).
    Only the tree is read (each process's `task/*/children`), not all of
    /proc: the sampler shares the machine with the run it measures."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak, self.worker_peak = pid, 0, 0
        self._python: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        """The process and its descendants now."""
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo += [int(c) for c in children.read_text().split()]
                except (OSError, ValueError):
                    continue
        return out

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.1):
            total = 0
            for pid in self._tree():
                try:
                    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                    if pid not in self._python:
                        self._python[pid] = Path(f"/proc/{pid}/comm").read_text().startswith("python")
                except (OSError, IndexError, ValueError):
                    continue
                total += rss
                if pid != self.pid and self._python[pid]:
                    self.worker_peak = max(self.worker_peak, rss)
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_measured(*args: str, env: dict | None = None, workers: bool = False):
    """Seconds and peak memory (bytes, whole process tree) of a CLI run; with
    `workers`, also the peak of any one pool worker and the CPU seconds of
    the whole tree (every process of it reaped by its parent: pool workers,
    LibreOffice)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "pipeline"), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    memory = TreeMemory(proc.pid)
    if proc.wait() != 0:
        raise SystemExit(f"pipeline {' '.join(args)} failed")
    seconds, peak = time.perf_counter() - t0, memory.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return (seconds, peak, memory.worker_peak, cpu) if workers else (seconds, peak)


RECORDED_2_WORKERS = 89.6  # README: 200 filings, 2 workers, ONNX Runtime, before issue 17
OV, ORT = {"PIPELINE_OCR_ENGINE": "openvino"}, {"PIPELINE_OCR_ENGINE": "onnxruntime"}
BATCH_CONFIGS = {
    "1 worker": {"PIPELINE_WORKERS": "1", **OV},
    "2 workers": {"PIPELINE_WORKERS": "2", **OV},
    "1 worker, OCR engine on 2 threads": {"PIPELINE_WORKERS": "1", "PIPELINE_OCR_THREADS": "2", **OV},
    "2 workers, onnxruntime": {"PIPELINE_WORKERS": "2", **ORT},
}


def batch_stage(files: list[Path], batch: int, runs: int, configs: list[str], photos_only: bool = False) -> None:
    """`process` of `batch` distinct filings into an empty outbox, the
    configurations taking turns so that machine noise falls on all alike;
    the load average beside each run, the peak memory of one pool worker."""
    photos = sum(files[i % len(files)].suffix == ".jpg" for i in range(batch))
    what = "phone photos alone" if photos_only else f"mixed filings (all distinct, {photos} of them phone photos)"
    print(f"\n== process {batch} {what}, median of {runs} runs ==")
    times: dict[str, list[float]] = {name: [] for name in configs}
    loads: dict[str, list[float]] = {name: [] for name in configs}
    worker_peak: dict[str, int] = dict.fromkeys(configs, 0)
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(runs):
        for name in configs:
            with tempfile.TemporaryDirectory() as tmp:
                fill_inbox(Path(tmp) / "inbox", files, batch)
                t, _peak, worker, seconds = run_measured(
                    "process", "--inbox", str(Path(tmp) / "inbox"), "--outbox", str(Path(tmp) / "out"), "--state",
                    str(Path(tmp) / "state"), env={**BATCH_CONFIGS[name], "PIPELINE_STABLE_SECONDS": "0"}, workers=True)
                times[name].append(t)
                loads[name].append(os.getloadavg()[0])
                worker_peak[name] = max(worker_peak[name], worker)
                cpu[name].append(seconds)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    for name, t in median.items():
        print(f"{name:36} {t:7.1f} s ({batch / t:.1f} files/s)  runs: {', '.join(f'{x:.1f}' for x in times[name])}  "
              f"load {', '.join(f'{x:.1f}' for x in loads[name])}  peak per worker {worker_peak[name] / 2**20:.0f} MB")
        work = statistics.median(cpu[name])
        print(f"{'':36} CPU of the process tree {work:.1f} s (median): {work / t:.2f} cores busy on average")
    if "2 workers" in median and not photos_only:
        print(f"2 workers vs the {RECORDED_2_WORKERS} s recorded before issue 17 (ONNX Runtime): "
              f"{RECORDED_2_WORKERS / median['2 workers']:.2f}x faster (target >= 2)")
    if "1 worker" in median and "2 workers" in median:
        print(f"speed-up, 2 workers vs 1 worker: {median['1 worker'] / median['2 workers']:.2f}x (target >= 1.7)")
    if "1 worker, OCR engine on 2 threads" in median and "2 workers" in median:
        print(f"speed-up, 2 workers vs 1 worker whose OCR engine uses both cores: "
              f"{median['1 worker, OCR engine on 2 threads'] / median['2 workers']:.2f}x")
    if "2 workers, onnxruntime" in median and "2 workers" in median:
        print(f"speed-up, OpenVINO vs onnxruntime (2 workers): {median['2 workers, onnxruntime'] / median['2 workers']:.2f}x")


def reprocess_stage(files: list[Path], count: int, runs: int) -> None:
    """`reprocess` of `count` archived text filings (after a first `process`
    made every output), run `runs` times over the same state."""
    print(f"\n== reprocess {count} archived text filings, {runs} runs ==")
    text = [f for f in files if f.suffix in (".docx", ".pdf", ".xlsx")]
    with tempfile.TemporaryDirectory() as tmp:
        fill_inbox(Path(tmp) / "inbox", text, count)
        state, out = Path(tmp) / "state", Path(tmp) / "out"
        env = {"PIPELINE_STABLE_SECONDS": "0"}
        t, mem = run_measured("process", "--inbox", str(Path(tmp) / "inbox"), "--outbox", str(out), "--state", str(state),
                              env=env)
        print(f"first process of {count}: {t:.1f} s, peak memory {mem / 2**20:.0f} MB")
        results = [run_measured("reprocess", "--state", str(state), "--outbox", str(out), env=env) for _ in range(runs)]
        shutil.rmtree(out)  # as after a template improved: every document is made again, Word and PDF
        remade, remade_mem = run_measured("reprocess", "--state", str(state), "--outbox", str(out), env=env)
    times = [t for t, _ in results]
    peak = max(m for _, m in results)
    print(f"reprocess: median {statistics.median(times):.1f} s ({statistics.median(times) / count * 1000:.0f} ms/file), "
          f"runs: {', '.join(f'{t:.1f}' for t in times)}; peak memory of the process tree {peak / 2**20:.0f} MB")
    print(f"reprocess into an empty outbox (every document and PDF made again, as after a template change): {remade:.1f} s, "
          f"peak memory {remade_mem / 2**20:.0f} MB")


def latency_stage(files: list[Path], runs: int) -> None:
    """From the end of a file's stability window to its record in the ledger,
    in the watcher as `make run` starts it (default workers, documents and
    PDFs made after each batch), one text filing dropped after another."""
    import threading

    from pipeline.batch import outputs_for
    from pipeline.ledger import Ledger
    from pipeline.settings import Settings
    from pipeline.watch import Watcher

    text = [f for f in files if f.suffix in (".docx", ".pdf")][: max(runs, 10)]
    lags = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(inbox=Path(tmp) / "in", outbox=Path(tmp) / "out", state=Path(tmp) / "st",
                            stable_seconds=1.0)
        ledger = Ledger(settings.ledger_path)
        stop = threading.Event()
        watcher = Watcher(settings, ledger, outputs_for(settings))
        thread = threading.Thread(target=watcher.run, args=(stop,))
        thread.start()
        time.sleep(3.0)  # the pool's workers start
        for i, src in enumerate(text):
            target = settings.inbox / f"{i}-{src.name}"
            shutil.copy(src, target)
            written = target.stat().st_mtime
            count = len(list(ledger.entries()))
            while len(list(ledger.entries())) == count:
                time.sleep(0.01)
            lags.append(time.time() - (written + settings.stable_seconds))
        stop.set()
        thread.join()
        ledger.close()
    print(f"\n== latency ==\nstability window end -> record in ledger: median {statistics.median(lags):.2f} s, "
          f"max {max(lags):.2f} s over {len(lags)} text filings ({settings.workers} workers, outputs on)")


def startup_stage(runs: int) -> None:
    t = statistics.median(run_cli("--help") for _ in range(runs))
    print(f"\n== start-up ==\npipeline --help: {t:.2f} s (median of {runs})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--reprocess", type=int, default=1000)
    ap.add_argument("--batch-runs", type=int, default=5, help="runs of the batch and reprocess stages")
    ap.add_argument("--configs", nargs="+", default=list(BATCH_CONFIGS), choices=list(BATCH_CONFIGS),
                    help="batch configurations to time")
    ap.add_argument("--scans", type=float, default=0.25, help="fraction of PDFs also given as phone photos")
    ap.add_argument("--photos-only", action="store_true",
                    help="the batch of phone photos alone (how a batch of scans scales with workers)")
    ap.add_argument("--skip", nargs="*", default=[], help="stages to skip: stages generate pdf batch reprocess latency startup")
    a = ap.parse_args()
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_inputs(Path(tmp), a.files, a.scans)
        if "stages" not in a.skip:
            stage_table(files, a.runs)
        if "generate" not in a.skip:
            generate_stage(a.runs)
        if "pdf" not in a.skip:
            pdf_stage(files)
        if "batch" not in a.skip:
            batch_stage([f for f in files if f.suffix == ".jpg"] if a.photos_only else files, a.batch, a.batch_runs,
                        a.configs, a.photos_only)
        if "reprocess" not in a.skip:
            reprocess_stage(files, a.reprocess, a.batch_runs)
        if "latency" not in a.skip:
            latency_stage(files, a.runs)
        if "startup" not in a.skip:
            startup_stage(a.runs)
    print("\nOCR: see bench/bench_ocr.py (pipeline OCR path vs bare rapidocr on the same pages).")


if __name__ == "__main__":
    main()
