"""Bounded memory, and none of the work rapidocr's numpy would waste, for OCR on OpenVINO.

OpenVINO's CPU plugin keeps, for every input shape a model has met, compiled
kernels and executor state in its runtime cache (CPU_RUNTIME_CACHE_CAPACITY,
5,000 entries by default), and keeps each model's intermediate buffers at the
largest size met. rapidocr hands it whatever shapes a page gives: detection
any multiple of 32 up to the detection size, recognition up to six crops at
any width from 320 px. Measured with rapidocr 3.10's recogniser, one thread:
+7 MB for every new line width, never given back (a worker passed 1.8 GB
after 30 files). So the OpenVINO sessions rapidocr made for detection and
recognition are replaced by these, on the same model files:

- detection: the page padded (edge pixels repeated) to the next multiple
  of DET_STEP on both sides, on a model compiled for that static shape
  (OpenVINO then plans buffer reuse: ~105 MB at 1600 x 1120 px where the
  dynamic model takes ~320 MB), at most DET_KEEP sizes kept compiled; the
  probability map is cut back to the page's own size. Padding does not
  change the text read. rapidocr's resized page is taken as bytes and
  written into the model's input through a table of rapidocr's own
  normalisation of the 256 byte values (rapidocr normalises in float64
  numpy: 0.1-0.3 s a page and ~170 MB of fresh memory, zeroed by the
  system in huge pages);
- recognition: each crop of rapidocr's batches at the batch's width, as
  rapidocr pads it (padding to a few fixed widths instead changed
  full-width punctuation into half-width, ~0.7 % of the characters), one
  crop at a time, on a model whose runtime cache keeps one shape
  (CPU_RUNTIME_CACHE_CAPACITY=1: the crops of a batch share it; with 0, each
  crop prepared the model anew, ~4 ms), its buffers kept from batch to batch
  (at the widest line's size: handed back after each batch, they were
  allocated and zeroed again, ~0.05 s a page);
  each time step's best class and its probability, all rapidocr's CTC
  decoding reads, are picked from each crop's output as it comes (numpy's
  argmax, as rapidocr's) and handed back as `BestClasses` (rapidocr's own
  argmax and max over a batch of six crops' 18,710 classes a step took
  0.1 s a page; a TopK node in the graph, stable as numpy's argmax, was
  0.16 s a page slower than this on an AMD EPYC with AVX-512);
- oneDNN, under OpenVINO, keeps the kernels it compiled for every shape in a
  process-wide cache of 1,024 by default: ~250 MB for recognition alone
  over 60 line widths. `prepare()` bounds it to KERNEL_CACHE kernels
  (ONEDNN_PRIMITIVE_CACHE_CAPACITY, read by oneDNN when it makes its first
  kernel; a value already set is kept). Measured over the 25 sample pages:
  a worker's peak 575 MB at 64, 585 at 128, 605 at 256; 0 kernels cost
  ~0.2 s a page more, in kernels compiled again;
- detection keeps one page size compiled (DET_KEEP): a page of another size
  compiles the model again (~0.4 s), which a batch of A4 scans never does,
  and its graph is read from the file again then rather than kept (~25 MB);
  the page is written straight into the model's input, edges repeated;
- inference threads are not pinned to cores (ENABLE_CPU_PINNING off):
  OpenVINO pins a one-thread inference to the first core, so two workers
  shared one core (1.9 s a photo each instead of 1.1 s);
- detection hands its buffers back after each page (`release_memory`), and
  the two rapidocr engines of a process that detect at different sizes
  ("capped" and "full") share them.

Nothing here changes ONNX Runtime's sessions (its memory does not grow).
"""

from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from typing import Iterator

import numpy as np

DET_STEP = 160  # detection sides: multiples of this (rapidocr's own are multiples of 32)
DET_KEEP = 1  # detection sizes kept compiled at once
KERNEL_CACHE = 64  # oneDNN kernels kept (its default: 1,024)
SHAPES_TAG = f"det{DET_STEP}|rec1-keep1"  # for the OCR cache's key (what changes the text read)

_SHARED: dict[tuple[str, int], object] = {}  # (task, threads) -> session


def det_side(side: int) -> int:
    """A detection side rounded up to its padded size."""
    return math.ceil(side / DET_STEP) * DET_STEP


def prepare() -> None:
    """Bound oneDNN's kernel cache; called before the process's first
    OpenVINO model is compiled (oneDNN reads the variable then)."""
    offline()
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(KERNEL_CACHE))


