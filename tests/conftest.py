import json
from pathlib import Path

import pytest

from .system import CHECKS, ON_CI, missing

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- system parts
# A test marked `libreoffice`, `chromium`, `ocr` or `cjk_font` needs that part
# (tests/system.py finds them). Without it the test is skipped with the reason;
# on CI (CI=true) it fails instead, before its fixtures run, so that a green CI
# means the real parts were tested. `libreoffice(optional=True)` marks a test
# that runs LibreOffice when it is there and passes without it: never skipped.
def _missing_part(item: pytest.Item) -> str | None:
    for part in CHECKS:
        marker = item.get_closest_marker(part)
        if marker is not None and not marker.kwargs.get("optional", False):
            reason = missing(part)
            if reason:
                return reason
    return None


@pytest.hookimpl(trylast=True)  # after -m / -k: only the selected tests' parts are looked for
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_CI:
        return
    for item in items:
        reason = _missing_part(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if ON_CI:
        reason = _missing_part(item)
        if reason:
            pytest.fail(f"{reason} [CI=true: a test whose part is missing fails instead of skipping]", pytrace=False)


@pytest.fixture(autouse=True)
def _no_ocr_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's OCR cache (PIPELINE_OCR_CACHE) is never used by the
    tests: every OCR test reads its pages with the engine."""
    monkeypatch.delenv("PIPELINE_OCR_CACHE", raising=False)
