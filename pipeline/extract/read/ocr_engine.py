"""rapidocr, reached through its public API: `RapidOCR(params=...)`,
called on one image with use_det / use_cls / use_rec; on OpenVINO,
`ocr_shapes.bound` also replaces three attributes of the engine it makes
(detection and recognition sessions, detection preprocessing; see there).

Engines are made once per process, job and thread count, on first use (never
at import). A job is one fixed configuration:

- "capped": detection and recognition, detection on a copy of the page at
  most DET_MAX_SIDE px on its long side (recognition always reads crops of
  the full-resolution page);
- "full": detection and recognition at rapidocr's default detection size
  (a short side under DET_MIN_SIDE px is enlarged to it);
- "cls": the line classifier alone, on crops exactly as given.

Every engine is given, by path, the model files that ship inside the
installed wheel, so nothing is ever downloaded.

The inference runtime (`runtime_name()`) is chosen once per process: the
OpenVINO runtime (rapidocr's `EngineType.OPENVINO` for det, cls and rec:
several times faster on x86-64 CPUs, same models, nearly the same text) where
its wheel loads, its memory held to a few fixed input shapes
(`ocr_shapes`); ONNX Runtime elsewhere or when PIPELINE_OCR_ENGINE=onnxruntime
asks for it.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import sys
import threading
from pathlib import Path

import numpy as np

from ...errors import UnreadableError
from . import OCR_ENGINE_ENV, ocr_engine_asked, ocr_threads_asked
from .ocr_cache import cached
from .ocr_shapes import SHAPES_TAG, bound, offline, prepare
from .scan_prep import MAX_SIDE

# Text detection runs on a copy of the page at most this many pixels on its
# long side (None: at full size, rapidocr's default); recognition always reads
# crops of the full-resolution page. Measured on the scanned samples rendered
# at 200 dpi (25 pages): value recall 124/124 at full size, 1600 and 1280;
# mean box score 0.984 / 0.985 / 0.985; OCR time per page -28 % at 1600 and
# -44 % at 1280, but 1280 misread a digit in the work-report table (3 -> ε).
DET_MAX_SIDE: int | None = 1600
# rapidocr's default detection size: a shorter side is enlarged to this.
DET_MIN_SIDE = 736
# Minimum rapidocr score kept (rapidocr's default).
TEXT_SCORE = 0.5

# The model files in rapidocr 3.10's wheel (the ones its default
# configuration names); another 3.x wheel may ship others, one per task.
_MODEL_FILES = {
    "det": "PP-OCRv6_det_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}


class OcrUnavailableError(UnreadableError):
    """rapidocr or its bundled model files are missing."""


_ENGINES: dict[tuple[str, int, str], object] = {}  # (runtime, thread count, job) -> engine
RUNTIMES = ("openvino", "onnxruntime")
log = logging.getLogger("pipeline")


@functools.cache
def openvino_loads() -> bool:
    """True when the OpenVINO runtime is installed and its native library
    loads (its wheel exists for x86-64 Linux and Windows, not everywhere)."""
    try:
        offline()
        import openvino  # noqa: F401

        return True
    except Exception:
        return False


def runtime_name() -> str:
    """The inference runtime of this process: OpenVINO where it loads (it
    reads a page several times faster), ONNX Runtime elsewhere or when
    PIPELINE_OCR_ENGINE=onnxruntime asks for it."""
    asked = ocr_engine_asked()
    if asked and asked not in RUNTIMES:
        log.warning("%s=%s 无效（可选 openvino、onnxruntime），按默认选择识别引擎", OCR_ENGINE_ENV, asked)
    if asked != "onnxruntime" and openvino_loads():
        return "openvino"
    return "onnxruntime"


def runtime_description() -> str:
    """One line for `pipeline status`: which engine reads scans, and why."""
    if runtime_name() == "openvino":
        return "OpenVINO（默认；设置 PIPELINE_OCR_ENGINE=onnxruntime 可改用 ONNX Runtime；rapidocr 模型随安装包提供）"
    if ocr_engine_asked() == "onnxruntime":
        why = "按 PIPELINE_OCR_ENGINE 设置"
    else:
        why = "本机无法加载 OpenVINO，改用 ONNX Runtime"
    return f"ONNX Runtime（{why}；rapidocr 模型随安装包提供）"


ENGINE_LOCK = threading.RLock()  # creation, and each call of an engine


def model_files() -> dict[str, Path]:
    """The model files inside the installed package (`rapidocr/models/`), by
    task: the file named in `_MODEL_FILES`, or else the one file of that task
    the wheel ships. rapidocr would download a missing file at run time; we
    pass these paths explicitly instead, so a missing file is an error,
    never a download."""
    root = Path(str(importlib.resources.files("rapidocr").joinpath("models"))).resolve()
    out = {}
    for task, name in _MODEL_FILES.items():
        shipped = sorted(root.glob(f"*_{task}_*.onnx"))
        out[task] = root / name if (root / name).is_file() or len(shipped) != 1 else shipped[0]
    return out


def is_available() -> bool:
    """True when rapidocr, a runtime, OpenCV and the bundled models are there."""
    try:
        import cv2  # noqa: F401

        if runtime_name() == "onnxruntime":
            import onnxruntime  # noqa: F401

        return all(p.is_file() for p in model_files().values())
    except Exception:
        return False


def engine(job: str = "capped"):
    """The process-wide rapidocr engine for `job` (created on first use), on
    this process's runtime, with the thread count PIPELINE_OCR_THREADS asks
    for (the worker pool sets it)."""
    key = (runtime_name(), ocr_threads_asked(), job)
    with ENGINE_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = _make_engine(key[1], job, key[0])
        return _ENGINES[key]


def runtime_params(runtime: str, threads: int) -> dict:
    """rapidocr parameters that put det, cls and rec on `runtime` with
    `threads` threads (0: the runtime decides)."""
    if runtime == "openvino":
        from rapidocr import EngineType

        params: dict = {f"{task}.engine_type": EngineType.OPENVINO for task in ("Det", "Cls", "Rec")}
        if threads > 0:
            params["EngineConfig.openvino.inference_num_threads"] = threads
        params["EngineConfig.openvino.enable_cpu_pinning"] = False
        return params
    if threads > 0:
        return {"EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    return {}


def _job_params(job: str) -> dict:
    if job == "cls":  # crops go to the classifier as they are, not resized
        return {"Global.use_preprocess_img": False}
    # every box comes back, also those scored below TEXT_SCORE: they still
    # tell the page's orientation; `read_page` drops them
    params = {"Global.text_score": 0.0, "Global.max_side_len": MAX_SIDE}
    if job == "capped" and DET_MAX_SIDE:
        return {**params, "Det.limit_type": "max", "Det.limit_side_len": DET_MAX_SIDE}
    return {**params, "Det.limit_type": "min", "Det.limit_side_len": DET_MIN_SIDE}


def _make_engine(threads: int = 0, job: str = "capped", runtime: str | None = None):
    runtime = runtime or runtime_name()
    _steady_heap()
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:  # pragma: no cover
        raise OcrUnavailableError("未安装文字识别组件（rapidocr），无法识别扫描件或图片。") from exc
    paths = model_files()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OcrUnavailableError(
            "文字识别模型文件缺失（" + "、".join(missing) + "）：请重新安装 rapidocr。"
        )
    params = {
        "Global.log_level": "critical",
        "Det.model_path": str(paths["det"]),
        "Cls.model_path": str(paths["cls"]),
        "Rec.model_path": str(paths["rec"]),
        **_job_params(job),
        **runtime_params(runtime, threads),
    }
    if threads > 0:  # set by the worker pool: one core per worker, for OpenCV's own thread pool too
        import cv2

        cv2.setNumThreads(threads)
    if runtime == "openvino":
        prepare()  # before rapidocr compiles its models
    ocr = RapidOCR(params=params)
    if runtime == "openvino" and job != "cls":
        bound(ocr, threads, paths)  # few input shapes, shared models: bounded memory
    return ocr


@functools.cache
def _steady_heap() -> None:
    """Large buffers back to the system when freed (glibc): glibc otherwise
    raises its mmap threshold after the first large free, and the runtimes'
    per-page tensors (hundreds of MB for detection) then stay in the heap as
    fragments: measured with OpenVINO, a worker grew by ~100 MB for every new
    page size instead of ~30 MB."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed at glibc's default
        except (OSError, AttributeError):
            pass