def offline() -> None:
    """OpenVINO without its model conversion tools; called before the
    process first imports openvino. `import openvino` imports
    openvino.tools.ovc when it can, and that import sends a usage event to
    Google Analytics (openvino-telemetry, on unless the user's home holds an
    opt-out file or CI=true) from a process it spawns: a second Python
    start-up per worker, up to 3 s waiting on the network, and, when it
    spawned while the worker was importing OpenCV, a child that failed with
    a traceback in the log (it inherited OpenCV's folder on sys.path, whose
    `typing` package then shadowed the standard one). The pipeline works
    offline and only runs models it is given, so the import is refused
    (openvino catches the ImportError; the runtime needs nothing from it)."""
    sys.modules.setdefault("openvino.tools.ovc", None)  # type: ignore[arg-type]  # None: "import refused"


def _core(threads: int, shapes_kept: int = 0):
    """An OpenVINO core whose CPU models keep `shapes_kept` input shapes'
    executors in their runtime cache (its default: 5,000)."""
    prepare()
    import openvino

    core = openvino.Core()
    core.set_property("CPU", {"CPU_RUNTIME_CACHE_CAPACITY": str(shapes_kept), "ENABLE_CPU_PINNING": "NO",
                              **({"INFERENCE_NUM_THREADS": str(threads)} if threads > 0 else {})})
    return core


class _StaticDet:
    """rapidocr's detection model compiled for each padded page size it
    meets, as a static shape (OpenVINO then plans buffer reuse: ~105 MB at
    1600 x 1120 px instead of ~320 MB for the dynamic model), at most
    DET_KEEP sizes kept, buffers handed back after each page. It takes the
    resized page as bytes (`_DetResize`) and writes it into the model's input
    normalised through `levels`, rapidocr's own normalisation of each byte
    value per channel: the same numbers rapidocr's numpy would give."""

    def __init__(self, path: str, threads: int, levels: np.ndarray):
        self.core, self.path = _core(threads), path
        self.luts = [np.ascontiguousarray(levels[:, c]).reshape(1, 256) for c in range(levels.shape[1])]
        self.compiled: dict[tuple[int, ...], tuple] = {}

    def __call__(self, page: np.ndarray) -> np.ndarray:
        import cv2

        n, h, w, channels = page.shape
        shape = (n, channels, det_side(h), det_side(w))
        if shape not in self.compiled:
            if len(self.compiled) >= DET_KEEP:
                self.compiled.pop(next(iter(self.compiled)))  # the least recently used size
            graph = self.core.read_model(self.path)
            graph.reshape(list(shape))
            model = self.core.compile_model(graph, "CPU")
            self.compiled[shape] = (model, model.create_infer_request())
        model, request = self.compiled[shape] = self.compiled.pop(shape)  # now the most recent
        tensor = request.get_input_tensor().data
        for i in range(n):  # (rapidocr gives one page at a time)
            for c, plane in enumerate(cv2.split(page[i])):  # OpenCV's table lookup: a third of numpy's take
                view = tensor[i, c, :h, :w]
                written = cv2.LUT(plane, self.luts[c], dst=view)
                if not np.shares_memory(written, view):  # (OpenCV writes into the view; were it ever to copy)
                    view[...] = written
        tensor[..., h:, :w] = tensor[..., h - 1 : h, :w]
        tensor[..., w:] = tensor[..., w - 1 : w]
        request.infer()
        out = np.array(request.get_output_tensor().data[..., :h, :w])  # a copy: the tensor is OpenVINO's
        model.release_memory()  # OpenVINO >= 2024.3
        return out


class _DetResize:
    """rapidocr's detection preprocessing without its normalisation: the
    page resized by rapidocr's own rules and handed on as bytes (normalised
    in numpy, in float64, a 1600 px page took 0.1-0.3 s and ~170 MB of fresh
    memory); `levels()` is that normalisation of the 256 byte values, which
    `_StaticDet` applies as it writes the page into the model's input."""

    def __init__(self, det):
        self.pre = type(det).get_preprocess(det)  # rapidocr's own, for its resize and normalisation

    def __call__(self, img: np.ndarray) -> np.ndarray | None:
        resized = self.pre.resize(img)
        return None if resized is None else resized[np.newaxis]

    def levels(self) -> np.ndarray:
        """(256, channels): rapidocr's normalised value of each byte value."""
        values = np.repeat(np.arange(256, dtype=np.uint8)[:, None], len(self.pre.mean), axis=1)
        return np.ascontiguousarray(self.pre.normalize(values[None])[0], dtype=np.float32)


