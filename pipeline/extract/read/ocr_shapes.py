"""Bounded memory for OCR on the OpenVINO runtime: few input shapes, shared
models, buffers handed back after each page.

OpenVINO's CPU plugin keeps, for every input shape a model has met, compiled
kernels and executor state (CPU_RUNTIME_CACHE_CAPACITY=0 does not stop it),
and keeps each model's intermediate buffers at the largest size met.
Measured with rapidocr 3.10's recogniser, one thread: +25-60 MB for every
new line width, never given back (a worker passed 1.8 GB after 30 files).
rapidocr hands the runtime whatever shapes a page gives: detection any
multiple of 32 up to the detection size, recognition six crops at a time at
any width from 320 px. Here each OpenVINO session rapidocr made is wrapped so
that it only ever sees a small fixed set of shapes:

- detection: the page tensor padded (edge pixels repeated) to the next
  multiple of DET_STEP on both sides; the probability map is cut back to the
  page's own size. Its buffers (~200 MB at 1600 px) are released after each
  page, so recognition does not sit on top of them;
- recognition: always REC_BATCH crops (missing ones blank) and a width from
  REC_WIDTHS (then multiples of the last step), padded with zeros exactly as
  rapidocr pads the shorter crops of a batch; each crop's result is cut back
  to the time steps of the width rapidocr asked for;
- the two rapidocr engines of a process that detect at different sizes
  ("capped" and "full") share one detection and one recognition model.

Nothing here changes ONNX Runtime's sessions (its memory does not grow).
"""

from __future__ import annotations

import math

import numpy as np

DET_STEP = 160  # detection sides: multiples of this (rapidocr's own are multiples of 32)
DET_KEEP = 2  # detection sizes kept compiled at once
REC_WIDTHS = (320, 480, 640, 800, 960, 1280, 1600, 1920, 2560)  # then multiples of REC_WIDTHS[-1] - REC_WIDTHS[-2]
SHAPES_TAG = f"det{DET_STEP}|rec1x{'-'.join(map(str, REC_WIDTHS))}"  # for the OCR cache's key

_SHARED: dict[tuple[str, int], object] = {}  # (task, threads) -> wrapped session


def rec_width(width: int) -> int:
    """The recognition width bucket for a batch rapidocr made `width` px wide."""
    for bucket in REC_WIDTHS:
        if width <= bucket:
            return bucket
    step = REC_WIDTHS[-1] - REC_WIDTHS[-2]
    return REC_WIDTHS[-1] + math.ceil((width - REC_WIDTHS[-1]) / step) * step


def det_side(side: int) -> int:
    return math.ceil(side / DET_STEP) * DET_STEP


class _StaticDet:
    """rapidocr's detection model compiled for each padded page size it
    meets, as a static shape (OpenVINO then plans buffer reuse: ~105 MB at
    1600 x 1120 px instead of ~320 MB for the dynamic model), at most
    DET_KEEP sizes kept, buffers handed back after each page."""

    def __init__(self, path: str, threads: int):
        import openvino

        self.core = openvino.Core()
        if threads > 0:
            self.core.set_property("CPU", {"INFERENCE_NUM_THREADS": str(threads)})
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


class _OneCropRec:
    """rapidocr's OpenVINO recognition session, fed one crop at a time at a
    width from REC_WIDTHS."""

    def __init__(self, session):
        self.session = session

    def __getattr__(self, name: str):  # have_key, get_character_list, ...: the session's own
        return getattr(self.session, name)

    def __call__(self, crops: np.ndarray) -> np.ndarray:
        """rapidocr's batch (crops padded with zeros to the widest), read one
        crop at a time at its own width's bucket. rapidocr's CTC decoding
        reads only the most likely class of each time step and its
        probability, so only those are written into the (crops, steps,
        classes) array it gets back: the rest stays untouched zeros (pages
        the system never hands out), where 18,710 classes x 4 bytes a step
        would cost ~75 MB for six 1280 px crops. A crop's steps past its own
        width stay zero, which the decoding reads as blank."""
        best = []
        for crop in crops:
            used = np.flatnonzero(np.any(crop != 0, axis=(0, 1)))
            width = int(used[-1]) + 1 if used.size else 1
            bucket = rec_width(width)
            one = np.zeros((1, *crop.shape[:2], bucket), dtype=np.float32)
            one[0, :, :, :width] = crop[:, :, :width]
            pred = self.session(one)[0]
            pred = pred[: math.ceil(pred.shape[0] * width / bucket)]
            best.append((pred.argmax(axis=1), pred.max(axis=1), pred.shape[1]))
        try:
            self.session.session.get_compiled_model().release_memory()  # rapidocr's InferRequest
        except AttributeError:
            pass
        out = np.zeros((len(best), max(len(b[0]) for b in best), best[0][2]), dtype=np.float32)
        for i, (index, prob, _) in enumerate(best):
            out[i, np.arange(len(index)), index] = prob
        return out

def bound(ocr, threads: int, det_path: str) -> None:
    """Put rapidocr engine `ocr`'s OpenVINO detection and recognition behind
    fixed shapes, sharing the models of the process's other engines."""
    ocr._load_det_model()  # rapidocr loads its models on first use: load them now, to replace them
    ocr._load_rec_model()
    if not isinstance(ocr.text_det.session, _StaticDet):
        ocr.text_det.session = _SHARED.setdefault(("det", threads), _StaticDet(det_path, threads))
    if not isinstance(ocr.text_rec.session, _OneCropRec):
        ocr.text_rec.session = _SHARED.setdefault(("rec", threads), _OneCropRec(ocr.text_rec.session))
