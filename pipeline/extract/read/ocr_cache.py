"""A developer's cache of raw OCR results, off unless PIPELINE_OCR_CACHE names
a folder.

Measuring the extractors over a corpus of scans (`score.py --renderings scan
jpg`) spends nearly all its time in detection and recognition, which do not
change when a label or a rule does. With the cache on, each page's raw result
(quadrilaterals, texts, scores) is kept in a JSON file named by the sha256 of
the exact pixels given to rapidocr, the runtime and the detection settings:
the same page read the same way is answered from the file. A new runtime, new
detection settings or new image preparation give new keys, never a stale
answer. Never used in production: the watcher reads each file once anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

CACHE_ENV = "PIPELINE_OCR_CACHE"
Result = tuple[list[np.ndarray], list[str], list[float]]


def cache_folder() -> Path | None:
    """The cache's folder when the environment asks for one."""
    value = os.environ.get(CACHE_ENV, "").strip()
    return Path(value) if value else None


def page_key(img: np.ndarray, settings: str) -> str:
    """sha256 of the page's pixels, shape and dtype and the reading settings."""
    digest = hashlib.sha256(f"{img.shape}|{img.dtype}|{settings}".encode())
    digest.update(np.ascontiguousarray(img).tobytes())
    return digest.hexdigest()


def cached(img: np.ndarray, settings: str, read: Callable[[np.ndarray], Result]) -> Result:
    """`read(img)`, answered from the cache when it is on and holds the page."""
    folder = cache_folder()
    if folder is None:
        return read(img)
    path = folder / f"{page_key(img, settings)}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        quads = [np.asarray(q, dtype=np.float32) for q in kept["quads"]]
        return quads, [str(t) for t in kept["txts"]], [float(s) for s in kept["scores"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    quads, txts, scores = read(img)
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"quads": [q.tolist() for q in quads], "txts": txts, "scores": scores}, ensure_ascii=False)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_text(body, encoding="utf-8")
    os.replace(partial, path)
    return quads, txts, scores
