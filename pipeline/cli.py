"""The command line: each command parses its options and calls one library
function. Exit codes (also in the README):

  0  every file got a record (whatever its status)
  1  an unexpected internal error
  2  bad options or settings
  3  a named file does not exist (the other files are still processed)
  5  the state folder is in use by another pipeline process
  130  process/reprocess stopped by Ctrl+C or SIGTERM (what was filed stays filed)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from .errors import InputNotFoundError, Interrupted, PipelineError, UsageError

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
    explain: bool = typer.Option(False, "--explain", help="以表格列出每个字段的值及其出处（页、标签、位置、坐标、置信度）"),
) -> None:
    """读取文件，每份材料输出一行 JSON 记录（JSON Lines）；压缩包和合订的 PDF 先输出“材料包”记录，再逐份输出；
    --explain 时输出每个字段的出处表。"""
    from .explain import explain_file
    from .members import records_of_file

    day = _date(received_on)
    missing = 0
    for path in files:
        if not path.is_file():
            err = InputNotFoundError(str(path))
            typer.echo(err.message, err=True)
            missing += 1
            continue
        if explain:
            sys.stdout.write(explain_file(path, day) + "\n\n")
            sys.stdout.flush()
            continue
        for record in records_of_file(path, day):
            sys.stdout.write(json.dumps(record.to_json_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
    if missing:
        raise typer.Exit(InputNotFoundError.exit_code)


def _settings(**options: object):
    from .settings import build_settings

    try:
        return build_settings(**options)
    except ValueError as exc:
        raise UsageError(f"设置有误：{exc}") from exc


def _logging(fmt: str) -> None:
    from .logs import setup_logging

    setup_logging(fmt)


def _watcher(settings, ledger, received_on: Optional[dt.date] = None):
    """The watcher of `process` and `watch`, its workers started first: they
    start up while this process checks that it can make documents (0.3 s:
    the templates test-rendered, LibreOffice and the CJK fonts looked for)."""
    from .pool import Reader
    from .watch import Watcher

    reader = Reader(settings.workers, settings.limits)
    reader.warm()
    try:
        return Watcher(settings, ledger, _outputs(settings), received_on=received_on, reader=reader)
    except BaseException:
        reader.close()
        raise


def _outputs(settings):
    """The output half of each batch (documents, digest); None, and the log
    says why, when this installation cannot make documents."""
    from .batch import outputs_for

    return outputs_for(settings)


InboxOpt = typer.Option(None, "--inbox", help="收件目录（默认 inbox/，或 PIPELINE_INBOX）")
OutboxOpt = typer.Option(None, "--outbox", help="输出目录（默认 outbox/，或 PIPELINE_OUTBOX）")
StateOpt = typer.Option(None, "--state", help="状态目录：台账与原件存档（默认 state/，或 PIPELINE_STATE）")
PollOpt = typer.Option(None, "--polling", help="改用轮询，每 N 秒扫描一次（网络共享目录用）")
LogOpt = typer.Option(None, "--log-format", help="日志格式：text 或 json")


@contextlib.contextmanager
def _stoppable(message: str) -> Iterator[None]:
    """A stop signal (SIGTERM: a service manager, `kill`) ends the command
    as Ctrl+C does: the batch stops where it is, the worker pool and
    LibreOffice runs are shut, the ledger is closed; then `message` and
    exit code 130 (what is filed stays filed; the inbox keeps the rest)."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # raises KeyboardInterrupt
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(message) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def watch(inbox: Optional[Path] = InboxOpt, outbox: Optional[Path] = OutboxOpt, state: Optional[Path] = StateOpt,
          polling: Optional[float] = PollOpt, log_format: Optional[str] = LogOpt) -> None:
    """持续监视收件目录，逐个处理写入完成的文件（Ctrl+C 停止）。"""
    import threading

    from .ledger import Ledger

    settings = _settings(inbox=inbox, outbox=outbox, state=state, polling=polling, log_format=log_format)
    _logging(settings.log_format)
    ledger = Ledger(settings.ledger_path)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"正在监视 {settings.inbox} → {settings.outbox}（台账：{settings.ledger_path}），按 Ctrl+C 停止。", err=True)
    try:
        _watcher(settings, ledger).run(stop)
    finally:
        ledger.close()


