"""OFD reader (GB/T 33190, the national fixed-layout format).

An OFD is a ZIP of XML parts: OFD.xml names each document's Document.xml,
which lists the pages and the resources (fonts, images). Each page's
Content.xml holds text objects (a boundary, an optional transform, and text
codes with their positions and glyph advances), path objects (table rules)
and image objects. The parts are read with the standard library's zipfile
under the DOCX limits and parsed with defusedxml (no entities, no external
references). The characters and ruling lines of a page become the same
objects pdfplumber gives for a PDF page, so lines and tables are rebuilt
exactly as for a text PDF. A page with no text, only an image, is a scan:
its largest image goes to OCR. Signatures and e-seals are noted (present,
and the signer when a certificate in the signed value names one); they are
not verified. Text codes are Unicode in OFD; where a CGTransform draws
them with glyphs of an embedded font, the characters are taken from the
font's character map (what the page shows), so that a producer that writes
private-use codes still yields the text a reader sees.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import Any, Iterator, Optional

from ...errors import LimitExceededError, UnreadableError
from ...models import Document, Limits, Page, Signature
from . import importable
from .docx import check_zip
from .ofd_geometry import OfdPage, page_objects

MM = 72 / 25.4  # points per millimetre


def is_available() -> bool:
    return importable("defusedxml")


def read(path: Path, limits: Limits) -> Document:
    check_zip(path, limits, "OFD.xml", "OFD")
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(_Parts(zf), limits)
    except (UnreadableError, LimitExceededError):
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise UnreadableError(f"OFD 文件已损坏或不完整（{type(exc).__name__}）：请用原软件重新导出 OFD 或 PDF 后提交。") from exc


class _Parts:
    """The XML parts of the OFD, parsed safely; names resolved as OFD does
    (relative to the part that names them, or to the package root)."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {i.filename.lstrip("/") for i in zf.infolist()}

    def resolve(self, base: str, loc: str) -> str:
        loc = loc.strip().replace("\\", "/")
        if loc.startswith("/"):
            return posixpath.normpath(loc.lstrip("/"))
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), loc))
        if joined in self.names:
            return joined
        return posixpath.normpath(loc)

    def xml(self, name: str) -> Any:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring

        data = self.zf.read(name)
        try:
            return fromstring(data, forbid_dtd=True)
        except DefusedXmlException as exc:
            raise UnreadableError("OFD 文件中的 XML 含有实体或文档类型声明（可能是恶意文件），不予读取：请用原软件重新导出后提交。") from exc
        except Exception as exc:  # ParseError and the like
            raise UnreadableError(f"OFD 文件中的 {name} 不是有效的 XML：请用原软件重新导出后提交。") from exc

    def data(self, name: str) -> bytes:
        return self.zf.read(name)


def _local(el: Any) -> str:
    tag = el.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def children(el: Any, name: str) -> Iterator[Any]:
    return (c for c in el.iter() if _local(c) == name)


def _first_text(el: Any, name: str) -> Optional[str]:
    for c in children(el, name):
        if c.text and c.text.strip():
            return str(c.text.strip())
    return None


def _read(parts: _Parts, limits: Limits) -> Document:
    root = parts.xml("OFD.xml")
    pages: list[Page] = []
    signatures: list[Signature] = []
    for body in children(root, "DocBody"):
        doc_root = _first_text(body, "DocRoot")
        if doc_root is None:
            continue
        doc_name = parts.resolve("OFD.xml", doc_root)
        pages += _document_pages(parts, doc_name, limits)
        sign_list = _first_text(body, "Signatures")
        if sign_list:
            signatures += _signatures(parts, parts.resolve("OFD.xml", sign_list))
    if not pages:
        raise UnreadableError("OFD 文件中没有任何页面：请用原软件重新导出后提交。")
    return Document(pages=pages, reader="ofd", signatures=signatures)


