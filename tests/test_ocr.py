"""OCR path: small generated scans (Chinese filing text rendered with a CJK
font) through `ocr_image` and the image reader: plain lines, a red seal
stamped over a line, pages turned by 90°/180°, a skewed page, a two-column
signature line, a ruled table, noise, and hostile images. Plus: the models
rapidocr loads are the ones inside the installed wheel, nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from pipeline.errors import LimitExceededError, UnreadableError
from pipeline.extract.read import image as image_reader
from pipeline.extract.read import ocr, ocr_engine, ocr_shapes
from pipeline.models import Document, Limits, Page

from .system import cjk_font

pytestmark = pytest.mark.ocr  # skipped without rapidocr and its models, failed on CI: tests/conftest.py

LIMITS = Limits()

# --------------------------------------------------------------------------- font
_FONT = cjk_font()  # (file, face index) of a simplified-Chinese font: tests/system.py
needs_font = pytest.mark.cjk_font  # skipped without one, failed on CI: tests/conftest.py


def font(size: int = 30):
    path, index = _FONT
    return ImageFont.truetype(path, size, index=index)


# --------------------------------------------------------------------------- helpers
def page_image(lines: list, width: int = 1100, size: int = 30, gap: float = 1.9, margin: int = 60) -> Image.Image:
    """Render lines of text on white; an item may be (x, text) pairs for text
    placed at given x positions on one line."""
    f = font(size)
    # at least 740 px high: rapidocr enlarges smaller images for detection
    # (short side to 736 px), which would only cost time here
    height = max(740, int(2 * margin + len(lines) * size * gap))
    im = Image.new("RGB", (width, height), (250, 250, 247))
    d = ImageDraw.Draw(im)
    y = margin
    for item in lines:
        parts = item if isinstance(item, list) else [(margin, item)]
        for x, text in parts:
            d.text((x, y), text, font=f, fill=(25, 25, 25))
        y += int(size * gap)
    return im


def stamp_seal(im: Image.Image, centre: tuple[int, int], radius: int = 95) -> Image.Image:
    """A red round 公章 (ring, star, red text) printed over the page with
    multiply blending, as ink on paper."""
    layer = Image.new("RGB", im.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (215, 35, 45)
    cx, cy = centre
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=7)
    pts = []
    for k in range(10):
        r = radius * (0.42 if k % 2 == 0 else 0.17)
        a = np.pi / 2 + k * np.pi / 5
        pts.append((cx + r * np.cos(a), cy - r * np.sin(a)))
    d.polygon(pts, fill=red)
    big = font(int(radius * 0.42))
    d.text((cx - radius * 1.05, cy - radius * 0.25), "合同专用章", font=big, fill=red)
    d.text((cx - radius * 0.75, cy - radius * 0.8), "安睿评价", font=big, fill=red)
    return ImageChops.multiply(im, layer)


def squash(text: str) -> str:
    """Whitespace removed, punctuation widths folded (OCR can't tell them apart)."""
    text = re.sub(r"\s+", "", text)
    return text.translate(str.maketrans("（）：；，", "():;,"))


def doc_of(*pages: Page) -> Document:
    return Document(pages=list(pages), reader="test")


def find_line(page: Page, needle: str):
    for block in page.blocks:
        if block.line is not None and squash(needle) in squash(block.line.text):
            return block.line
    return None


FILING = [
    "委托方（甲方）：常州宏图电机有限公司",
    "受托方（乙方）：常州市安睿安全评价有限公司",
    "签订日期：2021年5月12日",
]


# --------------------------------------------------------------------------- models stay local
RUNTIMES = [pytest.param(r, marks=pytest.mark.skipif(r == "openvino" and not ocr_engine.openvino_loads(),
                                                     reason="OpenVINO is not installed on this platform"))
            for r in ocr_engine.RUNTIMES]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_models_are_the_ones_shipped_in_the_wheel(monkeypatch, runtime):
    import rapidocr
    from rapidocr.utils import download_file

    package = Path(rapidocr.__file__).resolve().parent
    files = ocr.model_files()
    assert set(files) == {"det", "cls", "rec"}
    shipped = {str(p) for p in importlib.metadata.files("rapidocr") or []}
    for path in files.values():
        assert path.is_file(), path
        assert path.resolve().is_relative_to(package / "models")
        assert "site-packages" in path.resolve().parts or "dist-packages" in path.resolve().parts
        # listed in the wheel's RECORD: installed by pip, not fetched later
        assert f"rapidocr/models/{path.name}" in shipped

    # a fresh engine must not try the network: any download attempt fails the test
    def no_download(*args, **kwargs):
        raise AssertionError("rapidocr tried to download a model")

    monkeypatch.setattr(download_file.DownloadFile, "run", classmethod(no_download))
    import socket

    monkeypatch.setattr(socket.socket, "connect", lambda *a, **k: (_ for _ in ()).throw(AssertionError("network")))
    read: list[Path] = []
    if runtime == "openvino":  # the paths OpenVINO is asked to read
        import openvino

        original = openvino.Core.read_model
        monkeypatch.setattr(openvino.Core, "read_model",
                            lambda core, model, *a, **k: read.append(Path(model)) or original(core, model, *a, **k))
    engine = ocr._make_engine(1, "capped", runtime)
    blank = np.full((64, 200, 3), 255, np.uint8)
    engine(blank)  # loads the detector
    engine(blank, use_det=False, use_cls=True, use_rec=True)  # loads classifier and recogniser
    parts = [engine.text_det, engine.text_cls, engine.text_rec]
    if runtime == "onnxruntime":
        read = [Path(part.session.session._model_path) for part in parts]
    else:  # detection and recognition on bounded sessions (ocr_shapes), the classifier as rapidocr made it
        assert [type(part.session).__name__ for part in parts] == ["_StaticDet", "OpenVINOInferSession", "_Rec"]
    assert {p.resolve() for p in read} == {p.resolve() for p in files.values()}
    for model_path in read:
        assert model_path.resolve().is_relative_to(package / "models"), model_path
    # the bundled files are the exact ones (by SHA-256) rapidocr's model table names
    table = (package / "default_models.yaml").read_text(encoding="utf-8")
    sums = set(re.findall(r"SHA256:\s*([0-9a-f]{64})", table))
    for path in files.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() in sums


def test_engine_is_created_lazily_once():
    import subprocess
    import sys

    code = ("import sys, pipeline.extract.read.ocr as m; "
            "assert not m._ENGINES, 'engine made at import'; "
            "assert 'rapidocr' not in sys.modules, 'rapidocr imported at import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
    assert ocr.engine() is ocr.engine()


# --------------------------------------------------------------------------- reading
@needs_font
def test_both_runtimes_read_the_same_page(monkeypatch):
    """PIPELINE_OCR_ENGINE picks the runtime (OpenVINO by default where it
    loads, ONNX Runtime when asked for); either one reads a filing to the
    same text, OpenVINO through the fixed shapes that bound its memory."""
    monkeypatch.setenv("PIPELINE_OCR_ENGINE", "onnxruntime")
    assert ocr_engine.runtime_name() == "onnxruntime"
    assert "ONNX Runtime（按 PIPELINE_OCR_ENGINE 设置" in ocr_engine.runtime_description()
    slow = squash(doc_of(ocr.ocr_image(page_image(FILING), LIMITS)).text())
    monkeypatch.delenv("PIPELINE_OCR_ENGINE")
    if not ocr_engine.openvino_loads():
        assert ocr_engine.runtime_name() == "onnxruntime"
        pytest.skip("OpenVINO is not installed on this platform")
    assert ocr_engine.runtime_name() == "openvino"
    assert ocr_engine.runtime_description().startswith("OpenVINO（默认")
    fast = squash(doc_of(ocr.ocr_image(page_image(FILING), LIMITS)).text())
    assert fast == slow and "常州市安睿安全评价有限公司" in fast
    made = [e for (runtime, _, job), e in ocr._ENGINES.items() if runtime == "openvino" and job != "cls"]
    # memory stays bounded: detection on pages padded to multiples of DET_STEP, at most DET_KEEP sizes
    # compiled; recognition without OpenVINO's per-shape cache
    assert made and {type(e.text_det.session).__name__ for e in made} == {"_StaticDet"}
    det = made[0].text_det.session
    assert 0 < len(det.compiled) <= ocr_shapes.DET_KEEP
    assert all(side % ocr_shapes.DET_STEP == 0 for shape in det.compiled for side in shape[2:])
    assert {type(e.text_rec.session).__name__ for e in made} == {"_Rec"}
    # the page goes to detection as bytes, normalised through rapidocr's own table
    assert {type(e.text_det.get_preprocess()).__name__ for e in made} == {"_DetResize"}


def test_detection_sizes_are_few():
    """Detection sides round up to multiples of DET_STEP."""
    assert [ocr_shapes.det_side(s) for s in (32, 160, 1120, 1152, 1600)] == [160, 160, 1120, 1280, 1600]


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not ocr_engine.openvino_loads(), reason="OpenVINO has no wheel for this platform")
def test_detection_writes_the_padded_page_into_the_model():
    """The resized page (bytes) goes into a model compiled for its padded
    size, normalised as rapidocr's numpy would, edges repeated; the map
    comes back at the page's own size; one size is kept compiled at a time."""
    from rapidocr import RapidOCR

    params = {"Global.log_level": "critical", **ocr_engine.runtime_params("openvino", 1)}
    rapid = RapidOCR(params=params)
    rapid._load_det_model()
    resize = ocr_shapes._DetResize(rapid.text_det)
    det = ocr_shapes._StaticDet(str(ocr_engine.model_files()["det"]), 1, resize.levels())
    # OpenVINO pins a one-thread inference to the first core by default: two workers then shared one core
    assert det.core.get_property("CPU", "ENABLE_CPU_PINNING") is False
    assert ocr_engine.runtime_params("openvino", 1)["EngineConfig.openvino.enable_cpu_pinning"] is False
    rng = np.random.default_rng(0)
    page = rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    ours = resize(page)
    assert ours is not None and ours.dtype == np.uint8
    theirs = type(rapid.text_det).get_preprocess(rapid.text_det)(page)  # rapidocr's own: float32, NCHW
    out = det(ours)
    assert out.shape == (1, 1, *theirs.shape[2:])
    ((_, request),) = det.compiled.values()
    h, w = theirs.shape[2:]
    assert tuple(request.get_input_tensor().data.shape) == (1, 3, ocr_shapes.det_side(h), ocr_shapes.det_side(w))
    padded = np.pad(theirs, ((0, 0), (0, 0), (0, ocr_shapes.det_side(h) - h), (0, ocr_shapes.det_side(w) - w)), mode="edge")
    assert np.array_equal(request.get_input_tensor().data, padded)  # the same numbers rapidocr gives
    request.infer([padded])
    assert np.array_equal(out, request.get_output_tensor().data[..., :h, :w])
    det(rng.integers(0, 256, (1, 500, 200, 3), dtype=np.uint8))  # a page of another size: compiled anew
    assert list(det.compiled) == [(1, 3, 640, 320)]  # and the first size let go (DET_KEEP = 1)


@pytest.mark.skipif(not ocr_engine.openvino_loads(), reason="OpenVINO has no wheel for this platform")
def test_recognition_keeps_each_steps_best_class_and_bounded_memory():
    """Each crop of a batch read alone, each step's best class and its
    probability handed back as the plain model gives them, read the way
    rapidocr's decoding reads them; and a worker reading lines of ever new
    widths does not keep growing (OpenVINO's and oneDNN's per-shape caches
    left at their defaults grew ~7 MB a width)."""
    path = str(ocr_engine.model_files()["rec"])
    rec = ocr_shapes._Rec(path, 1)
    assert os.environ.get("ONEDNN_PRIMITIVE_CACHE_CAPACITY")  # set before the first model was compiled
    rng = np.random.default_rng(1)
    crops = rng.random((3, 3, 48, 400), dtype=np.float32)
    out = rec(crops)
    core = ocr_shapes._core(1, shapes_kept=1)  # as ours (the runtime cache's size changes bf16 kernels' rounding)
    request = core.compile_model(core.read_model(path), "CPU").create_infer_request()
    full = np.asarray(out)
    assert len(out) == 3 and full.shape == out.shape == (3, 400 // 8, 18710)  # a step every 8 px
    for i in range(3):
        request.infer([crops[i : i + 1]])
        plain = request.get_output_tensor().data[0]
        assert np.array_equal(out.argmax(axis=2)[i], plain.argmax(axis=1))
        assert np.array_equal(out.max(axis=2)[i], plain.max(axis=1))
        assert np.array_equal(full[i].argmax(axis=1), plain.argmax(axis=1))
    widths = [320 + 24 * i for i in range(50)]
    rng.shuffle(widths)
    for w in widths[:10]:
        rec(rng.random((2, 3, 48, w), dtype=np.float32))
    before = _resident_mb()
    for w in widths[10:]:
        rec(rng.random((2, 3, 48, w), dtype=np.float32))
    assert _resident_mb() - before < 80, f"grew {_resident_mb() - before:.0f} MB over 40 new line widths"


@needs_font
def test_plain_lines_in_reading_order():
    page = ocr.ocr_image(page_image(FILING), LIMITS)
    assert page.ocr
    text = squash(doc_of(page).text())
    for expected in ["委托方(甲方):常州宏图电机有限公司", "常州市安睿安全评价有限公司", "签订日期:2021年5月12日"]:
        assert expected in text, text
    assert text.index("宏图") < text.index("安睿") < text.index("2021")
    line = find_line(page, "2021年5月12日")
    assert line is not None and line.conf is not None and 0.5 <= line.conf <= 1.0


@needs_font
def test_red_seal_over_text_is_suppressed():
    im = page_image(FILING)
    im = stamp_seal(im, centre=(560, 150), radius=100)
    page = ocr.ocr_image(im, LIMITS)
    text = squash(doc_of(page).text())
    assert "常州市安睿安全评价有限公司" in text, text
    assert "常州宏图电机有限公司" in text, text
    assert "合同专用章" not in text  # the seal's own text is gone
    # the same image without seal suppression loses text under the seal
    plain = squash(doc_of(ocr.ocr_image(im, LIMITS, suppress_seals=False)).text())
    names = ["常州宏图电机有限公司", "常州市安睿安全评价有限公司"]
    assert sum(n in plain for n in names) < sum(n in text for n in names) == 2, plain


@needs_font
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_pages_are_read_upright(turn):
    im = page_image(FILING).rotate(turn, expand=True, fillcolor=(250, 250, 247))
    page = ocr.ocr_image(im, LIMITS)
    text = squash(doc_of(page).text())
    assert "常州宏图电机有限公司" in text, text
    assert "2021年5月12日" in text, text
    assert text.index("宏图") < text.index("2021")  # reading order restored


@needs_font
def test_skewed_page_keeps_its_lines_apart():
    im = page_image(FILING + ["联系电话：0519-86312345"], width=1200).rotate(
        2.5, expand=True, resample=Image.BICUBIC, fillcolor=(250, 250, 247))
    page = ocr.ocr_image(im, LIMITS)
    lines = [squash(b.line.text) for b in page.blocks if b.line]
    assert any("委托方(甲方):常州宏图电机有限公司" in t for t in lines), lines
    assert any("签订日期:2021年5月12日" in t for t in lines), lines
    assert any("0519-86312345" in t for t in lines), lines
    assert not any("宏图" in t and "安睿" in t for t in lines)  # two lines never merged


@needs_font
def test_photo_on_dark_desk_with_uneven_light():
    sheet = page_image(FILING, width=1000)
    desk = Image.new("RGB", (1300, 1100), (70, 50, 35))
    # the sheet a little turned, as in a hand-held photo
    sheet = sheet.rotate(-3, expand=True, resample=Image.BICUBIC, fillcolor=(70, 50, 35))
    desk.paste(sheet, (140, 150))
    # light falling off towards one corner
    ramp = np.linspace(1.0, 0.55, desk.width)[None, :, None] * np.linspace(1.0, 0.8, desk.height)[:, None, None]
    photo = Image.fromarray((np.asarray(desk, dtype=np.float32) * ramp).astype(np.uint8))
    page = ocr.ocr_image(photo, LIMITS)
    lines = [squash(b.line.text) for b in page.blocks if b.line]
    assert any("委托方(甲方):常州宏图电机有限公司" in t for t in lines), lines
    assert any("签订日期:2021年5月12日" in t for t in lines), lines


@needs_font
def test_two_column_line_splits_into_cells():
    im = page_image([[(60, "联系人：冯秋生"), (640, "联系人：曾文彬")],
                     [(60, "联系电话：13182041613"), (640, "联系电话：0519-81840110")]], width=1150)
    page = ocr.ocr_image(im, LIMITS)
    line = find_line(page, "冯秋生")
    assert line is not None
    assert [squash(c) for c in line.cells] == ["联系人:冯秋生", "联系人:曾文彬"]
    assert squash(line.text) == "联系人:冯秋生联系人:曾文彬"
    assert " " in line.text
    phones = find_line(page, "13182041613")
    assert phones is not None and len(phones.cells) == 2


@needs_font
def test_ruled_table_becomes_a_table_like_the_other_readers():
    f = font(28)
    im = Image.new("RGB", (1100, 740), (250, 250, 247))
    d = ImageDraw.Draw(im)
    x0, x1, x2, y = 60, 330, 1040, [40, 110, 230, 300, 370]
    for yy in y:
        d.line((x0, yy, x2, yy), fill=(40, 40, 40), width=2)
    for xx in (x0, x1, x2):
        d.line((xx, y[0], xx, y[-1]), fill=(40, 40, 40), width=2)
    d.text((x0 + 20, 58), "机构名称", font=f, fill=(20, 20, 20))
    d.text((x1 + 20, 58), "常州科安安全科技有限公司", font=f, fill=(20, 20, 20))
    d.text((x0 + 20, 150), "注册地址", font=f, fill=(20, 20, 20))
    d.text((x1 + 20, 125), "江苏省常州市天宁区中吴大道281号1919室（", font=f, fill=(20, 20, 20))
    d.text((x1 + 20, 175), "青洋北路口）", font=f, fill=(20, 20, 20))
    d.text((x0 + 20, 248), "从业人数", font=f, fill=(20, 20, 20))
    d.text((x1 + 20, 248), "15人", font=f, fill=(20, 20, 20))
    d.text((x0 + 20, 318), "法定代表人", font=f, fill=(20, 20, 20))
    d.text((x1 + 20, 318), "冯华", font=f, fill=(20, 20, 20))
    page = ocr.ocr_image(im, LIMITS)
    tables = [b.table for b in page.blocks if b.table]
    assert len(tables) == 1 and not any(b.line for b in page.blocks), page.blocks
    table = tables[0]
    rows = [[squash(c or "") for c in row] for row in table.flat_rows()]
    assert rows == [["机构名称", "常州科安安全科技有限公司"],
                    ["注册地址", "江苏省常州市天宁区中吴大道281号1919室(青洋北路口)"],
                    ["从业人数", "15人"], ["法定代表人", "冯华"]], rows
    # each cell's box in points and its confidence, as the evidence needs them
    assert table.boxes and all(box is not None for row in table.boxes for box in row)
    assert table.confs and all(0.5 < (c or 0) <= 1 for row in table.confs for c in row)


@needs_font
def test_image_reader_multipage_tiff_and_exif_photo(tmp_path):
    first = page_image(FILING[:1])
    second = page_image([FILING[2]])
    tif = tmp_path / "scan.tif"
    first.save(tif, save_all=True, append_images=[second], compression="tiff_deflate")
    doc = image_reader.read(tif, LIMITS)
    assert doc.reader == "image" and len(doc.pages) == 2 and doc.ocr
    assert "常州宏图电机有限公司" in squash(doc.pages[0].blocks and doc_of(doc.pages[0]).text())
    assert "2021年5月12日" in squash(doc_of(doc.pages[1]).text())

    # a phone photo stored sideways with EXIF orientation 6 (display: turn 90° clockwise)
    photo = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    page_image(FILING[2:]).rotate(90, expand=True).save(photo, quality=90, exif=exif)
    doc = image_reader.read(photo, LIMITS)
    assert "2021年5月12日" in squash(doc.text())


@needs_font
def test_scanned_pdf_pages_render_at_their_own_resolution(tmp_path):
    import pypdfium2 as pdfium

    pdf_path = tmp_path / "scan.pdf"
    page_image(FILING, width=1240).save(pdf_path, resolution=150.0)  # an image-only PDF, 150 dpi
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        assert ocr.native_dpi(pdf[0]) == pytest.approx(150, abs=1)
        assert ocr.page_dpi(pdf[0], LIMITS) == pytest.approx(150, abs=1)  # not upsampled to 200
        assert ocr.page_dpi(pdf[0], Limits(ocr_dpi=120)) == pytest.approx(120)
    finally:
        pdf.close()
    [page] = ocr.ocr_pdf_pages(pdf_path, [0], LIMITS)
    assert page.ocr
    text = squash(doc_of(page).text())
    assert "常州市安睿安全评价有限公司" in text and "2021年5月12日" in text, text


def test_noise_gives_little_text_and_no_crash():
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (700, 900, 3), dtype=np.uint8)
    page = ocr.ocr_image(Image.fromarray(noise), LIMITS)
    assert len(squash(doc_of(page).text())) <= 12
    blank = ocr.ocr_image(Image.new("RGB", (800, 600), "white"), LIMITS)
    assert blank.blocks == [] and blank.ocr


# --------------------------------------------------------------------------- hostile files
def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but carries almost no data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [9_000, 30_000])  # over our limit; over PIL's bomb limit
def test_decompression_bomb_is_a_limit(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    with pytest.raises(LimitExceededError) as err:
        image_reader.read(path, LIMITS)
    assert "像素" in err.value.message


def test_pixel_limit_in_ocr_image():
    with pytest.raises(LimitExceededError):
        ocr.ocr_image(Image.new("L", (3000, 3000), 255), Limits(max_pixels=1_000_000))


def test_too_many_frames(tmp_path):
    path = tmp_path / "many.tif"
    frames = [Image.new("L", (40, 40), 255) for _ in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(LimitExceededError) as err:
        image_reader.read(path, Limits(max_pages=3))
    assert "页数" in err.value.message


def test_truncated_and_fake_images_are_unreadable(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 10, 10)).save(buf, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"%PDF-1.4 not an image at all")
    for path in (cut, fake):
        with pytest.raises(UnreadableError) as err:
            image_reader.read(path, LIMITS)
        assert not isinstance(err.value, LimitExceededError)
        assert "图片" in err.value.message


@needs_font
def test_scanned_header_row_form_is_read_through_the_table_paths():
    """A registration form whose labels make a header row and whose values
    stand in the row under it: on a scan too, the OCR table is a `Table`, so
    the contract extractor reads each value under its label as it does in
    Word or PDF (a header row has no value beside its label)."""
    from pipeline.extract import contract
    from pipeline.extract.classify import classify

    f = font(24)
    heads = ["项目企业名称", "项目名称", "签订日期", "费用（元）"]
    values = ["常州恒达机械有限公司", "安全现状评价", "2021年5月6日", "35000"]
    xs = [40, 330, 560, 760, 960]
    im = Image.new("RGB", (1000, 330), (250, 250, 247))
    d = ImageDraw.Draw(im)
    d.text((300, 20), "项目合同登记表", font=font(32), fill=(20, 20, 20))
    d.text((40, 80), "服务机构名称：常州安泰安全技术服务有限公司", font=f, fill=(20, 20, 20))
    ys = [140, 210, 290]
    for yy in ys:
        d.line((xs[0], yy, xs[-1], yy), fill=(40, 40, 40), width=2)
    for xx in xs:
        d.line((xx, ys[0], xx, ys[-1]), fill=(40, 40, 40), width=2)
    for i, (h, v) in enumerate(zip(heads, values)):
        d.text((xs[i] + 12, ys[0] + 22), h, font=f, fill=(20, 20, 20))
        d.text((xs[i] + 12, ys[1] + 26), v, font=f, fill=(20, 20, 20))
    doc = Document(pages=[ocr.ocr_image(im, LIMITS)])
    assert len(doc.tables()) == 1 and doc.tables()[0].rows[0][0] == "项目企业名称", doc.pages[0].blocks
    assert classify(doc) == "contract"
    fields, _ = contract.extract(doc)
    assert fields.client_name == "常州恒达机械有限公司"
    assert fields.agency_name == "常州安泰安全技术服务有限公司"
    assert fields.project_content == "安全现状评价"
    assert str(fields.signed_on) == "2021-05-06"
    assert fields.price_wan == 3.5


@pytest.mark.skipif(not ocr_engine.openvino_loads(), reason="OpenVINO has no wheel for this platform")
def test_reading_a_scan_with_openvino_sends_nothing_and_starts_no_process(tmp_path: Path):
    """`import openvino` imports its model converter, whose import sends a
    usage event to Google Analytics from a process it spawns (on by default:
    no opt-out file in the user's home, not CI). The pipeline works offline:
    a worker that reads a scan loads no telemetry and starts no process."""
    code = textwrap.dedent("""
        import multiprocessing, sys
        import numpy as np
        from pipeline.extract.read import ocr_engine
        ocr_engine.read_page(np.full((400, 600, 3), 255, np.uint8))
        print(ocr_engine.runtime_name(), [p.name for p in multiprocessing.active_children()],
              "openvino_telemetry" in sys.modules)
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL", "PIPELINE_OCR_ENGINE")}
    env["HOME"] = str(tmp_path)  # no opt-out file
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["openvino", "[]", "False"], out.stdout


@pytest.mark.skipif(not ocr_engine.openvino_loads(), reason="OpenVINO has no wheel for this platform")
def test_a_worker_compiles_each_model_once():
    """rapidocr compiles its detection and recognition models as it loads
    them, for sessions the pipeline replaces at once by its own: a worker
    that starts and reads a page compiles detection (at the page's size)
    and recognition once each, so its first scan does not wait for two
    compilations it throws away."""
    code = textwrap.dedent("""
        import numpy as np, openvino
        from pipeline.extract.read import ocr_engine
        compiled = []
        real = openvino.Core.compile_model
        def counting(self, model, *args, **kwargs):
            compiled.append(model.get_friendly_name() if hasattr(model, "get_friendly_name") else str(model))
            return real(self, model, *args, **kwargs)
        openvino.Core.compile_model = counting
        page = np.full((1200, 900, 3), 255, np.uint8)
        page[300:340, 100:700] = 0
        ocr_engine.read_page(page)
        print(len(compiled))
    """)
    env = {**os.environ, "PIPELINE_OCR_ENGINE": "openvino", "PIPELINE_OCR_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2"], out.stdout
