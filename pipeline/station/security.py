"""Who may do what: signed, expiring session cookies; a CSRF token on every
form; viewers read only; a pause after too many wrong passwords; response
headers that keep the pages to themselves."""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Optional

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_SECONDS = 8 * 3600       # a session ends after 8 hours without a request
MAX_FAILURES = 5                 # wrong passwords in a row before a pause
PAUSE_SECONDS = 60.0


def secret_key(state: Path) -> str:
    """The key sessions are signed with: made once, kept in the state folder (mode 600)."""
    path = Path(state) / "station.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(request: Request, sent: Optional[str]) -> bool:
    token = request.session.get("csrf")
    return bool(token and sent and hmac.compare_digest(str(token), str(sent)))


def user(request: Request) -> Optional[str]:
    name = request.session.get("user")
    return str(name) if name else None


def is_officer(request: Request) -> bool:
    return request.session.get("role") == "officer"


class Throttle:
    """Wrong passwords per account name: after MAX_FAILURES in a row the
    name is paused for `pause` seconds, whatever password comes next."""

    def __init__(self, pause: float = PAUSE_SECONDS, limit: int = MAX_FAILURES) -> None:
        self.pause, self.limit = pause, limit
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str) -> float:
        """Seconds the name must still wait (0: may try)."""
        with self._lock:
            count, until = self._fails.get(name, (0, 0.0))
            return max(0.0, until - time.monotonic()) if count >= self.limit else 0.0

    def failed(self, name: str) -> None:
        with self._lock:
            count, _ = self._fails.get(name, (0, 0.0))
            count = count + 1
            self._fails[name] = (count, time.monotonic() + self.pause if count >= self.limit else 0.0)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._fails.pop(name, None)


HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds HEADERS to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)
