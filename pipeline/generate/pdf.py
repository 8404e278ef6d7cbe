"""DOCX -> PDF with headless LibreOffice, and the 工作报表 bundle.

One `soffice --convert-to pdf` run converts many files (LibreOffice's start
costs ~3 s, each further file ~0.25 s), with a private profile that the
converter keeps for its lifetime; several runs go at once, one per core.
A conversion failure is logged and gives
None: it never blocks the DOCX. `bundle` puts a work report's PDF in front of
its period's contract scans, one bookmark per document.

Documents are exported as PDF/A-2b (`PDFA_EXPORT`); the bundle is not
PDF/A (merging breaks it) and says so in its metadata (`BUNDLE_NOTE`).
"""

from __future__ import annotations

import io
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Optional

from ..atomic import atomic_path
from ..models import Limits
from .scratch import SCRATCH_PREFIX, drop_stale_scratch, room_for, scratch_parent

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
# The templates name Windows fonts; map them to the free CJK fonts (fonts-noto-cjk)
# so that LibreOffice does not fall back to Japanese glyph forms or a sans serif.
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
%s
</fontconfig>
"""
FONT_ALIASES = {
    ("宋体", "SimSun", "NSimSun", "新宋体", "仿宋", "FangSong", "仿宋_GB2312", "楷体", "KaiTi", "方正小标宋简体"):
        ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei"): ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
    ("Times New Roman",): ("Liberation Serif", "DejaVu Serif"),
    ("Segoe UI Symbol",): ("DejaVu Sans",),
}
A4_INCH = (8.27, 11.69)
# LibreOffice's PDF export as PDF/A-2b (its PDF export filter's version
# option, 2 = PDF/A-2b): fonts embedded, XMP identification, sRGB output
# intent, no encryption, no JavaScript.
PDFA_EXPORT = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
# Files given to one `soffice` run at most: LibreOffice reads ~253 command-line
# arguments and silently drops the rest (with our ten options, 243 of 300
# files were converted, exit status 0); a longer list is converted in turns.
FILES_PER_RUN = 200
# What the bundle says of itself: merging with pypdf keeps neither the XMP
# identification nor the output intent, and a scan inside need not be PDF/A.
BUNDLE_NOTE = "本文件由工作报表与合同原件合并而成，不是 PDF/A 归档格式；长期存档请使用各自的 PDF/A 文件（工作报表 PDF、合同的可检索 PDF）。"


class PdfConverter:
    """Converts DOCX files to PDF; reuse one instance for a batch, then close().

    With `processes` > 1, a list is split between that many LibreOffice
    processes running at once, each with its own profile (one profile cannot
    be shared), so conversion uses every core. `submit` starts a conversion
    in the background and returns a Future, so the caller can render the
    next documents meanwhile."""

    def __init__(self, soffice: Optional[str] = None, timeout: float = 300.0, processes: int = 1) -> None:
        self.soffice = soffice or shutil.which("soffice") or shutil.which("libreoffice")
        self.timeout = timeout
        self.processes = max(1, processes)
        self._scratch: Optional[Path] = None
        self._reason: Optional[str] = None
        self._checked = False
        self._lock = threading.Lock()  # the scratch folder is made once, whichever thread asks first
        self._threads: Optional[ThreadPoolExecutor] = None
        self._profiles: "queue.SimpleQueue[int]" = queue.SimpleQueue()
        for slot in range(self.processes):
            self._profiles.put(slot)

    # ------------------------------------------------------------ availability
    def is_available(self) -> bool:
        return self.unavailable_reason() is None

    def unavailable_reason(self) -> Optional[str]:
        """None when PDFs can be made; else a Chinese sentence saying why not."""
        if not self._checked:
            self._checked = True
            if not self.soffice:
                self._reason = ("未安装 LibreOffice（找不到 soffice 命令），无法生成 PDF，只生成 Word 文件："
                                "请安装 libreoffice-writer-nogui 和 fonts-noto-cjk。")
            elif not _has_cjk_font():
                self._reason = "未安装中文字体，生成的 PDF 会缺字，因此只生成 Word 文件：请安装 fonts-noto-cjk。"
        return self._reason

    # ------------------------------------------------------------ conversion
    def convert(self, docx: Path, out_dir: Optional[Path] = None) -> Optional[Path]:
        """The PDF beside the DOCX (or in out_dir); None when conversion failed."""
        return self.convert_many([docx], out_dir)[Path(docx)]

    def convert_many(self, files: Iterable[Path], out_dir: Optional[Path] = None) -> dict[Path, Optional[Path]]:
        """Convert every file, split between at most `processes` LibreOffice
        runs at once. Returns file -> PDF path (beside it, or in out_dir), or None."""
        files = list(dict.fromkeys(Path(f) for f in files))
        result: dict[Path, Optional[Path]] = {f: None for f in files}
        for future in self.submit_split({f: Path(out_dir or f.parent) for f in files}):
            result.update(future.result())
        return result

    def submit_split(self, targets: dict[Path, Path]) -> "list[Future[dict[Path, Optional[Path]]]]":
        """`submit` of `targets` split into as many LibreOffice runs as may
        run at once (a batch's 200 receipts in one run kept one core busy
        for 24 s while the other waited)."""
        items = list(targets.items())
        return [self.submit(dict(items[i :: self.processes])) for i in range(min(self.processes, len(items)))]

    def submit(self, targets: dict[Path, Path]) -> "Future[dict[Path, Optional[Path]]]":
        """Convert file -> its output folder with ONE LibreOffice run, in the
        background (at most `processes` at once)."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.processes, thread_name_prefix="soffice")
        return self._threads.submit(self._convert, dict(targets))

    def _convert(self, targets: dict[Path, Path]) -> dict[Path, Optional[Path]]:
        """Inputs are linked under unique names, since LibreOffice names its
        output after the stem. On failure, what was converted is still used."""
        result: dict[Path, Optional[Path]] = {Path(f): None for f in targets}
        if not targets:
            return result
        soffice = self.soffice
        if not self.is_available() or soffice is None:  # (not available when there is no soffice)
            log.warning("PDF 未生成：%s", self._reason)
            return result
        scratch = self._scratch_dir()
        slot = self._profiles.get()
        tmp_in = Path(tempfile.mkdtemp(dir=scratch, prefix="in-"))
        # the PDFs wait in the scratch until copied; in RAM only while they fit there
        tmp_out = Path(tempfile.mkdtemp(dir=scratch if room_for(scratch, result) else None, prefix="pipeline-pdf-"))
        try:
            links = {}
            for i, f in enumerate(result):
                link = tmp_in / f"{i:05d}{f.suffix}"
                os.symlink(f.resolve(), link)
                links[f] = link
            cmd = [soffice, f"-env:UserInstallation={(scratch / f'profile-{slot}').as_uri()}", "--headless",
                   "--invisible", "--nologo", "--norestore", "--nolockcheck", "--convert-to", PDFA_EXPORT,
                   "--outdir", str(tmp_out)]
            inputs = [str(link) for link in links.values()]
            for start in range(0, len(inputs), FILES_PER_RUN):
                turn = inputs[start : start + FILES_PER_RUN]
                self._call([*cmd, *turn], self.timeout + 5.0 * len(turn))  # a long list gets its time
            for f, link in links.items():
                made = tmp_out / (link.stem + ".pdf")
                if not made.is_file() or _head(made) != b"%PDF-":
                    log.warning("PDF 转换失败：%s", f.name)
                    continue
                target = Path(targets[f]) / (f.stem + ".pdf")
                try:
                    result[f] = _move_atomic(made, target)
                except OSError as exc:
                    log.warning("PDF 无法写入 %s：%s", target, exc)
        finally:
            self._profiles.put(slot)
            shutil.rmtree(tmp_in, ignore_errors=True)
            shutil.rmtree(tmp_out, ignore_errors=True)
        return result

    def _call(self, cmd: list[str], timeout: float) -> bool:
        scratch = self._scratch_dir()
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp", FONTCONFIG_FILE=str(scratch / "fonts.conf"),
                   TMPDIR=str(scratch / "tmp"))
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        except OSError as exc:
            log.warning("无法启动 LibreOffice：%s", exc)
            return False
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # soffice and the soffice.bin it started
            proc.communicate()
            log.warning("LibreOffice 转换超时（%s 秒），已终止。", round(timeout))
            return False
        if proc.returncode != 0:
            log.warning("LibreOffice 退出码 %s：%s", proc.returncode, err.decode("utf-8", "replace")[-500:])
            return False
        return True

    def _scratch_dir(self) -> Path:
        with self._lock:
            if self._scratch is None:
                parent = scratch_parent()
                if parent is not None:
                    drop_stale_scratch(Path(parent))
                self._scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent))
                weakref.finalize(self, shutil.rmtree, str(self._scratch), True)  # if close() is never called
                (self._scratch / "tmp").mkdir()  # LibreOffice's own temporary files (TMPDIR)
                (self._scratch / "fonts.conf").write_text(FONTS_CONF % _aliases(), encoding="utf-8")
            return self._scratch

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> "PdfConverter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _aliases() -> str:
    out = []
    for names, prefer in FONT_ALIASES.items():
        families = "".join(f"<family>{p}</family>" for p in prefer)
        for name in names:
            out.append(f'  <alias binding="same"><family>{name}</family><prefer>{families}</prefer></alias>')
    return "\n".join(out)


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return True  # cannot tell: let LibreOffice try
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(out.strip())


