"""Packets as agencies (and attackers) make them, built from the samples:
ZIPs with GBK names, nested ZIPs, ZIP bombs, PDFs that join several filings."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from unittest import mock

from pypdf import PdfWriter


class GbkInfo(zipfile.ZipInfo):
    """A member whose name is stored in GBK without the UTF-8 flag, as
    Windows' "send to compressed folder" writes it on a Chinese system."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = GbkInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return target


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def bomb(target: Path, gib: int = 1) -> Path:
    """A real ZIP bomb: one member that inflates to `gib` GiB of zeros from
    about 1 MB (the deflate blocks of one 16 MiB run of zeros, repeated)."""
    chunk = bytes(1 << 24)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)

    class Repeat:
        def compress(self, data: bytes) -> bytes:
            return block

        def flush(self) -> bytes:
            return zlib.compressobj(9, zlib.DEFLATED, -15).flush()

    with mock.patch.object(zipfile, "_get_compressor", lambda *args: Repeat()):
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("合同.pdf", "w", force_zip64=True) as fh:
            for _ in range(64 * gib):
                fh.write(chunk)
    return target


def lying_zip(target: Path, actual: bytes, declared: int) -> Path:
    """A ZIP whose only member declares `declared` bytes and holds more."""
    target.write_bytes(zip_bytes({"报告函.pdf": actual}))
    data = bytearray(target.read_bytes())
    struct.pack_into("<I", data, 22, declared)  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)  # central directory: uncompressed size
    target.write_bytes(bytes(data))
    return target


def encrypted_zip(target: Path, data: bytes) -> Path:
    """A member flagged as encrypted (the traditional PKWARE flag, set in
    both headers: zipfile cannot write an encrypted member itself)."""
    data_ = bytearray(zip_bytes({"合同.pdf": data}))
    data_[6] |= 0x1  # local header: general purpose flags
    central = data_.rfind(b"PK\x01\x02")
    data_[central + 8] |= 0x1  # central directory: general purpose flags
    target.write_bytes(bytes(data_))
    return target


def joined_pdf(target: Path, parts: list[Path]) -> Path:
    """One PDF holding several filings, page after page."""
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    with target.open("wb") as fh:
        writer.write(fh)
    return target
