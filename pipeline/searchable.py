"""The searchable PDF of a scanned original: its page images as they were,
under an invisible text layer of the words the pipeline's OCR read.

- a scanned PDF is copied object for object (pikepdf: the page images are
  not decoded, let alone recompressed) and each OCR'd page gets, after its
  own content, one invisible text object (render mode 3) per word box;
- a photo or image scan (JPEG, PNG, TIFF…) becomes a PDF by img2pdf, which
  embeds JPEG, PNG and CCITT data as they are (lossless; the EXIF
  orientation becomes the page's /Rotate), then gets the same text layer.

Each word is written as one string in a font of one empty glyph
(`glyphless_font`), stretched (Tz) over the box the OCR found, on the box's
baseline and slant: a viewer highlights the word where it is on the image,
and text copied out of it has no spaces between Chinese characters. The
font is embedded (a ~1 KB TrueType program, characters by Unicode value,
a ToUnicode map), so the file is PDF/A-2b where the original allows it
(`pdfa.make_pdfa`): images only, no fonts of its own left unembedded, no
JavaScript, no LZW, no CMYK.

The original file is only read: the result is written beside it.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from pathlib import Path
from typing import Any, Callable, Optional

from .atomic import atomic_path
from .models import LayerPage, Word
from .pdfa import make_pdfa, pdfa_problems

log = logging.getLogger("pipeline")

SUFFIX = ".可检索.pdf"
FONT_NAME = "GlyphLessFont"
ASCENT, DESCENT = 800, -200     # font units (1000 per em): the box a viewer highlights
SNAP_DEGREES = 10               # a line slanted less than this is written along the page's axis


def searchable_path(original: Path) -> Path:
    """Where the searchable PDF of an archived original goes: beside it."""
    return original.with_name(original.name + SUFFIX)


def make_searchable(originals: Path | list[Path], layer: list[LayerPage], target: Optional[Path] = None) -> Path:
    """Write the searchable PDF of `originals` (a file, or the photos of one
    filing, one page each, in order) with the words of `layer` beside the
    first, or at `target`; PDF/A-2b when the content allows. Returns its path."""
    import pikepdf

    files = [originals] if isinstance(originals, Path) else list(originals)
    original = files[0]
    target = target or searchable_path(original)
    if _is_pdf(original):
        source = io.BytesIO(original.read_bytes())
    else:
        source = io.BytesIO(image_pdf(files[0]) if len(files) == 1 else _images_pdf(files))
    with pikepdf.open(source) as pdf:
        font = _font(pdf)
        for page in layer:
            if 0 <= page.index < len(pdf.pages) and page.words:
                _add_layer(pdf, pdf.pages[page.index], page.words, font)
        pdfa = _pdfa_allowed(pdf)
        if pdfa:
            make_pdfa(pdf, title=original.name)
        with atomic_path(target) as tmp:
            pdf.save(tmp, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    if pdfa and pdfa_problems(target):
        log.warning("可检索 PDF 未能满足 PDF/A-2b：%s", "；".join(pdfa_problems(target)))
    return target


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as fh:
        return b"%PDF" in fh.read(1024)


def image_pdf(path: Path, layout: Optional[Callable] = None) -> bytes:
    """The image file as a PDF, its data embedded as it is where img2pdf can
    (JPEG, PNG, CCITT TIFF), losslessly otherwise. `layout`: img2pdf's
    layout function, (width px, height px, dpi) -> (page width, page height,
    image width, image height) in points; by default the image's own size."""
    import img2pdf
    from PIL import Image

    sized = {"layout_fun": layout} if layout is not None else {}
    try:
        return bytes(img2pdf.convert(str(path), rotation=img2pdf.Rotation.ifvalid, **sized))
    except Exception:  # alpha channel, palette TIFF, unusual modes: frames as lossless PNG
        frames = []
        with Image.open(path) as im:
            for i in range(int(getattr(im, "n_frames", 1) or 1)):
                im.seek(i)
                from PIL import ImageOps

                frame = ImageOps.exif_transpose(im.copy()) or im.copy()
                buf = io.BytesIO()
                frame.convert("L" if frame.mode in ("1", "L", "LA", "I", "I;16") else "RGB").save(buf, "PNG")
                frames.append(buf.getvalue())
        return bytes(img2pdf.convert(frames, **sized))


def _images_pdf(paths: list[Path]) -> bytes:
    """Photos of one filing as one PDF, a page each (img2pdf, lossless)."""
    import pikepdf

    out = pikepdf.new()
    singles = [pikepdf.open(io.BytesIO(image_pdf(path))) for path in paths]
    try:
        for one in singles:
            out.pages.extend(one.pages)
        buf = io.BytesIO()
        out.save(buf)
    finally:
        for one in singles:
            one.close()
    return buf.getvalue()