class _Rec:
    """rapidocr's recognition model compiled with OpenVINO's per-shape cache
    held to one shape; each crop's best class and its probability per time
    step taken from its output at once; its buffers stay at the widest
    line's size."""

    def __init__(self, path: str, threads: int):
        core = _core(threads, shapes_kept=1)
        graph = core.read_model(path)
        self.classes = graph.get_results()[0].get_output_partial_shape(0)[2].get_length()
        self.model = core.compile_model(graph, "CPU")
        self.request = self.model.create_infer_request()

    def __call__(self, crops: np.ndarray) -> BestClasses:
        """The batch's best classes, read one crop at a time (the buffers of
        one crop, not six; as fast on one thread): numpy's argmax, so a tie
        goes to the lowest class, as in rapidocr."""
        prob, index = [], []
        for i in range(len(crops)):
            self.request.infer([crops[i : i + 1]])
            probs = self.request.get_output_tensor(0).data  # (1, steps, classes), OpenVINO's buffer
            best = probs.argmax(axis=2)
            index.append(best)
            prob.append(np.take_along_axis(probs, best[..., None], axis=2)[..., 0])
        return BestClasses(np.concatenate(index), np.concatenate(prob), self.classes)


class BestClasses:
    """The recogniser's output as rapidocr's CTC decoding reads it: it takes
    each time step's most likely class (`argmax(axis=2)`) and that class's
    probability (`max(axis=2)`) of a (crops, steps, classes) array, nothing
    else. Only those two are kept (the 18,710 probabilities of a step are
    read once, crop by crop, in OpenVINO's own buffer); `np.asarray` makes
    the full array, zeros but for those, for any other reader."""

    def __init__(self, index: np.ndarray, prob: np.ndarray, classes: int):
        self.index, self.prob, self.shape = index, prob, (*index.shape, classes)

    def __len__(self) -> int:
        return self.shape[0]

    def argmax(self, axis: int) -> np.ndarray:
        if axis not in (2, -1):
            raise ValueError("only the classes' axis is kept")
        return self.index

    def max(self, axis: int) -> np.ndarray:
        if axis not in (2, -1):
            raise ValueError("only the classes' axis is kept")
        return self.prob

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.float32)
        np.put_along_axis(out, self.index[..., None], self.prob[..., None], axis=2)
        return out if dtype is None else out.astype(dtype)


def bound(ocr, threads: int, paths: dict) -> None:
    """Replace rapidocr engine `ocr`'s OpenVINO detection and recognition
    sessions by the process's bounded ones (made on first use), and its
    detection preprocessing by `_DetResize` (normalisation in the graph)."""
    with _sessions_read_not_compiled():  # rapidocr loads its models on first use: load them now, to replace them
        ocr._load_det_model()
        ocr._load_rec_model()  # (its session gives the recogniser its character list from the read model)
    resize = _DetResize(ocr.text_det)
    ocr.text_det.get_preprocess = lambda: resize  # rapidocr makes one a page, with limits that never change
    if ("det", threads) not in _SHARED:
        _SHARED[("det", threads)] = _StaticDet(str(paths["det"]), threads, resize.levels())
    if ("rec", threads) not in _SHARED:
        _SHARED[("rec", threads)] = _Rec(str(paths["rec"]), threads)
    ocr.text_det.session, ocr.text_rec.session = _SHARED[("det", threads)], _SHARED[("rec", threads)]


@contextmanager
def _sessions_read_not_compiled() -> Iterator[None]:
    """While `bound` has rapidocr load its detector and recogniser, their
    OpenVINO sessions only read the model file: rapidocr would compile each
    (~0.19 s a model, at every worker's start) for sessions that `bound`
    replaces at once. The recogniser reads its character list from the
    model read."""
    from rapidocr.inference_engine import openvino as engines

    compiling = engines.OpenVINOInferSession

    class ReadOnly(compiling):  # type: ignore[misc, valid-type]
        def __init__(self, cfg) -> None:  # no super().__init__: it compiles
            import openvino

            self.model = openvino.Core().read_model(str(cfg.get("model_path")))

        def __call__(self, input_content: np.ndarray) -> np.ndarray:
            raise RuntimeError("a read-only session left in place of a bounded one")

    setattr(engines, "OpenVINOInferSession", ReadOnly)
    try:
        yield
    finally:
        setattr(engines, "OpenVINOInferSession", compiling)
