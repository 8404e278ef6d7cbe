import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
