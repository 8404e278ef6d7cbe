"""The templates of 附件1–3 ship with the package: the top-level forms/ folder
is the package `pipeline.forms` (pyproject.toml), so a wheel carries the .docx
files and the code finds them whether installed normally or editable."""

from __future__ import annotations

import importlib.resources
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("报告函.docx", "承诺书.docx", "工作报表.docx")


def _source_packages() -> set[str]:
    return {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")
            if "__pycache__" not in p.parts}


def test_pyproject_lists_every_package():
    """packages is an explicit list (find cannot add the mapped forms/), so a
    new subpackage of pipeline/ must be added there or the wheel lacks it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert set(config["packages"]) == _source_packages() | {"pipeline.forms"}
    assert config["package-dir"] == {"pipeline.forms": "forms"}
    assert "*.docx" in config["package-data"]["pipeline.forms"]


def test_installed_package_finds_the_templates(monkeypatch):
    from pipeline.forms import folder
    from pipeline.settings import Settings

    monkeypatch.delenv("PIPELINE_FORMS", raising=False)
    resources = importlib.resources.files("pipeline.forms")
    for name in TEMPLATES:
        assert (folder() / name).is_file(), name
        assert resources.joinpath(name).is_file(), name
    assert Settings().forms == folder()


@pytest.mark.slow
def test_wheel_carries_the_templates(tmp_path):
    """Build the wheel from a copy of the sources (no deps, nothing written
    into the checkout) and look inside."""
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode:
        pytest.skip("pip is not available")
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("pipeline", "forms"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp_path / "wheel"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("pipeline-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for name in TEMPLATES:
        assert f"pipeline/forms/{name}" in names, name
    modules = {p.relative_to(src).as_posix() for p in (src / "pipeline").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
