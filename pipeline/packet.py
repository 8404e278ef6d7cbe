"""Packets: a ZIP holding several filings, opened under limits.

`open_zip` reads the central directory and refuses a hostile or broken
packet with a Chinese reason (too many members, members or a total over the
size limits, `..` or absolute names, encrypted members, a compression ratio
no document has); `unpack` writes the members into one folder (flat, names
of our own making) while counting the bytes that really come out, so a
member that expands beyond what it declares (a ZIP bomb) is refused too.
Names without the ZIP's UTF-8 flag are decoded as GBK, which is what
Windows' "send to compressed folder" writes on a Chinese system.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Iterator, Optional

from pydantic import BaseModel

from .errors import LimitExceededError, UnreadableError
from .models import Limits
from .names import safe_name

MAX_RATIO = 200  # uncompressed / compressed size of one member; text and scans stay far below
_CHUNK = 1 << 20
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


class Member(BaseModel):
    """One file of a packet: its path inside the packet as people read it."""

    name: str
    index: int
    size: int


def is_packet(path: Path) -> bool:
    """A ZIP that is not itself an Office or OFD document."""
    from .extract.read import sniff

    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head.startswith(b"PK") and sniff(path) is None and zipfile.is_zipfile(path)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's path: GBK when the UTF-8 flag is not set (zipfile then
    decoded it as cp437), as stored otherwise."""
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts


def open_zip(path: Path, limits: Limits) -> list[Member]:
    """The files of a ZIP packet (folders skipped), or UnreadableError."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableError("压缩包已损坏，无法打开：请重新压缩后提交。") from exc
    files = [(n, i) for n, i in enumerate(infos) if not i.is_dir()]
    if len(files) > limits.max_members:
        raise LimitExceededError(f"压缩包内文件过多（{len(files)} 个，上限 {limits.max_members} 个）：请分成几个压缩包提交。")
    members, total = [], 0
    for index, info in files:
        name = member_name(info)
        _check_member(info, name, limits)
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise LimitExceededError(f"压缩包解压后过大（超过 {limits.max_unpacked_bytes // 1024 // 1024} MB）：请分成几个压缩包提交。")
        members.append(Member(name=name, index=index, size=info.file_size))
    return members


def _check_member(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    if _unsafe(name):
        raise UnreadableError(f"压缩包内文件名“{name}”指向压缩包之外（含“..”或绝对路径），整个压缩包不予读取：请只压缩文件本身后重新提交。")
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise UnreadableError(f"压缩包内文件“{name}”已加密：请提交未加密的压缩包（不要设置密码）。")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnreadableError(f"压缩包内“{name}”是符号链接，不予读取：请只压缩文件本身后重新提交。")
    if info.file_size > limits.max_bytes:
        raise LimitExceededError(f"压缩包内文件“{name}”过大（{info.file_size / 1024 / 1024:.0f} MB，上限 "
                                 f"{limits.max_bytes // 1024 // 1024} MB）：请拆分后提交。")
    if info.compress_size and info.file_size > 1024 * 1024 and info.file_size / info.compress_size > MAX_RATIO:
        raise LimitExceededError(f"压缩包内文件“{name}”的压缩比异常（疑似“压缩炸弹”），整个压缩包不予读取：请直接提交原文件。")


def unpack(path: Path, members: list[Member], dest: Optional[Path], limits: Limits) -> list[tuple[Member, Path]]:
    """Write each member into `dest` as `NNN-name` (None: read them through,
    writing nothing, to check them). A member that expands beyond its
    declared size, or the packet beyond the limit, raises UnreadableError
    and leaves no member behind."""
    out: list[tuple[Member, Path]] = []
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            for member in members:
                target = dest / f"{member.index:04d}-{safe_name(PurePosixPath(member.name).name)}" if dest else None
                _copy_member(zf, infos[member.index], member, target)
                if target is not None:
                    out.append((member, target))
    except UnreadableError:
        for _, written in out:
            written.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        for _, written in out:
            written.unlink(missing_ok=True)
        raise UnreadableError("压缩包已损坏，部分文件无法解压：请重新压缩后提交。") from exc
    return out


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, member: Member, target: Optional[Path]) -> None:
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zf.open(info) as src, (target.open("xb") if target is not None else _Sink()) as out:
            for chunk in _chunks(src):
                written += len(chunk)
                if written > member.size:
                    raise LimitExceededError(f"压缩包内文件“{member.name}”解压后大于其声明的大小（疑似“压缩炸弹”），整个压缩包不予读取。")
                out.write(chunk)
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise


def _chunks(src: IO[bytes]) -> Iterator[bytes]:
    while chunk := src.read(_CHUNK):
        yield chunk


class _Sink:
    """A file that forgets what is written (checking a packet without unpacking it)."""

    def __enter__(self) -> "_Sink":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        return None
