"""One small exception hierarchy. Each error carries a Chinese message for
people and an exit code for the CLI; only the CLI turns them into output."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    exit_code = 1
    default_message = "处理失败。"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class UsageError(PipelineError):
    """Bad options or settings given by the user."""

    exit_code = 2
    default_message = "参数有误。"


class Interrupted(PipelineError):
    """Ctrl+C, or a stop signal (SIGTERM), ended a batch before its end."""

    exit_code = 130
    default_message = "处理已中断。"


class InputNotFoundError(PipelineError):
    """A path named on the command line does not exist or is not a file."""

    exit_code = 3

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"找不到文件：{path}")


class UnreadableError(PipelineError):
    """The file cannot be read as a document: empty, corrupt, encrypted,
    unsupported, or beyond a safety limit. The record gets UNREADABLE."""

    exit_code = 4
    default_message = "文件无法读取。"


class LimitExceededError(UnreadableError):
    """A safety limit (size, pages, pixels, unpacked size) was exceeded."""


class ParseError(PipelineError, ValueError):
    """A value (date, amount, phone, credit code) cannot be parsed.

    `value` is the text that failed; parsers raise this and nothing else."""

    exit_code = 1

    def __init__(self, value: object, message: str) -> None:
        self.value = value
        super().__init__(message)