def _document_pages(parts: _Parts, doc_name: str, limits: Limits) -> list[Page]:
    doc = parts.xml(doc_name)
    box = _box(_first_text(doc, "PhysicalBox")) or (0.0, 0.0, 210.0, 297.0)
    media: dict[str, str] = {}
    fonts: dict[str, dict[int, str]] = {}
    for tag in ("PublicRes", "DocumentRes"):
        for res in children(doc, tag):
            if res.text and res.text.strip():
                media.update(_media(parts, parts.resolve(doc_name, res.text)))
                fonts.update(_fonts(parts, parts.resolve(doc_name, res.text)))
    locs = [p.get("BaseLoc") for p in children(doc, "Page") if p.get("BaseLoc")]
    if len(locs) > limits.max_pages:
        raise LimitExceededError(f"OFD 共 {len(locs)} 页，超过上限 {limits.max_pages} 页：请只提交备案所需的页面。")
    out = []
    for loc in locs:
        name = parts.resolve(doc_name, loc)
        content = parts.xml(name)
        page_box = _box(_first_text(content, "PhysicalBox")) or box
        ofd_page = page_objects(content, page_box, MM, fonts)
        out.append(_page(parts, ofd_page, media, name, limits))
    return out


def _media(parts: _Parts, res_name: str) -> dict[str, str]:
    """Image resource ID -> part name."""
    res = parts.xml(res_name)
    base = res.get("BaseLoc") or ""
    out = {}
    for item in children(res, "MultiMedia"):
        file = _first_text(item, "MediaFile")
        if item.get("ID") and file:
            out[item.get("ID")] = parts.resolve(res_name, posixpath.join(base, file) if base else file)
    return out


def _fonts(parts: _Parts, res_name: str) -> dict[str, dict[int, str]]:
    """Font resource ID -> glyph ID -> character, for each embedded font
    whose character map can be read (others are left out: their text codes
    stand as written)."""
    from .ofd_geometry import glyph_characters

    res = parts.xml(res_name)
    base = res.get("BaseLoc") or ""
    out = {}
    for font in children(res, "Font"):
        file = _first_text(font, "FontFile")
        if not font.get("ID") or not file:
            continue
        name = parts.resolve(res_name, posixpath.join(base, file) if base else file)
        if name in parts.names:
            glyphs = glyph_characters(parts.data(name))
            if glyphs:
                out[font.get("ID")] = glyphs
    return out


def _page(parts: _Parts, ofd_page: OfdPage, media: dict[str, str], name: str, limits: Limits) -> Page:
    from .pdf import _page_blocks, _text_layer_usable

    if _text_layer_usable(ofd_page) or not ofd_page.images:
        return Page(blocks=_page_blocks(ofd_page))
    image_id = max(ofd_page.images, key=lambda item: item[1])[0]
    if image_id not in media:
        raise UnreadableError(f"OFD 页面 {name} 引用的图片资源不存在：请用原软件重新导出后提交。")
    return _ocr(parts.data(media[image_id]), limits)


def _ocr(data: bytes, limits: Limits) -> Page:
    from PIL import Image

    from . import ocr

    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > limits.max_pixels:
                raise LimitExceededError(f"OFD 中的扫描图像素过多（{w}×{h}）：请降低分辨率后重新导出。")
            im.load()
            frame = im.copy()
    except LimitExceededError:
        raise
    except Exception as exc:
        raise UnreadableError("OFD 中的扫描图已损坏或格式不支持：请重新扫描后提交。") from exc
    return ocr.ocr_image(frame, limits)


def _box(text: Optional[str]) -> Optional[tuple[float, float, float, float]]:
    if not text:
        return None
    try:
        x, y, w, h = (float(v) for v in text.split())
    except ValueError:
        return None
    return x, y, w, h


def _signatures(parts: _Parts, list_name: str) -> list[Signature]:
    """Each signature or e-seal the OFD lists; the signer from the
    certificate in its signed value, when one is there."""
    from .ofd_geometry import certificate_subject

    out = []
    for sign in children(parts.xml(list_name), "Signature"):
        loc = sign.get("BaseLoc")
        if not loc:
            continue
        name = parts.resolve(list_name, loc)
        signer = None
        kind = "seal" if sign.get("Type", "Seal") == "Seal" else "signature"
        if name in parts.names:
            info = parts.xml(name)
            value = _first_text(info, "SignedValue")
            if value:
                value_name = parts.resolve(name, value)
                if value_name in parts.names:
                    signer = certificate_subject(parts.data(value_name))
        out.append(Signature(kind=kind, signer=signer))  # type: ignore[arg-type]
    return out
