"""Text normalisation shared by the readers and the field extractors."""

from __future__ import annotations

import re

from ..models import EMPTY, TICKED

# full-width ASCII (digits, letters, punctuation) -> half-width, except the
# punctuation Chinese text keeps full-width: （）：；，、。！？【】
_KEEP = set("（）：；，。！？")
_FOLD = {
    c: chr(c - 0xFEE0)
    for c in range(0xFF01, 0xFF5F)
    if chr(c) not in _KEEP
}
_FOLD[0x3000] = " "  # ideographic space
_FOLD[0x00A0] = " "

# every glyph a form uses for a ticked or an empty box
TICKED_GLYPHS = "☑☒■√✓✔▣◼⊠"
EMPTY_GLYPHS = "□☐▢◻"  # not 〇: it is the Chinese zero
_BOX = str.maketrans({**{c: TICKED for c in TICKED_GLYPHS}, **{c: EMPTY for c in EMPTY_GLYPHS}})

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"（）：；，、。！？《》“”‘’【】"
_SPACED = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t]+(?=[{_CJK}{_CJK_PUNCT}])")


def fold_width(text: str) -> str:
    """Fold full-width digits and ASCII to half-width (keeps Chinese punctuation)."""
    return text.translate(_FOLD)


def normalise_boxes(text: str) -> str:
    """Map every checkbox glyph to ☑ (ticked) or ☐ (empty)."""
    return text.translate(_BOX)


def join_spaced_cjk(text: str) -> str:
    """'技 术 服 务 合 同' -> '技术服务合同': CJK text layers often put a space
    between every character. Spaces between a CJK character and Latin text or
    digits are kept."""
    return _SPACED.sub("", text)


def clean(text: str) -> str:
    """The normalisation every reader applies to every piece of text."""
    text = fold_width(text).replace("\r", "")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return normalise_boxes(text)


def squash(text: str) -> str:
    """Remove all white space (for label matching)."""
    return re.sub(r"\s+", "", text)
