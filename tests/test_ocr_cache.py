"""The developer's OCR cache: off by default, answers a page read the same way
from its file, and never answers a different page or setting."""

import numpy as np

from pipeline.extract.read import ocr_cache


def _reader(calls):
    def read(img):
        calls.append(img.shape)
        return [np.array([[0, 0], [4, 0], [4, 2], [0, 2]], dtype=np.float32)], ["甲方"], [0.9]
    return read


def test_cache_off_reads_every_time(monkeypatch, tmp_path):
    monkeypatch.delenv(ocr_cache.CACHE_ENV, raising=False)
    calls = []
    page = np.zeros((8, 8), dtype=np.uint8)
    ocr_cache.cached(page, "a", _reader(calls))
    ocr_cache.cached(page, "a", _reader(calls))
    assert len(calls) == 2
    assert not list(tmp_path.iterdir())


def test_same_page_same_settings_comes_from_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv(ocr_cache.CACHE_ENV, str(tmp_path / "cache"))
    calls = []
    page = np.zeros((8, 8), dtype=np.uint8)
    first = ocr_cache.cached(page, "onnxruntime|capped", _reader(calls))
    second = ocr_cache.cached(page, "onnxruntime|capped", _reader(calls))
    assert len(calls) == 1
    assert second[1:] == first[1:] == (["甲方"], [0.9])
    assert np.array_equal(second[0][0], first[0][0])
    ocr_cache.cached(page, "openvino|capped", _reader(calls))  # another runtime
    other = page.copy()
    other[0, 0] = 1
    ocr_cache.cached(other, "onnxruntime|capped", _reader(calls))  # another page
    assert len(calls) == 3


def test_a_damaged_file_is_read_again(monkeypatch, tmp_path):
    monkeypatch.setenv(ocr_cache.CACHE_ENV, str(tmp_path))
    calls = []
    page = np.ones((4, 6), dtype=np.uint8)
    ocr_cache.cached(page, "s", _reader(calls))
    (kept,) = tmp_path.glob("*.json")
    kept.write_text("{not json", encoding="utf-8")
    assert ocr_cache.cached(page, "s", _reader(calls))[1] == ["甲方"]
    assert len(calls) == 2
