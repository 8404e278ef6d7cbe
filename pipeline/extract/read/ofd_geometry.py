"""The geometry of an OFD page: its text codes placed as characters and its
paths as ruling edges, in the shape pdfplumber gives a PDF page (points,
top-left origin), so `pdf._page_blocks` rebuilds lines and tables from them.

Positions follow GB/T 33190: an object's Boundary (x y w h, mm, on the
page) is its own origin; its CTM (a b c d e f) maps object space into the
boundary; a TextCode's X/Y is the baseline of its first character and
DeltaX/DeltaY (with the `g n v` shorthand) the advances between characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class OfdPage:
    """What pdf._page_blocks and pdf._text_layer_usable ask of a page."""

    bbox: tuple[float, float, float, float]
    chars: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    images: list[tuple[str, float]] = field(default_factory=list)  # (resource id, area)

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    def find_tables(self, table_settings: Optional[dict[str, Any]] = None) -> list[Any]:
        from pdfplumber.table import TableFinder

        return list(TableFinder(self, table_settings or {}).tables)  # type: ignore[arg-type]  # duck-typed page

    def extract_words(self, **kwargs: Any) -> list[dict[str, Any]]:
        from pdfplumber.utils import extract_words

        return list(extract_words(self.chars, **kwargs))

    def close(self) -> None:
        return None


def _local(el: Any) -> str:
    tag = el.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def _floats(text: Optional[str]) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text or "")]


def _matrix(text: Optional[str]) -> Matrix:
    values = _floats(text)
    return (values[0], values[1], values[2], values[3], values[4], values[5]) if len(values) == 6 else _IDENTITY


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def deltas(text: Optional[str]) -> list[float]:
    """DeltaX/DeltaY with the `g n v` shorthand (v repeated n times) expanded."""
    tokens = (text or "").split()
    out: list[float] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [float(tokens[i + 2])] * min(int(float(tokens[i + 1])), 10_000)
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def page_objects(content: Any, box: tuple[float, float, float, float], scale: float,
                 fonts: Optional[dict[str, dict[int, str]]] = None) -> OfdPage:
    """The characters, edges and images of one page's Content.xml (`fonts`:
    the embedded fonts' glyph ID -> character maps, by font ID)."""
    page = OfdPage(bbox=(0.0, 0.0, box[2] * scale, box[3] * scale))
    for el in content.iter():
        name = _local(el)
        if name == "TextObject":
            page.chars += _text_chars(el, scale, (fonts or {}).get(el.get("Font") or "", {}))
        elif name == "PathObject":
            page.edges += _path_edges(el, scale)
        elif name == "ImageObject" and el.get("ResourceID"):
            bx = _floats(el.get("Boundary"))
            page.images.append((el.get("ResourceID"), bx[2] * bx[3] if len(bx) == 4 else 0.0))
    return page


def shown_text(el: Any, glyphs: dict[int, str]) -> dict[int, str]:
    """Position in the object's text -> the character its CGTransform draws,
    where one code is drawn by one glyph the font's map knows."""
    shown: dict[int, str] = {}
    for cg in (c for c in el if _local(c) == "CGTransform"):
        ids = [int(v) for v in _floats(next((g.text for g in cg if _local(g) == "Glyphs"), ""))]
        start, count = int(cg.get("CodePosition", 0)), int(cg.get("CodeCount", 1))
        if count != int(cg.get("GlyphCount", count)) or count != len(ids):
            continue
        for i, gid in enumerate(ids):
            if gid in glyphs:
                shown[start + i] = glyphs[gid]
    return shown


def glyph_characters(font_file: bytes) -> dict[int, str]:
    """Glyph ID -> character from an embedded font's character map (the
    lowest code point for a glyph mapped twice); empty if unreadable."""
    import io

    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(font_file), lazy=True, fontNumber=0)
        cmap = font.getBestCmap() or {}
        out: dict[int, str] = {}
        for code in sorted(cmap, reverse=True):
            out[font.getGlyphID(cmap[code])] = chr(code)
        return out
    except Exception:  # a broken or unsupported font: the text codes stand
        return {}


