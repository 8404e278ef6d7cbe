"""File and folder names that are safe on Windows shares and Linux alike."""

from __future__ import annotations

import re
import unicodedata

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_MAX_BYTES = 240


def safe_name(name: str, max_chars: int = 100) -> str:
    """No `<>:"/\\|?*` or control characters, no trailing dots or spaces, no
    reserved device names, at most `max_chars` characters and 240 bytes of
    UTF-8; a short suffix (`.docx`) survives the shortening."""
    s = unicodedata.normalize("NFC", name or "")
    s = re.sub(r'[<>:"/\\|?*\x00-\x1f\x7f]', "_", s)
    s = re.sub(r"\s+", " ", s).strip(" ")
    stem, dot, suffix = s.rpartition(".")
    if not dot or not stem or len(suffix) > 8:
        stem, suffix = s, ""
    suffix = "." + suffix if suffix else ""
    stem = stem[: max(1, max_chars - len(suffix))]
    while stem and len((stem + suffix).encode("utf-8")) > _MAX_BYTES:
        stem = stem[:-1]
    s = (stem.rstrip(". ") + suffix).rstrip(". ")
    if s.split(".")[0].strip().upper() in _RESERVED:
        s = "_" + s
    return s if s.strip("._ ") else "_"