@app.command()
def process(inbox: Optional[Path] = InboxOpt, outbox: Optional[Path] = OutboxOpt, state: Optional[Path] = StateOpt,
            polling: Optional[float] = PollOpt, log_format: Optional[str] = LogOpt,
            received_on: Optional[str] = typer.Option(None, "--received-on", help="按此收件日期登记（补录早先收到的材料）")) -> None:
    """处理收件目录中现有的全部文件，然后退出。"""
    from .inbox import scan
    from .ledger import Ledger

    settings = _settings(inbox=inbox, outbox=outbox, state=state, polling=polling, log_format=log_format)
    _logging(settings.log_format)
    ledger = Ledger(settings.ledger_path)
    try:
        with _stoppable("处理已中断：已登记的文件都在台账中，其余文件仍在收件目录，下次运行时继续处理。"):
            watcher = _watcher(settings, ledger, _date(received_on))
            if sys.stderr.isatty():
                from rich.progress import Progress

                total = sum(1 for _ in scan(settings.inbox))
                with Progress(transient=True) as bar:
                    task = bar.add_task("处理中", total=total)
                    done = watcher.run_once(lambda n: bar.advance(task, n))
            else:
                done = watcher.run_once()
        typer.echo(f"完成：处理 {done} 个文件。", err=True)
    finally:
        ledger.close()