def _detection_job(shape: tuple[int, ...]) -> str:
    """"capped" when the page (as rapidocr's own preprocessing leaves it, at
    most MAX_SIDE px long) has a short side of at least DET_MIN_SIDE px; else
    "full": a small image is enlarged for detection, as rapidocr does."""
    h, w = shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    return "capped" if DET_MAX_SIDE and min(h, w) * scale >= DET_MIN_SIDE else "full"


def read_page(img: np.ndarray) -> tuple[list[np.ndarray], list[str], list[float]]:
    """Detection and recognition over a BGR page, the line classifier not
    applied: (quadrilaterals, texts, scores) of every non-empty box, whatever
    its score, in rapidocr's reading order; all empty when nothing is found."""
    job = _detection_job(img.shape)
    runtime = runtime_name()
    tag = f"{runtime}|{SHAPES_TAG}" if runtime == "openvino" else runtime
    return cached(img, f"{tag}|{job}|{sorted(_job_params(job).items())}", functools.partial(_read, job))


def _read(job: str, img: np.ndarray) -> tuple[list[np.ndarray], list[str], list[float]]:
    with ENGINE_LOCK:
        out = engine(job)(img, use_det=True, use_cls=False, use_rec=True)
    quads, txts, scores = (getattr(out, k, None) for k in ("boxes", "txts", "scores"))
    if quads is None or txts is None or scores is None:
        return [], [], []
    return [np.asarray(q, dtype=np.float32) for q in quads], [str(t) for t in txts], [float(s) for s in scores]


def classify(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """The line classifier's (label, score) for each crop: label "180" for a
    line it finds upside down. A crop it cannot judge gives ("", 0.0)."""
    labels = []
    with ENGINE_LOCK:
        cls = engine("cls")
        for crop in crops:
            out = cls(crop, use_det=False, use_cls=True, use_rec=False)
            found = list(getattr(out, "cls_res", None) or [])
            labels.append(tuple(found[0]) if found else ("", 0.0))
    return labels


def crop_line(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The crop of a detected box straightened, as rapidocr cuts it for its
    recogniser: a crop at least 1.5 times as tall as wide is turned 90°
    counter-clockwise."""
    import cv2

    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    out = cv2.warpPerspective(img, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.rot90(out) if out.shape[0] / out.shape[1] >= 1.5 else out
