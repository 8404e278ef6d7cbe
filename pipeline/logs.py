"""Logging for people and for machines: `--log-format text` writes one
plain line per message, `--log-format json` one JSON object per message
(a log shipper reads it as is). A filing's outcome is logged as an event:
the message carries its fields in `extra={"event": {...}}`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, Optional

LOGGER = "pipeline"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, and the event's fields (or
    the message); a traceback under `error`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {"time": _time(record), "level": record.levelname.lower()}
        event = getattr(record, "event", None)
        payload.update(event if isinstance(event, dict) else {"message": record.getMessage()})
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time file kind status NNms reason` for events, the message otherwise."""

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "event", None)
        if not isinstance(event, dict):
            return super().format(record)
        reason = f" {event['reason']}" if event.get("reason") else ""
        return (f"{_time(record)} {event.get('file')} {event.get('kind') or '-'} {event.get('status')} "
                f"{event.get('ms', 0)}ms{reason}")


def _time(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created).isoformat(timespec="seconds")


def setup_logging(fmt: str = "text", stream: Optional[Any] = None) -> None:
    """Route the pipeline's log to stderr in the chosen format (once per process)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)  # libraries' notes (e.g. pikepdf's on loading) are not the officer's business
    logging.getLogger("pipeline").setLevel(logging.INFO)  # this program's own modules log under "pipeline."


def log_event(logger: logging.Logger, **event: Any) -> None:
    """Log one filing's outcome (file, kind, status, ms, and e.g. reason)."""
    logger.info("%s %s %s", event.get("file"), event.get("kind"), event.get("status"), extra={"event": event})