@app.command()
def reprocess(state: Optional[Path] = StateOpt, outbox: Optional[Path] = OutboxOpt,
              kind: Optional[str] = typer.Option(None, "--kind", help="只重新处理此类别"),
              since: Optional[str] = typer.Option(None, "--since", help="只重新处理此日期（含）之后收到的文件")) -> None:
    """用当前的提取程序重新读取已存档的原件，并更新记录与输出。"""
    from .batch import reprocess as run
    from .ledger import Ledger

    settings = _settings(state=state, outbox=outbox)
    _logging(settings.log_format)
    ledger = Ledger(settings.ledger_path)
    try:
        with _stoppable("重新处理已中断：已重新读取的记录已更新，其余记录保持原样；再次运行 pipeline reprocess 即可。"):
            outputs = _outputs(settings)
            if sys.stderr.isatty():
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("重新处理中", total=None)
                    n = run(settings, ledger, kind, _date(since), outputs=outputs,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
            else:
                n = run(settings, ledger, kind, _date(since), outputs=outputs)
        typer.echo(f"完成：重新处理 {n} 个文件。", err=True)
    finally:
        ledger.close()


@app.command()
def records(state: Optional[Path] = StateOpt) -> None:
    """输出台账中的全部记录（JSON Lines）。"""
    from .ledger import Ledger

    settings = _settings(state=state)
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        for rec in ledger.records():
            sys.stdout.write(json.dumps(rec.to_json_dict(), ensure_ascii=False) + "\n")
    finally:
        ledger.close()


ByOpt = typer.Option(..., "--by", help="更正人姓名（记入台账）")
ReasonOpt = typer.Option(None, "--reason", help="原因（记入台账与回执）")


def _review(action: str, state: Optional[Path], outbox: Optional[Path], *args: object, **options: object) -> None:
    """Run one review action on the ledger, then bring the outputs up to date."""
    from .review import run_action

    record = run_action(_settings(state=state, outbox=outbox), action, *args, **options)
    sys.stdout.write(json.dumps(record.to_json_dict(), ensure_ascii=False) + "\n")


@app.command()
def correct(sha: str = typer.Argument(..., help="记录编号：sha256 或其开头几位"),
            field: str = typer.Argument(..., help="字段名（如 local_contact_phone；工作报表各行 rows.0.client_phone）"),
            value: str = typer.Argument(..., help="更正后的值"), by: str = ByOpt, reason: Optional[str] = ReasonOpt,
            state: Optional[Path] = StateOpt, outbox: Optional[Path] = OutboxOpt) -> None:
    """更正一条记录的一个字段（按提取时的规则检查新值），并更新文书、回执与汇总。"""
    _review("correct", state, outbox, sha, field, value, by=by, reason=reason)


@app.command()
def accept(sha: str = typer.Argument(..., help="记录编号：sha256 或其开头几位"), by: str = ByOpt,
           reason: Optional[str] = ReasonOpt, state: Optional[Path] = StateOpt, outbox: Optional[Path] = OutboxOpt) -> None:
    """核对无误，受理该记录。"""
    _review("accept", state, outbox, sha, by=by, reason=reason)


@app.command()
def reject(sha: str = typer.Argument(..., help="记录编号：sha256 或其开头几位"), by: str = ByOpt,
           reason: str = typer.Option(..., "--reason", help="退回原因（写入回执）"),
           state: Optional[Path] = StateOpt, outbox: Optional[Path] = OutboxOpt) -> None:
    """退回该记录，写明原因。"""
    _review("reject", state, outbox, sha, by=by, reason=reason)


@app.command()
def kind(sha: str = typer.Argument(..., help="记录编号：sha256 或其开头几位"),
         new_kind: str = typer.Argument(..., metavar="KIND", help="contract、report_letter、commitment 或 work_report"),
         by: str = ByOpt, reason: Optional[str] = ReasonOpt, state: Optional[Path] = StateOpt,
         outbox: Optional[Path] = OutboxOpt) -> None:
    """更正材料类别：按新类别重新提取字段。"""
    _review("kind", state, outbox, sha, new_kind, by=by, reason=reason)


@app.command()
def search(text: str = typer.Argument(..., help="要查找的文字（一个字起即可）"),
           kind: Optional[str] = typer.Option(None, "--kind", help="只查此类别（contract、report_letter 等）"),
           agency: Optional[str] = typer.Option(None, "--agency", help="只查此机构（名称）"),
           since: Optional[str] = typer.Option(None, "--since", help="只查此日期（含）之后收到的材料"),
           state: Optional[Path] = StateOpt) -> None:
    """全文检索全部材料（文字、识别结果、字段与更正），每条命中输出一行 JSON（含上下文 snippet）。"""
    from .ledger import Ledger
    from .search import search_lines

    settings = _settings(state=state)
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        for line in search_lines(ledger, text, kind, agency, _date(since)):
            sys.stdout.write(line + "\n")
    finally:
        ledger.close()


@app.command()
def digest(state: Optional[Path] = StateOpt, outbox: Optional[Path] = OutboxOpt,
           as_of: Optional[str] = typer.Option(None, "--as-of", help="统计截止日期 YYYY-MM-DD（默认今天）")) -> None:
    """生成监管汇总：outbox/监管汇总.xlsx 与 outbox/index.html。"""
    import datetime as dt

    from .digest import refresh_digest
    from .ledger import Ledger

    settings = _settings(state=state, outbox=outbox)
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        book, page = refresh_digest(settings.outbox, list(ledger.records()), _date(as_of) or dt.date.today())
    finally:
        ledger.close()
    typer.echo(f"已生成：{book}\n已生成：{page}", err=True)


@app.command()
def status(state: Optional[Path] = StateOpt, inbox: Optional[Path] = InboxOpt, outbox: Optional[Path] = OutboxOpt) -> None:
    """台账概况：各类别、各状态的数量，最新问题，等待处理的文件。"""
    from .ledger import Ledger
    from .report import status_text

    settings = _settings(state=state, inbox=inbox, outbox=outbox)
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        typer.echo(status_text(settings, ledger))
    finally:
        ledger.close()


user_app = typer.Typer(add_completion=False, no_args_is_help=True, help="审核工作站的账号。")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(name: str = typer.Argument(..., help="用户名（审核人员姓名）"),
             role: str = typer.Option("officer", "--role", help="officer（可更正、受理、退回）或 viewer（只读）"),
             state: Optional[Path] = StateOpt) -> None:
    """新建账号或重设密码：密码从标准输入读取（第二行若有，须与第一行相同）。"""
    from .accounts import add_user, passwords_from

    settings = _settings(state=state)
    add_user(settings.state, name, role, passwords_from(sys.stdin.read()))
    typer.echo(f"已保存账号：{name}（{role}）", err=True)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认仅本机；0.0.0.0 向办公网开放）"),
          port: int = typer.Option(8000, "--port", help="端口"), state: Optional[Path] = StateOpt,
          outbox: Optional[Path] = OutboxOpt, inbox: Optional[Path] = InboxOpt,
          watch_inbox: bool = typer.Option(False, "--watch", help="同时监视收件目录（make run 即如此）"),
          log_format: Optional[str] = LogOpt) -> None:
    """启动审核工作站（本地网页）。"""
    from .station.server import serve as run

    settings = _settings(state=state, outbox=outbox, inbox=inbox, log_format=log_format)
    _logging(settings.log_format)
    run(settings, host, port, watch_inbox)


def main() -> None:
    try:
        app()
    except PipelineError as exc:
        typer.echo(exc.message, err=True)
        sys.exit(exc.exit_code)
