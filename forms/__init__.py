"""The docxtpl templates of 附件1–3 (报告函.docx, 承诺书.docx, 工作报表.docx),
built by make_templates.py in this folder.

The folder stays at the top of the repository but ships inside the package
as `pipeline.forms` (pyproject.toml: `[tool.setuptools] package-dir` maps
`pipeline.forms` to `forms`, `package-data` takes the .docx files), so a
normal install has the templates in site-packages/pipeline/forms/ and an
editable install finds them here. Kept light: settings.py imports it.
"""

from __future__ import annotations

from pathlib import Path


def folder() -> Path:
    """The folder that holds the packaged templates (the same as
    `importlib.resources.files("pipeline.forms")`, as a real path)."""
    return Path(__file__).resolve().parent
