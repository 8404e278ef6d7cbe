"""One frozen settings object, built once: environment variables
`PIPELINE_*` first, then command-line options, then passed down explicitly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import UsageError
from .forms import folder as forms_folder
from .models import Limits


def default_workers() -> int:
    """The cores this process may use (one worker each)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIPELINE_", frozen=True)

    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    state: Path = Path("state")
    polling: Optional[float] = Field(default=None, description="poll every N seconds instead of native events")
    stable_seconds: float = 2.0
    rescan_seconds: float = 30.0
    log_format: Literal["text", "json"] = "text"
    forms: Path = forms_folder()  # the templates shipped in the package (pipeline.forms)
    max_bytes: int = Limits().max_bytes
    max_pages: int = Limits().max_pages
    max_pixels: int = Limits().max_pixels
    max_unpacked_bytes: int = Limits().max_unpacked_bytes
    station_url: Optional[str] = None  # the review station's address while it runs (the digest links to it)
    workers: int = Field(default_factory=lambda: default_workers(), ge=1)

    @property
    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_bytes, max_pages=self.max_pages, max_pixels=self.max_pixels,
                      max_unpacked_bytes=self.max_unpacked_bytes)

    @property
    def archive(self) -> Path:
        return self.state / "archive"

    @property
    def ledger_path(self) -> Path:
        return self.state / "ledger.sqlite3"

    @property
    def review(self) -> Path:
        return self.outbox / "待处理"


def build_settings(**overrides: object) -> Settings:
    """Settings from the environment, with the given CLI options on top
    (None means 'not given')."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]


def check_layout(settings: Settings) -> None:
    """Refuse an outbox or state folder inside the inbox (a loop)."""
    inbox = settings.inbox.resolve()
    for name, folder in (("outbox", settings.outbox), ("state", settings.state)):
        path = folder.resolve()
        if path == inbox or inbox in path.parents:
            raise UsageError(f"{name} 目录（{folder}）不能位于收件目录（{settings.inbox}）之内：否则输出会被当作新文件再次读取。")
        if path in inbox.parents:
            raise UsageError(f"收件目录（{settings.inbox}）不能位于 {name} 目录（{folder}）之内。")
