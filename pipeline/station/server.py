"""`pipeline serve`: the station under uvicorn, alone or (`make run`) with
the watcher in the same process, sharing its background output thread so
that one generation run at a time brings the outbox up to date."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Optional

from ..errors import UsageError
from ..settings import Settings

log = logging.getLogger("pipeline")
NO_ACCOUNT = "还没有任何账号：请先运行 `pipeline user add 姓名` 创建审核人员账号，否则无法登录审核工作站。"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, watch: bool = False) -> None:
    import uvicorn

    from ..accounts import has_users
    from ..background import BackgroundOutputs
    from ..batch import outputs_for
    from ..ledger import Ledger
    from .app import create_app

    if not has_users(settings.state):
        if not watch:
            raise UsageError(NO_ACCOUNT)
        # `make run` on a fresh machine: filings are still taken in; the station waits for an account
        log.warning("%s 收件目录照常监视处理。", NO_ACCOUNT)
    # opened to the office network, the digest links by the machine's name
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    settings = settings.model_copy(update={"station_url": f"http://{shown}:{port}"})
    stop = threading.Event()
    watcher_thread: Optional[threading.Thread] = None
    outputs = outputs_for(settings)
    background = BackgroundOutputs(outputs, settings.ledger_path) if outputs is not None else None
    ledger: Optional[Ledger] = None
    if watch:
        from ..watch import Watcher

        ledger = Ledger(settings.ledger_path)  # the watcher owns the state folder
        watcher = Watcher(settings, ledger, None)
        watcher.outputs = background
        watcher_thread = threading.Thread(target=watcher.run, args=(stop,), name="watcher", daemon=True)
        watcher_thread.start()
    app = create_app(settings, background)
    print(f"审核工作站已启动：http://{shown}:{port}/ （按 Ctrl+C 停止）", flush=True)
    # uvicorn stops on SIGTERM, then raises it again for the handler it found:
    # this one, so that the watcher and its outputs are closed below rather
    # than the process ended mid-batch (a service stopped by systemd exits 0);
    # a SIGTERM before uvicorn listens ends the process the same way
    if threading.current_thread() is threading.main_thread():  # (signals are the main thread's)
        signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        stop.set()
        if watcher_thread is not None:
            watcher_thread.join(timeout=60)
        elif background is not None:
            background.close()
        if ledger is not None:
            ledger.close()


def _exit_cleanly(*_: object) -> None:
    raise SystemExit(0)
