"""PDF/A-2b: marking a PDF as such, and checking what can be checked
without a validator such as veraPDF.

`make_pdfa(pdf)` gives an open pikepdf document the XMP identification
(pdfaid:part 2, conformance B) and an sRGB output intent; `pdfa_problems(path)`
lists, in Chinese, what keeps a file from being PDF/A-2b among: the XMP
identification, an output intent, every font embedded, no encryption, no
JavaScript. An empty list is not a veraPDF pass, only these checks passed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterator

PART, CONFORMANCE = "2", "B"


@functools.lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile (made by LittleCMS through Pillow: nothing to ship)."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def make_pdfa(pdf: Any, title: str = "") -> None:
    """Mark an open pikepdf.Pdf as PDF/A-2b: XMP identification (the
    document information dictionary kept in step) and an sRGB output intent."""
    import pikepdf

    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = PART
        meta["pdfaid:conformance"] = CONFORMANCE
        if title:
            meta["dc:title"] = title
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc[pikepdf.Name.N] = 3
    intent = pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                                Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc)
    pdf.Root.OutputIntents = pdf.make_indirect(pikepdf.Array([intent]))


def pdfa_problems(path: Path) -> list[str]:
    """What keeps the file at `path` from being PDF/A-2b, among the checks
    this module can make (empty: all of them pass)."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return ["文件已加密"]
    except Exception as exc:
        return [f"文件无法打开（{type(exc).__name__}）"]
    with pdf:
        problems = []
        if pdf.is_encrypted:
            problems.append("文件已加密")
        meta = pdf.open_metadata()
        if meta.get("pdfaid:part") != PART or str(meta.get("pdfaid:conformance", "")).upper() != CONFORMANCE:
            problems.append("XMP 元数据中没有 PDF/A-2b 标识")
        if not _has_output_intent(pdf):
            problems.append("没有 PDF/A 输出意图（OutputIntent）")
        problems += [f"字体 {name} 未嵌入" for name in sorted(set(_unembedded_fonts(pdf)))]
        if _has_javascript(pdf):
            problems.append("含有 JavaScript")
        return problems


def _has_output_intent(pdf: Any) -> bool:
    import pikepdf

    for intent in pdf.Root.get("/OutputIntents", pikepdf.Array()):
        if intent.get("/S") == pikepdf.Name.GTS_PDFA1 and "/DestOutputProfile" in intent:
            return True
    return False


def _fonts(resources: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    """Every font of a resource dictionary, those of its form XObjects and
    Type 3 glyphs included."""
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return
    for font in resources.get("/Font", pikepdf.Dictionary()).values():
        yield font
        if font.get("/Subtype") == pikepdf.Name.Type3:
            yield from _fonts(font.get("/Resources"), seen)
    for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
        if xobject.get("/Subtype") == pikepdf.Name.Form and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            yield from _fonts(xobject.get("/Resources"), seen)


def _unembedded_fonts(pdf: Any) -> Iterator[str]:
    import pikepdf

    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        for font in _fonts(page.obj.get("/Resources"), seen):
            if font.get("/Subtype") == pikepdf.Name.Type3:
                continue  # its glyphs are content streams of the file itself
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants is not None else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                yield str(font.get("/BaseFont", "?"))


def _has_javascript(pdf: Any) -> bool:
    """A JavaScript name tree, or a JavaScript action anywhere in the file."""
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is not None and "/JavaScript" in names:
        return True
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == pikepdf.Name.JavaScript:
            return True
    return False
