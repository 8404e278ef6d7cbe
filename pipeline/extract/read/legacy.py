"""Legacy word-processor files (.doc, WPS 文字 .wps: both Word 97 binaries):
converted to .docx by a headless LibreOffice Writer when one is installed,
then read by the DOCX reader. Workbooks (.xls, WPS 表格 .et) are read
directly by the `xls` reader; the table below keeps a way for one that is
named .doc or .wps but is not recognised as a workbook."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import UnreadableError
from ...models import Document, Limits

_TARGET = {".doc": "docx", ".wps": "docx", ".xls": "xlsx", ".et": "xlsx"}
_NAMES = {".doc": "Word 97-2003（.doc）", ".wps": "WPS 文字（.wps）", ".xls": "Excel 97-2003（.xls）", ".et": "WPS 表格（.et）"}


def office_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def is_available() -> bool:
    return office_binary() is not None


def read(path: Path, limits: Limits) -> Document:
    suffix = path.suffix.lower()
    target = _TARGET.get(suffix, "docx")
    name = _NAMES.get(suffix, "旧版 Office")
    save_as = ".docx" if target == "docx" else ".xlsx"
    binary = office_binary()
    if binary is None:
        raise UnreadableError(
            f"这是{name}文件，本机未安装 LibreOffice，无法自动转换：请用 Word、Excel 或 WPS 打开，"
            f"“另存为” {save_as} 格式后重新提交。"
        )
    with tempfile.TemporaryDirectory(prefix="pipeline-convert-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        shutil.copyfile(path, src)
        try:
            subprocess.run(
                [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", target, "--outdir", tmp, str(src)],
                check=True, capture_output=True, timeout=120,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise UnreadableError(f"{name}文件转换失败：请用 Word、Excel 或 WPS “另存为” {save_as} 格式后重新提交。") from exc
        out = Path(tmp) / f"input.{target}"
        if not out.exists():
            raise UnreadableError(f"{name}文件转换失败：请用 Word、Excel 或 WPS “另存为” {save_as} 格式后重新提交。")
        from . import docx, xlsx

        reader = docx if target == "docx" else xlsx
        doc = reader.read(out, limits)
    return Document(pages=doc.pages, reader=f"legacy+{doc.reader}")
