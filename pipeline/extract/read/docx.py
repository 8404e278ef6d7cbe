"""DOCX reader: walks the WordprocessingML body itself (python-docx stops at
content controls, text boxes, symbol fonts and checkbox controls).

Paragraphs become lines; tables become grids (a cell covered by a merge is
None); a table nested in a cell stays in that cell; text boxes become blocks of their own; every way a
Word form marks a box is normalised to ☑ / ☐.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator, Optional

from ...errors import LimitExceededError, UnreadableError
from ...models import EMPTY, TICKED, Block, Document, Limits, Line, Nested, Page, Table
from ...text import clean

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"

# symbol-font characters used as boxes: (font, low byte) -> glyph
_SYMBOLS = {
    "wingdings": {0xFE: TICKED, 0xFD: TICKED, 0xFC: TICKED, 0x78: TICKED, 0xA8: EMPTY, 0x6F: EMPTY, 0x71: EMPTY},
    "wingdings 2": {0x52: TICKED, 0x53: TICKED, 0x50: TICKED, 0x51: TICKED, 0xA3: EMPTY, 0x2A: EMPTY, 0xA2: EMPTY},
    "symbol": {0xD6: TICKED},
}


def is_available() -> bool:
    return True


def read(path: Path, limits: Limits) -> Document:
    check_zip(path, limits, "word/document.xml", "Word")
    import docx

    try:
        body = docx.Document(str(path)).element.body
    except Exception as exc:
        raise UnreadableError(f"Word 文件已损坏，无法打开（{type(exc).__name__}）：请用 Word 或 WPS 重新保存为 .docx 后提交。") from exc
    return Document(pages=[Page(blocks=list(_blocks(body)))], reader="docx")


def check_zip(path: Path, limits: Limits, member: str, label: str) -> None:
    """Refuse broken archives and zip bombs before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableError(f"不是有效的 {label} 文件（文件已损坏或类型不符）：请用 {label} 重新保存后提交。") from exc
    if member not in names:
        raise UnreadableError(f"不是有效的 {label} 文件（缺少 {member}）：请用 {label} 重新保存后提交。")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise LimitExceededError(
            f"{label} 文件解压后达 {unpacked / 1024 / 1024:.0f} MB，超过上限 "
            f"{limits.max_unpacked_bytes // 1024 // 1024} MB（疑似压缩炸弹）：请检查文件来源。"
        )


def _local(el) -> str:
    tag = el.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else ""


def _blocks(container) -> Iterator[Block]:
    for child in container:
        name = _local(child)
        if name == "p":
            text = clean(_inline(child)).strip()
            if text:
                cells = [c.strip() for c in re.split(r"\t+", text) if c.strip()]
                yield Block(line=Line(text=" ".join(cells), cells=cells))
            for box in child.iter(f"{W}txbxContent"):
                yield from _blocks(box)
        elif name == "tbl":
            yield from _table(child)
        elif name == "sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif name in ("customXml", "ins", "smartTag"):
            yield from _blocks(child)


def _table(tbl) -> Iterator[Block]:
    yield Block(table=_grid(tbl))


def _grid(tbl) -> Table:
    """The table's grid; a table nested in a cell stays in that cell."""
    rows: list[list[Optional[str]]] = []
    nested: list[Nested] = []
    above: list = []  # the tc element that owns each grid column in the previous row
    for tr in _children(tbl, "tr"):
        row: list[Optional[str]] = []
        owners: list = []
        col = 0
        for tc in _children(tr, "tc"):
            props = tc.find(f"{W}tcPr")
            span, vmerge = 1, None
            if props is not None:
                gs = props.find(f"{W}gridSpan")
                span = int(gs.get(f"{W}val", "1")) if gs is not None else 1
                vm = props.find(f"{W}vMerge")
                vmerge = None if vm is None else (vm.get(f"{W}val") or "continue")
            continued = vmerge == "continue" and col < len(above)
            owner = above[col] if continued else tc
            inner: list = []
            text = None if continued else clean(_cell_text(tc, inner)).strip()
            nested += [Nested(row=len(rows), col=len(row), table=_grid(el)) for el in inner]
            for k in range(span):
                row.append(text if k == 0 else None)
                owners.append(owner)
            col += span
        rows.append(row)
        above = owners
    return Table(rows=rows, nested=nested)


def _children(el, name: str):
    """Direct children named `name`, looking through content controls."""
    for child in el:
        local = _local(child)
        if local == name:
            yield child
        elif local == "sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _children(content, name)
        elif local in ("customXml",):
            yield from _children(child, name)


def _cell_text(tc, nested: list) -> str:
    parts = []
    for block in _cell_paragraphs(tc, nested):
        parts.append(_inline(block))
    return "\n".join(p for p in parts if p.strip())


def _cell_paragraphs(el, nested: list):
    for child in el:
        name = _local(child)
        if name == "p":
            yield child
        elif name == "tbl":
            nested.append(child)
        elif name in ("sdtContent", "customXml"):
            yield from _cell_paragraphs(child, nested)
        elif name == "sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _cell_paragraphs(content, nested)


def _inline(el) -> str:
    out: list[str] = []
    for child in el:
        name = _local(child)
        if name == "t":
            out.append(child.text or "")
        elif name == "tab":
            out.append("\t")
        elif name in ("br", "cr"):
            out.append("\n")
        elif name == "sym":
            out.append(_symbol(child))
        elif name in ("txbxContent", "delText", "instrText", "del", "rPr", "pPr", "sdtPr", "moveFrom"):
            continue
        elif name == "sdt":
            out.append(_sdt_inline(child))
        elif name == "fldChar":
            out.append(_form_checkbox(child))
        else:
            out.append(_inline(child))
    return "".join(out)


def _symbol(sym) -> str:
    font = (sym.get(f"{W}font") or "").lower()
    try:
        code = int(sym.get(f"{W}char") or "0", 16) & 0xFF
    except ValueError:
        return ""
    return _SYMBOLS.get(font, {}).get(code, "")


def _sdt_inline(sdt) -> str:
    props = sdt.find(f"{W}sdtPr")
    box = props.find(f"{W14}checkbox") if props is not None else None
    if box is not None:
        checked = box.find(f"{W14}checked")
        value = checked.get(f"{W14}val", "1") if checked is not None else "0"
        return TICKED if value.lower() in ("1", "true", "on") else EMPTY
    content = sdt.find(f"{W}sdtContent")
    return _inline(content) if content is not None else ""


def _form_checkbox(fld) -> str:
    """Legacy FORMCHECKBOX fields: <w:ffData><w:checkBox><w:checked/>…"""
    box = fld.find(f"{W}ffData/{W}checkBox")
    if box is None:
        return ""
    state = box.find(f"{W}checked")
    if state is None:
        state = box.find(f"{W}default")
    value = "0" if state is None else (state.get(f"{W}val") or "1")
    return TICKED if value.lower() in ("1", "true", "on") else EMPTY
