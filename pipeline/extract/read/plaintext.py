"""Plain-text reader (.txt): UTF-8 or GB18030, one line per line."""

from __future__ import annotations

from pathlib import Path

from ...errors import UnreadableError
from ...models import Block, Document, Limits, Line, Page
from ...text import clean


def is_available() -> bool:
    return True


def read(path: Path, limits: Limits) -> Document:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise UnreadableError("文件不是文本文件（含二进制内容）：请确认文件类型后重新提交。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableError("文本文件编码无法识别：请另存为 UTF-8 编码后重新提交。")
    blocks = []
    for line in clean(text).splitlines():
        line = line.strip()
        if line:
            cells = [c for c in line.split("  ") if c.strip()]
            blocks.append(Block(line=Line(text=line, cells=[c.strip() for c in cells])))
    return Document(pages=[Page(blocks=blocks)], reader="text")
