"""Bounded memory for OCR on the OpenVINO runtime.

OpenVINO's CPU plugin keeps, for every input shape a model has met, compiled
kernels and executor state in its runtime cache (CPU_RUNTIME_CACHE_CAPACITY,
5,000 entries by default), and keeps each model's intermediate buffers at the
largest size met. rapidocr hands it whatever shapes a page gives: detection
any multiple of 32 up to the detection size, recognition up to six crops at
any width from 320 px. Measured with rapidocr 3.10's recogniser, one thread:
+7 MB for every new line width, never given back (a worker passed 1.8 GB
after 30 files). So the OpenVINO sessions rapidocr made for detection and
recognition are replaced by these, on the same model files:

- detection: the page tensor padded (edge pixels repeated) to the next
  multiple of DET_STEP on both sides, on a model compiled for that static
  shape (OpenVINO then plans buffer reuse: ~105 MB at 1600 x 1120 px where
  the dynamic model takes ~320 MB), at most DET_KEEP sizes kept compiled;
  the probability map is cut back to the page's own size. Padding does not
  change the text read;
- recognition: each crop of rapidocr's batches at the batch's width, as
  rapidocr pads it (padding to a few fixed widths instead changed
  full-width punctuation into half-width, ~0.7 % of the characters), one
  crop at a time, on a model compiled with CPU_RUNTIME_CACHE_CAPACITY=0;
  the probabilities rapidocr's CTC decoding reads (each step's best class)
  are handed back in an array whose other entries are pages the system
  never hands out (numpy would ask for huge pages and zero 75 MB a batch);
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
- both hand their buffers back after each call (`release_memory`), and the
  two rapidocr engines of a process that detect at different sizes
  ("capped" and "full") share them.

Nothing here changes ONNX Runtime's sessions (its memory does not grow).
"""

from __future__ import annotations

import math
import mmap
import os

import numpy as np

DET_STEP = 160  # detection sides: multiples of this (rapidocr's own are multiples of 32)
DET_KEEP = 1  # detection sizes kept compiled at once
KERNEL_CACHE = 64  # oneDNN kernels kept (its default: 1,024)
SHAPES_TAG = f"det{DET_STEP}|rec1-nocache"  # for the OCR cache's key (what changes the text read)

_SHARED: dict[tuple[str, int], object] = {}  # (task, threads) -> session


def det_side(side: int) -> int:
    """A detection side rounded up to its padded size."""
    return math.ceil(side / DET_STEP) * DET_STEP


def prepare() -> None:
    """Bound oneDNN's kernel cache; called before the process's first
    OpenVINO model is compiled (oneDNN reads the variable then)."""
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(KERNEL_CACHE))


def _core(threads: int):
    prepare()
    import openvino

    core = openvino.Core()
    core.set_property("CPU", {"CPU_RUNTIME_CACHE_CAPACITY": "0", "ENABLE_CPU_PINNING": "NO",
                              **({"INFERENCE_NUM_THREADS": str(threads)} if threads > 0 else {})})
    return core


class _StaticDet:
    """rapidocr's detection model compiled for each padded page size it
    meets, as a static shape (OpenVINO then plans buffer reuse: ~105 MB at
    1600 x 1120 px instead of ~320 MB for the dynamic model), at most
    DET_KEEP sizes kept, buffers handed back after each page."""

    def __init__(self, path: str, threads: int):
        self.core, self.path = _core(threads), path
        self.compiled: dict[tuple[int, ...], tuple] = {}

    def __call__(self, page: np.ndarray) -> np.ndarray:
        h, w = page.shape[2:]
        shape = (*page.shape[:2], det_side(h), det_side(w))
        if shape not in self.compiled:
            if len(self.compiled) >= DET_KEEP:
                self.compiled.pop(next(iter(self.compiled)))  # the least recently used size
            graph = self.core.read_model(self.path)
            graph.reshape(list(shape))
            model = self.core.compile_model(graph, "CPU")
            self.compiled[shape] = (model, model.create_infer_request())
        model, request = self.compiled[shape] = self.compiled.pop(shape)  # now the most recent
        tensor = request.get_input_tensor().data
        tensor[..., :h, :w] = page
        tensor[..., h:, :w] = page[..., h - 1 :, :]
        tensor[..., w:] = tensor[..., w - 1 : w]
        request.infer()
        out = np.array(request.get_output_tensor().data[..., :h, :w])  # a copy: the tensor is OpenVINO's
        model.release_memory()  # OpenVINO >= 2024.3
        return out


class _Rec:
    """rapidocr's recognition model compiled without OpenVINO's per-shape
    cache, its buffers handed back after each batch."""

    def __init__(self, path: str, threads: int):
        core = _core(threads)
        self.model = core.compile_model(core.read_model(path), "CPU")
        self.request = self.model.create_infer_request()

    def __call__(self, crops: np.ndarray) -> np.ndarray:
        """The batch's class probabilities, read one crop at a time (the
        buffers of one crop, not six; as fast on one thread), as rapidocr's
        CTC decoding reads them: it only takes each time step's most likely
        class and its probability, so only those are written into the
        (crops, steps, classes) array it gets back."""
        best = []
        for i in range(len(crops)):
            self.request.infer([crops[i : i + 1]])
            pred = self.request.get_output_tensor().data
            best.append((pred.argmax(axis=2), pred.max(axis=2)))
        classes = pred.shape[2]
        self.model.release_memory()  # after the last read of `pred`: it is OpenVINO's memory
        index, prob = (np.concatenate(parts) for parts in zip(*best))
        out = _untouched_zeros((*index.shape, classes))
        out.reshape(-1, classes)[np.arange(index.size), index.ravel()] = prob.ravel()
        return out


def _untouched_zeros(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array of zeros in a fresh anonymous mapping: only the pages
    written become memory of ours (numpy's own zeros would ask for 2 MB pages,
    zeroed whole at the first write: ~75 MB a batch, 0.18 s a page of text;
    one mapping kept from batch to batch measured worse, +75 MB)."""
    size = int(np.prod(shape)) * 4
    return np.frombuffer(mmap.mmap(-1, max(size, 4)), dtype=np.float32, count=size // 4).reshape(shape)


def bound(ocr, threads: int, paths: dict) -> None:
    """Replace rapidocr engine `ocr`'s OpenVINO detection and recognition
    sessions by the process's bounded ones (made on first use)."""
    ocr._load_det_model()  # rapidocr loads its models on first use: load them now, to replace them
    ocr._load_rec_model()  # (its own session has already given the recogniser its character list)
    for part, task, session in ((ocr.text_det, "det", _StaticDet), (ocr.text_rec, "rec", _Rec)):
        if (task, threads) not in _SHARED:
            _SHARED[(task, threads)] = session(str(paths[task]), threads)
        part.session = _SHARED[(task, threads)]
