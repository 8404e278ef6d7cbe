"""The command line: JSON Lines output, exit codes, and every command
documented in the README with a working --help (as sqlite-utils does)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).parent / "data" / "samples"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}, timeout=300)


def test_extract_prints_one_json_line_per_file_in_chinese() -> None:
    out = run("extract", "--received-on", "2021-02-23", str(SAMPLES / "doc_0004.docx"), str(SAMPLES / "doc_0028.pdf"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["source"] == "doc_0004.docx" and first["kind"] == "report_letter"
    assert "常州市鸿安职业技能培训学校" in lines[0]  # no ASCII escaping of Chinese
    assert first["received_on"] == "2021-02-23"


def test_missing_file_gets_exit_code_3_and_others_still_processed(tmp_path: Path) -> None:
    out = run("extract", str(tmp_path / "没有这个文件.pdf"), str(SAMPLES / "doc_0022.docx"))
    assert out.returncode == 3
    assert "找不到文件" in out.stderr
    assert json.loads(out.stdout.splitlines()[0])["kind"] == "commitment"


def test_bad_date_is_a_usage_error() -> None:
    out = run("extract", "--received-on", "2021/02/30", str(SAMPLES / "doc_0022.docx"))
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr


def test_unreadable_file_is_a_record_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 20)
    out = run("extract", str(bad))
    assert out.returncode == 0
    record = json.loads(out.stdout)
    assert record["status"] == "rejected" and record["issues"][0]["code"] == "UNREADABLE"


COMMANDS = ["extract", "watch", "process", "reprocess", "records", "search", "correct", "accept", "reject", "kind", "digest",
            "status", "user", "serve"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command: str) -> None:
    out = run(command, "--help")
    assert out.returncode == 0 and "Usage" in out.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`pipeline {command}\b", readme), f"README does not document `pipeline {command}`"


def test_readme_lists_exactly_the_commands_the_cli_has() -> None:
    out = run("--help")
    listed = set(re.findall(r"│ (\w+)\s{2,}", out.stdout))
    assert listed == set(COMMANDS)


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)  # `process` makes the PDFs when LibreOffice is there
def test_process_logs_one_json_line_per_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("doc_0004.docx", "doc_0022.docx"):
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    out = run("process", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"), "--state", str(tmp_path / "state"),
              "--log-format", "json", "--received-on", "2021-02-23", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    logged = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
    assert logged and all({"time", "level"} <= set(e) for e in logged)
    events = [e for e in logged if "file" in e]
    assert sorted(e["file"] for e in events) == ["doc_0004.docx", "doc_0022.docx"]
    assert all({"time", "file", "kind", "status", "ms"} <= set(e) for e in events)
    assert {e["kind"] for e in events} == {"report_letter", "commitment"}
    records = [json.loads(line) for line in run("records", "--state", str(tmp_path / "state"), cwd=tmp_path).stdout.splitlines()]
    assert all(r["received_on"] == "2021-02-23" and Path(r["archive"]).is_file() for r in records)


def test_the_log_holds_the_pipelines_lines_and_libraries_warnings_only() -> None:
    """The officer's console: a library's notes (pikepdf said "C++ to Python
    logger bridge initialized" in the middle of the filings) stay out; the
    pipeline's own lines and any library's warnings stay in."""
    import io
    import logging

    from pipeline.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("pipeline").level
    buf = io.StringIO()
    try:
        setup_logging("text", buf)
        logging.getLogger("pikepdf._core").info("logger bridge initialized")
        logging.getLogger("pipeline.generate.pdf").info("PDF 已生成")
        logging.getLogger("pipeline").info("doc_0004.docx report_letter accepted")
        logging.getLogger("some.library").warning("磁盘将满")
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        logging.getLogger("pipeline").setLevel(saved[2])
    assert buf.getvalue().splitlines() == ["PDF 已生成", "doc_0004.docx report_letter accepted", "磁盘将满"]
