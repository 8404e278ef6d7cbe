"""Searchable PDFs of scans: the words OCR read land where they stand on the
original page (turned, skewed, photographed pages), the PDF copies them out
without spaces between Chinese characters, and the archive gets one beside
each scanned original (`process`, `status`, `reprocess`). The samples are
checked in tests/test_samples_ocr.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pytest
from PIL import Image

from pipeline.extract.read import ocr
from pipeline.models import LayerPage, Limits, Word
from pipeline.pdfa import pdfa_problems
from pipeline.searchable import SUFFIX, make_searchable

from .test_cli import run
from .test_ocr import FILING, page_image

pytestmark = [pytest.mark.ocr, pytest.mark.cjk_font]

NEEDLE = "常州宏图电机有限公司"


def _ink_centre(im: Image.Image, needle_box: tuple[int, int, int, int]) -> tuple[float, float]:
    x0, y0, x1, y1 = needle_box
    return (x0 + x1) / 2 / im.width, (y0 + y1) / 2 / im.height


def _word_centre(words: list[Word], text: str) -> tuple[float, float]:
    word = next(w for w in words if text in w.text.replace(" ", ""))
    return float(np.mean(word.quad[0::2])), float(np.mean(word.quad[1::2]))


@pytest.mark.parametrize("turn", [0, 90])
def test_words_are_put_back_on_the_original_page(turn: int) -> None:
    """The client's line is drawn at a known place; the word OCR read is put
    back there on the original image, however the page was turned."""
    upright = page_image(FILING, width=1000)
    # where the first line stands on the upright page: margin 60, font 30
    centre = (60 + 30 * 9) / upright.width, (60 + 15) / upright.height
    im = upright.rotate(turn, expand=True) if turn else upright
    if turn == 90:  # counter-clockwise: the upright (x, y) goes to (y, 1 - x)
        centre = centre[1], 1 - centre[0]
    page = ocr.ocr_image(im, Limits())
    got = _word_centre(page.words, "委托方")
    assert abs(got[0] - centre[0]) < 0.12 and abs(got[1] - centre[1]) < 0.05, (got, centre)


def test_text_layer_copies_chinese_without_spaces(tmp_path: Path) -> None:
    """A photo with a text layer: the client's name comes out as written,
    under the place it is seen, the font embedded; the photo untouched."""
    photo = tmp_path / "合同.jpg"
    page_image(FILING, width=1000).save(photo, quality=90)
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    page = ocr.ocr_image(Image.open(photo), Limits())
    out = make_searchable(photo, [LayerPage(index=0, words=page.words)], tmp_path / ("合同.jpg" + SUFFIX))
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == before
    assert out.stat().st_size <= 1.3 * photo.stat().st_size
    with pdfplumber.open(out) as pdf:
        p = pdf.pages[0]
        text = p.extract_text()
        assert NEEDLE in text
    with pikepdf.open(out) as pdf:  # the photo's own JPEG bytes, not recompressed
        images = list(pdf.pages[0].Resources.XObject.values())
        assert [x.read_raw_bytes() for x in images] == [photo.read_bytes()]
    assert pdfa_problems(out) == []  # a photo's PDF is PDF/A-2b


def test_archive_gets_searchable_pdf_beside_each_scan(tmp_path: Path) -> None:
    """`process` puts the searchable PDF beside the scanned original and
    names it in the record; `status` counts those missing; `reprocess`
    makes them again."""
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    inbox.mkdir()
    scan = inbox / "扫描合同.png"
    page_image(FILING, width=1000).convert("L").save(scan)
    Image.new("L", (800, 1100), 255).save(inbox / "空白页.png")  # a scan with nothing to read: rejected, still kept
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()
    out = run("process", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"), "--state", str(state), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    records = {r["source"]: r for r in map(json.loads, run("records", "--state", str(state), cwd=tmp_path).stdout.splitlines())}
    record, blank = records["扫描合同.png"], records["空白页.png"]
    assert blank["status"] == "rejected" and Path(blank["searchable"]).is_file()
    original, searchable = Path(record["archive"]), Path(record["searchable"])
    assert searchable.parent == original.parent and searchable.name == original.name + SUFFIX
    assert hashlib.sha256(original.read_bytes()).hexdigest() == sha
    with pdfplumber.open(searchable) as pdf:
        assert NEEDLE in pdf.pages[0].extract_text()
    assert "可检索 PDF：缺少 0 个" in run("status", "--state", str(state), "--inbox", str(inbox), cwd=tmp_path).stdout
    searchable.unlink()
    assert "缺少 1 个" in run("status", "--state", str(state), "--inbox", str(inbox), cwd=tmp_path).stdout
    assert run("reprocess", "--state", str(state), "--outbox", str(tmp_path / "outbox"), cwd=tmp_path).returncode == 0
    assert searchable.is_file()
    assert hashlib.sha256(original.read_bytes()).hexdigest() == sha


def _layer_pdf(tmp_path: Path, gray: np.ndarray, words: list[Word]) -> str:
    """The text pdfplumber copies out of a searchable PDF of `gray` with `words`."""
    scan = tmp_path / "scan.png"
    Image.fromarray(gray).save(scan)
    out = make_searchable(scan, [LayerPage(index=0, words=words)], tmp_path / "scan.pdf")
    with pdfplumber.open(out) as pdf:
        return pdf.pages[0].extract_text() or ""


def test_a_value_wrapped_in_its_cell_copies_out_whole(tmp_path: Path) -> None:
    """A ruled row: the label 办公地址 stands at mid-height beside an address
    that wraps onto a second line of its cell. The address copies out whole,
    not cut in two by the label (as line-by-line extraction of the boxes
    would give)."""
    from pipeline.extract.read.ocr_layout import _Box, layout

    gray = np.full((1400, 1000), 255, np.uint8)  # a page, the row at its top
    gray[50:53, 50:950] = gray[247:250, 50:950] = 0      # the row's rules
    gray[50:250, 50:53] = gray[50:250, 947:950] = gray[50:250, 300:303] = 0
    address = "江苏省常州市武进区横林镇工业集中区顺庄路38号602室"
    boxes = [_Box(80, 120, 240, 150, "办公地址", 0.99), _Box(320, 100, 900, 130, address[:-1], 0.99),
             _Box(320, 140, 352, 170, address[-1], 0.99)]
    units: list = []
    blocks = layout(gray, boxes, 1.0, units)
    assert [b.line.cells for b in blocks if b.line] == [["办公地址", address]]
    text = _layer_pdf(tmp_path, gray, ocr._words(units, np.eye(3), gray.shape))
    assert address in text.replace("\n", "")


def test_a_slanted_line_copies_out_as_a_line(tmp_path: Path) -> None:
    """Lines of a photo slanted by 4°: copied out line by line, each as
    written (not as characters set one above the other)."""
    texts = ["甲方（委托方）：常州宏图电机有限公司", "乙方（服务方）：常州安联应急管理咨询有限公司", "服务费用共计2.5万元"]
    slope = np.tan(np.radians(4))
    words = []
    for n, text in enumerate(texts):
        x0, x1, y0 = 0.1, 0.8, 0.2 + 0.1 * n
        rise = (x1 - x0) * slope * 1000 / 600   # fractions of a 1000 × 600 page
        words.append(Word(text=text, quad=(x0, y0, x1, y0 - rise, x1, y0 - rise + 0.04, x0, y0 + 0.04)))
    got = _layer_pdf(tmp_path, np.full((600, 1000), 255, np.uint8), words)
    assert got.splitlines() == texts


def test_photos_of_one_filing_make_one_searchable_pdf(tmp_path: Path) -> None:
    """Two photos read as the pages of one filing: one PDF, a page each, in
    order, each with its own words; the photos untouched."""
    photos = []
    for n in range(2):
        photos.append(tmp_path / f"IMG_{n}.jpg")
        Image.new("RGB", (600, 800), "white").save(photos[-1], quality=90)
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in photos]
    layer = [LayerPage(index=n, words=[Word(text=text, quad=(0.1, 0.1, 0.9, 0.1, 0.9, 0.14, 0.1, 0.14))])
             for n, text in enumerate(["服务合同第一页", "甲方签章第二页"])]
    out = make_searchable(photos, layer)
    assert out == photos[0].with_name(photos[0].name + SUFFIX)
    with pdfplumber.open(out) as pdf:
        assert [p.extract_text() for p in pdf.pages] == ["服务合同第一页", "甲方签章第二页"]
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in photos] == before
