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
  crop at a time, on a model compiled with CPU_RUNTIME_CACHE_CAPACITY=0:
  over 64 widths it settled at +150 MB where the default grew by 7 MB a
  width;
- both hand their buffers back after each call (`release_memory`), and the
  two rapidocr engines of a process that detect at different sizes
  ("capped" and "full") share them.

Nothing here changes ONNX Runtime's sessions (its memory does not grow).
"""

from __future__ import annotations

import math

import numpy as np

DET_STEP = 160  # detection sides: multiples of this (rapidocr's own are multiples of 32)
DET_KEEP = 2  # detection sizes kept compiled at once
SHAPES_TAG = f"det{DET_STEP}|rec1-nocache"  # for the OCR cache's key

_SHARED: dict[tuple[str, int], object] = {}  # (task, threads) -> session


def det_side(side: int) -> int:
    """A detection side rounded up to its padded size."""
    return math.ceil(side / DET_STEP) * DET_STEP


def _core(threads: int):
    import openvino

    core = openvino.Core()
    core.set_property("CPU", {"CPU_RUNTIME_CACHE_CAPACITY": "0",
                              **({"INFERENCE_NUM_THREADS": str(threads)} if threads > 0 else {})})
    return core


class _StaticDet:
    """rapidocr's detection model compiled for each padded page size it
    meets, as a static shape (OpenVINO then plans buffer reuse: ~105 MB at
    1600 x 1120 px instead of ~320 MB for the dynamic model), at most
    DET_KEEP sizes kept, buffers handed back after each page."""

    def __init__(self, path: str, threads: int):
        self.core = _core(threads)
        self.model = self.core.read_model(path)
        self.compiled: dict[tuple[int, ...], tuple] = {}

    def __call__(self, page: np.ndarray) -> np.ndarray:
        h, w = page.shape[2:]
        shape = (*page.shape[:2], det_side(h), det_side(w))
        if shape not in self.compiled:
            if len(self.compiled) >= DET_KEEP:
                self.compiled.pop(next(iter(self.compiled)))  # the least recently used size
            self.model.reshape(list(shape))
            model = self.core.compile_model(self.model, "CPU")
            self.compiled[shape] = (model, model.create_infer_request())
        model, request = self.compiled[shape] = self.compiled.pop(shape)  # now the most recent
        request.infer([np.pad(page, ((0, 0), (0, 0), (0, shape[2] - h), (0, shape[3] - w)), mode="edge")])
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
        (crops, steps, classes) array it gets back; the rest stays untouched
        zeros (pages the system never hands out), where 18,710 classes x 4
        bytes a step cost ~75 MB for six 1280 px crops."""
        best = []
        for i in range(len(crops)):
            self.request.infer([crops[i : i + 1]])
            pred = self.request.get_output_tensor().data
            best.append((pred.argmax(axis=2), pred.max(axis=2)))
        self.model.release_memory()  # after the last read of `pred`: it is OpenVINO's memory
        index, prob = (np.concatenate(parts) for parts in zip(*best))
        out = np.zeros((*index.shape, pred.shape[2]), dtype=np.float32)
        np.put_along_axis(out, index[..., None], prob[..., None], axis=2)
        return out

def bound(ocr, threads: int, paths: dict) -> None:
    """Replace rapidocr engine `ocr`'s OpenVINO detection and recognition
    sessions by the process's bounded ones (made on first use)."""
    ocr._load_det_model()  # rapidocr loads its models on first use: load them now, to replace them
    ocr._load_rec_model()  # (its own session has already given the recogniser its character list)
    ocr.text_det.session = _SHARED.get(("det", threads)) or _SHARED.setdefault(("det", threads), _StaticDet(str(paths["det"]), threads))
    ocr.text_rec.session = _SHARED.get(("rec", threads)) or _SHARED.setdefault(("rec", threads), _Rec(str(paths["rec"]), threads))
