"""Text normalisation shared by the readers and the field extractors."""

from __future__ import annotations

import re
import unicodedata

# Normalised checkbox glyphs: every reader maps whatever a form uses to these two.
TICKED = "☑"
EMPTY = "☐"

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
# symbol-font boxes as a PDF text layer gives them: the private-use code point
# U+F000 + the font's byte (Wingdings þ ý ü x ¨ o q, Wingdings 2 R S P Q £ * ¢, Symbol √)
TICKED_GLYPHS += "".join(chr(0xF000 + b) for b in (0xFE, 0xFD, 0xFC, 0x78, 0x52, 0x53, 0x50, 0x51, 0xD6))
EMPTY_GLYPHS += "".join(chr(0xF000 + b) for b in (0xA8, 0x6F, 0x71, 0xA3, 0x2A, 0xA2))
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


_SEAL_NOTE = re.compile(r"^[（(]?(?:盖章|签章|公章)[)）]?[：:]?")
_SIGN_MARK = re.compile(r"[（(](?:签字|签名|盖章)[)）]")


def name_key(name: str | None) -> str | None:
    """A name as compared across filings: NFKC-folded, white space removed."""
    return (squash(unicodedata.normalize("NFKC", name)) or None) if name else None


def strip_seal_note(name: str | None) -> str | None:
    """'（盖章）江苏某某公司' -> '江苏某某公司': the seal note a form prints
    before the place where the name is written."""
    if not name:
        return name
    return _SEAL_NOTE.sub("", name.strip()).strip() or None


def drop_sign_marks(text: str) -> str:
    """'张三（签字）' -> '张三': remove every bracketed mark a form prints where
    someone signs or seals, wherever it stands (unlike `strip_seal_note`,
    which removes only a leading seal note, brackets optional, and its colon)."""
    return _SIGN_MARK.sub("", text)


def agency_key(name: str | None) -> str | None:
    """The key one agency is known by, however its name was written."""
    key = name_key(name)
    return strip_seal_note(key) if key else None
