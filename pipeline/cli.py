"""The command line: each command parses its options and calls one library
function. Exit codes (also in the README):

  0  every file got a record (whatever its status)
  1  an unexpected internal error
  2  bad options or settings
  3  a named file does not exist (the other files are still processed)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import InputNotFoundError, PipelineError, UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="武进区安全生产技术服务机构备案材料处理流水线。")


def _date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


@app.command()
def extract(
    files: List[Path] = typer.Argument(..., help="要读取的文件（可多个）"),
    received_on: Optional[str] = typer.Option(None, "--received-on", help="收件日期 YYYY-MM-DD（默认今天）"),
) -> None:
    """读取文件，每个文件输出一行 JSON 记录（JSON Lines）。"""
    from .flow import build_record

    day = _date(received_on)
    missing = 0
    for path in files:
        if not path.is_file():
            err = InputNotFoundError(str(path))
            typer.echo(err.message, err=True)
            missing += 1
            continue
        record = build_record(path, day)
        sys.stdout.write(json.dumps(record.to_json_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if missing:
        raise typer.Exit(InputNotFoundError.exit_code)


def main() -> None:
    try:
        app()
    except PipelineError as exc:
        typer.echo(exc.message, err=True)
        sys.exit(exc.exit_code)