def _text_chars(el: Any, scale: float, glyphs: dict[int, str]) -> list[dict[str, Any]]:
    bx = _floats(el.get("Boundary"))
    if len(bx) != 4:
        return []
    shown = shown_text(el, glyphs) if glyphs else {}
    position = 0
    ctm = _matrix(el.get("CTM"))
    size = float(el.get("Size") or 3.5)
    glyph = size * (abs(ctm[3]) or 1.0) if el.get("CTM") else size
    out: list[dict[str, Any]] = []
    x = y = 0.0
    for code in (c for c in el if _local(c) == "TextCode"):
        text = code.text or ""
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        dx, dy = deltas(code.get("DeltaX")), deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            ch = shown.get(position + i, ch)
            px, py = _apply(ctm, x, y)
            advance = (dx[i] if i < len(dx) else size) * (abs(ctm[0]) or 1.0 if el.get("CTM") else 1.0)
            if not ch.isspace():
                out.append(_char(ch, bx[0] + px, bx[1] + py, advance if advance > 0 else glyph, glyph, scale))
            x += dx[i] if i < len(dx) else size
            y += dy[i] if i < len(dy) else 0.0
        position += len(text)
    return out


def _char(ch: str, x: float, baseline: float, advance: float, size: float, scale: float) -> dict[str, Any]:
    x0, top = x * scale, (baseline - 0.88 * size) * scale
    x1, bottom = (x + min(advance, size)) * scale, (baseline + 0.12 * size) * scale
    return {"text": ch, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
            "height": bottom - top, "size": size * scale, "upright": True, "object_type": "char", "fontname": "ofd",
            "matrix": (1, 0, 0, 1, x0, bottom)}


def _path_edges(el: Any, scale: float) -> list[dict[str, Any]]:
    """The straight, axis-aligned segments of a path: table rules."""
    bx = _floats(el.get("Boundary"))
    data = next((c.text for c in el if _local(c) == "AbbreviatedData"), None)
    if len(bx) != 4 or not data:
        return []
    ctm = _matrix(el.get("CTM"))
    points: list[tuple[float, float]] = []
    segments = []
    tokens = data.split()
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L", "S") and i + 2 < len(tokens):
            point = _apply(ctm, float(tokens[i + 1]), float(tokens[i + 2]))
            if op == "L" and points:
                segments.append((points[-1], point))
            points.append(point)
            i += 3
        elif op == "C" and points:
            segments.append((points[-1], points[0]))
            i += 1
        else:
            i += 1
    return [e for a, b in segments if (e := _edge(bx[0] + a[0], bx[1] + a[1], bx[0] + b[0], bx[1] + b[1], scale))]


def _edge(x0: float, y0: float, x1: float, y1: float, scale: float) -> Optional[dict[str, Any]]:
    x0, x1 = sorted((x0 * scale, x1 * scale))
    top, bottom = sorted((y0 * scale, y1 * scale))
    if bottom - top < 0.5 and x1 - x0 > 1:
        orientation = "h"
        top = bottom = (top + bottom) / 2
    elif x1 - x0 < 0.5 and bottom - top > 1:
        orientation = "v"
        x0 = x1 = (x0 + x1) / 2
    else:
        return None
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top,
            "orientation": orientation, "object_type": "line"}


def certificate_subject(data: bytes, tries: int = 64) -> Optional[str]:
    """The common name (or organisation) of the first X.509 certificate
    found in a signed value (an SES_Signature or PKCS#7 blob); None if none."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    start = 0
    for _ in range(tries):
        start = data.find(b"\x30\x82", start)
        if start < 0 or start + 4 > len(data):
            return None
        length = int.from_bytes(data[start + 2:start + 4], "big") + 4
        try:
            cert = x509.load_der_x509_certificate(data[start:start + length])
        except ValueError:
            start += 1
            continue
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
            names = cert.subject.get_attributes_for_oid(oid)
            if names:
                return str(names[0].value)
        return None
    return None