def _head(path: Path) -> bytes:
    """A file's first five bytes (a PDF's "%PDF-"), not the whole file."""
    with open(path, "rb") as fh:
        return fh.read(5)


def _move_atomic(src: Path, target: Path) -> Path:
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
    return target


# --------------------------------------------------------------------------- bundle
def image_pdf(path: Path, limits: Limits = Limits()) -> bytes:
    """A JPG/PNG as a one-page PDF that fits A4, its data embedded as it is
    (img2pdf: no decoding, no recompression; the EXIF orientation becomes
    the page's /Rotate)."""
    from PIL import Image

    from ..searchable import image_pdf as embedded

    with Image.open(path) as img:  # the header only
        if img.width * img.height > limits.max_pixels:
            raise ValueError(f"图片过大（{img.width}×{img.height}）")
    return embedded(path, fit_a4)


def fit_a4(width_px: int, height_px: int, dpi: object = None) -> tuple[float, float, float, float]:
    """img2pdf's layout: the page is the image at the resolution at which it
    fits A4 (upright or across, as the image is), 72 dpi at least, so a
    small image is not blown up; (page width, height, image width, height) in points."""
    w_in, h_in = A4_INCH if height_px >= width_px else A4_INCH[::-1]
    resolution = max(width_px / w_in, height_px / h_in, 72.0)
    width, height = width_px / resolution * 72.0, height_px / resolution * 72.0
    return width, height, width, height


