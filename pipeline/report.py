"""`pipeline status`: what is on the ledger, what needs a person, what waits."""

from __future__ import annotations

from pathlib import Path

from .batch import generation_unavailable
from .inbox import scan
from .ledger import Ledger
from .models import KIND_ZH, STATUS_ZH
from .settings import Settings


def status_text(settings: Settings, ledger: Ledger, newest: int = 10) -> str:
    lines = ["台账概况："]
    counts = ledger.counts()
    if not counts:
        lines.append("  （台账为空）")
    for kind, status, n in counts:
        lines.append(f"  {KIND_ZH.get(kind, kind)}  {STATUS_ZH.get(status, status)}：{n}")
    lines.append(f"  重复提交：{ledger.duplicates()}")
    problems = [r for r in ledger.records() if r.status != "accepted"]
    lines.append(f"\n需处理的文件（最新 {min(newest, len(problems))} 个，共 {len(problems)} 个）：")
    for rec in problems[-newest:][::-1]:
        first = rec.all_issues[0].message if rec.all_issues else ""
        lines.append(f"  {rec.source}（{STATUS_ZH[rec.status]}）：{first}")
    missing = missing_searchable(ledger)
    lines.append(f"\n扫描件与照片的可检索 PDF：缺少 {missing} 个" + ("（运行 pipeline reprocess 补做）" if missing else ""))
    waiting = sum(1 for _ in scan(settings.inbox)) if settings.inbox.is_dir() else 0
    lines.append(f"\n收件目录中等待处理：{waiting} 个文件")
    lines.append(f"扫描件识别引擎：{ocr_engine_line()}")
    unavailable = generation_unavailable()
    if unavailable:
        lines.append(f"文书生成：不可用：{unavailable}")
    else:
        from .generate.pdf import PdfConverter

        reason = PdfConverter().unavailable_reason()
        if reason:
            lines.append(f"PDF 输出：不可用：{reason}")
    return "\n".join(lines)


def missing_searchable(ledger: Ledger) -> int:
    """Scanned filings with text read whose searchable PDF is not in the archive."""
    missing = 0
    for rec in ledger.records():
        unreadable = any(i.code == "UNREADABLE" for i in rec.issues)
        if rec.ocr and not unreadable and not (rec.searchable and Path(rec.searchable).exists()):
            missing += 1
    return missing


def ocr_engine_line() -> str:
    """The OCR runtime each worker picks (the same environment, the same choice)."""
    from .extract.read import ocr_engine

    if not ocr_engine.is_available():
        return "不可用：未安装 rapidocr、识别运行库或其模型文件，扫描件和照片将无法识别"
    return ocr_engine.runtime_description()