# ------------------------------------------------------------------ the text layer
def _page_map(page: Any) -> tuple[float, float, float, float, float, float]:
    """(a, b, c, d, e, f): x = a·u + c·v + e, y = b·u + d·v + f maps a point
    (u, v) given as fractions of the page as displayed (its crop box turned
    by /Rotate, from the top left) to the page's user space."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    w, h = x1 - x0, y1 - y0
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    return {0: (w, 0.0, 0.0, -h, x0, y1), 90: (0.0, h, w, 0.0, x0, y0),
            180: (-w, 0.0, 0.0, h, x1, y0), 270: (0.0, -h, -w, 0.0, x1, y1)}.get(rotate, (w, 0.0, 0.0, -h, x0, y1))


def _add_layer(pdf: Any, page: Any, words: list[Word], font: Any) -> None:
    import pikepdf

    name = page.add_resource(font, pikepdf.Name.Font, prefix="OCR")
    m = _page_map(page)
    ops = ["BT 3 Tr"]
    for word in words:
        op = _word_ops(word, m, str(name))
        if op:
            ops.append(op)
    ops.append("ET")
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, ("\nQ\nq\n" + "\n".join(ops) + "\nQ\n").encode("ascii")))


def _word_ops(word: Word, m: tuple[float, ...], font: str) -> str:
    """The operators that put one word on its box: text matrix (baseline
    direction and origin), size, horizontal stretch, the string. A line
    within `SNAP_DEGREES` of the page's axes (a photo's slight slant) is
    written along the axis, centred on its box: text extraction then reads
    it as a line rather than as characters set one above the other."""
    text = "".join(ch if ord(ch) <= 0xFFFF else "\ufffd" for ch in word.text)
    if not text.strip():
        return ""
    q = word.quad
    pts = [(m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]) for u, v in zip(q[0::2], q[1::2])]
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = pts
    dx, dy = (trx - tlx + brx - blx) / 2, (try_ - tly + bry - bly) / 2
    if math.hypot(dx, dy) <= 0:
        return ""
    angle = math.atan2(dy, dx)
    quarter = round(angle / (math.pi / 2))
    if abs(angle - quarter * math.pi / 2) <= math.radians(SNAP_DEGREES):
        angle = quarter * math.pi / 2
    ex, ey = round(math.cos(angle), 6), round(math.sin(angle), 6)
    nx, ny = -ey, ex  # towards the top of the letters
    length = dx * ex + dy * ey
    height = (abs((tlx - blx) * nx + (tly - bly) * ny) + abs((trx - brx) * nx + (try_ - bry) * ny)) / 2
    if length <= 0 or height <= 0:
        return ""
    size = height * 1000 / (ASCENT - DESCENT)
    cx, cy = sum(p[0] for p in pts) / 4, sum(p[1] for p in pts) / 4
    below = height / 2 + size * DESCENT / 1000   # from the box's middle down to the baseline
    ox, oy = cx - ex * length / 2 - nx * below, cy - ey * length / 2 - ny * below
    stretch = 100 * length / (len(text) * size)
    codes = text.encode("utf-16-be").hex().upper()
    return (f"{ex:.5f} {ey:.5f} {-ey:.5f} {ex:.5f} {ox:.2f} {oy:.2f} Tm {font} {size:.2f} Tf "
            f"{stretch:.2f} Tz <{codes}> Tj")


@functools.lru_cache(maxsize=1)
def glyphless_font() -> bytes:
    """A TrueType program with one empty glyph, 1 em wide: every character
    of the text layer is drawn with it (nothing is seen), as Tesseract and
    OCRmyPDF do; what the text says comes from the ToUnicode map."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "blank"])
    fb.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({".notdef": empty, "blank": empty})
    fb.setupHorizontalMetrics({".notdef": (1000, 0), "blank": (1000, 0)})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT, usWinDescent=-DESCENT)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _to_unicode() -> bytes:
    """CID = UTF-16 code unit = Unicode value (BMP)."""
    blocks = []
    for start in range(0, 256, 100):
        rows = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(start, min(start + 100, 256))]
        blocks.append(f"{len(rows)} beginbfrange\n" + "\n".join(rows) + "\nendbfrange")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + "\n".join(blocks) +
            "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")


def _font(pdf: Any) -> Any:
    """The Type 0 font of the text layer, made once per file."""
    import pikepdf

    program = pikepdf.Stream(pdf, glyphless_font())
    program.Length1 = len(glyphless_font())
    descriptor = pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + FONT_NAME),
                                    Flags=5, FontBBox=[0, DESCENT, 1000, ASCENT], ItalicAngle=0, Ascent=ASCENT,
                                    Descent=DESCENT, CapHeight=ASCENT, StemV=80, FontFile2=program)
    gid_map = pikepdf.Stream(pdf, b"\x00\x01" * 65536)  # every CID drawn with glyph 1
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name("/" + FONT_NAME),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=1000, CIDToGIDMap=pdf.make_indirect(gid_map))
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
                              BaseFont=pikepdf.Name("/" + FONT_NAME), Encoding=pikepdf.Name("/Identity-H"),
                              DescendantFonts=[pdf.make_indirect(cid_font)],
                              ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, _to_unicode())))
    return pdf.make_indirect(font)


# ------------------------------------------------------------------ PDF/A where it can be
def _pdfa_allowed(pdf: Any) -> bool:
    """True when nothing in the file stands against PDF/A-2b as far as this
    module can see: no JavaScript, no embedded files, only the text layer's
    font, and images without LZW, CMYK or /Interpolate."""
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is not None and any(k in names for k in ("/JavaScript", "/EmbeddedFiles")):
        return False
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        if obj.get("/S") == pikepdf.Name.JavaScript or obj.get("/Type") == pikepdf.Name.Font \
                and obj.get("/BaseFont") != pikepdf.Name("/" + FONT_NAME):
            return False
        if obj.get("/Subtype") == pikepdf.Name.Image:
            filters = obj.get("/Filter")
            if "/LZWDecode" in str(filters) or obj.get("/Interpolate") is True \
                    or obj.get("/ColorSpace") == pikepdf.Name.DeviceCMYK:
                return False
    return True