def bundle(work_report_pdf: Path, contract_files: list[Path], out: Path) -> Path:
    """One PDF: the 工作报表, then each contract (PDF, JPG or PNG) in the order
    given, with a bookmark per document. An attachment that cannot be read is
    logged and left out; the work report itself must be readable. Pages are
    copied object for object (pikepdf: a batch's 33 bundles 0.1 s, against
    1.2 s with pypdf, which parses and rewrites every object)."""
    import pikepdf

    sources: list[pikepdf.Pdf] = []
    try:
        sources.append(pikepdf.open(work_report_pdf))
        marks = [("工作报表", 0)]
        for i, f in enumerate(map(Path, contract_files), start=1):
            try:
                source = _contract_pdf(f)
            except Exception as exc:  # pikepdf, img2pdf and Pillow raise many kinds
                log.warning("合同附件无法读取，未并入 %s：%s", f.name, exc)
                continue
            if source is not None:
                marks.append((f"合同{i}：{f.stem}", sum(len(s.pages) for s in sources)))
                sources.append(source)
        return _write_bundle(sources, marks, Path(work_report_pdf).stem, Path(out))
    finally:
        for source in sources:
            source.close()


def _contract_pdf(path: Path):
    """A contract file opened as a PDF (an image as a page that fits A4);
    None, logged, for a kind of file a bundle cannot hold."""
    import pikepdf

    if path.suffix.lower() in IMAGE_SUFFIXES:
        return pikepdf.open(io.BytesIO(image_pdf(path)))
    if path.suffix.lower() == ".pdf":
        return pikepdf.open(path)  # an empty user password opens by itself
    log.warning("合同附件类型不支持，未并入：%s", path.name)
    return None


def _write_bundle(sources: list, marks: list[tuple[str, int]], title: str, out: Path) -> Path:
    """The pages of `sources` in one PDF, a bookmark per (title, first page)
    in `marks`, written atomically to `out` (the sources stay open until it
    is written: pikepdf reads their streams then)."""
    import pikepdf

    with pikepdf.new() as pdf:
        for source in sources:
            pdf.pages.extend(source.pages)
        with pdf.open_outline() as outline:
            outline.root.extend(pikepdf.OutlineItem(name, page) for name, page in marks)
        pdf.Root.PageMode = pikepdf.Name.UseOutlines
        pdf.docinfo[pikepdf.Name.Title] = f"备案材料：{title}"
        pdf.docinfo[pikepdf.Name.Subject] = BUNDLE_NOTE
        with atomic_path(out) as tmp:
            pdf.save(tmp)
    return out
