"""Document generation: fill the docxtpl templates in `forms/` (附件1–3) from
extracted fields or the ledger, writing each DOCX atomically, and optionally
convert them to PDF with one headless LibreOffice per batch.

Templates are checked at start-up (`check_templates`), so a broken one is an
error before any file is processed; a PDF conversion failure never blocks the
DOCX. Writers never modify their inputs.
"""

from .forms import (
    TemplateError,
    check_templates,
    render_commitment,
    render_report_letter,
    render_work_report,
    safe_name,
)

__all__ = [
    "TemplateError",
    "check_templates",
    "render_commitment",
    "render_report_letter",
    "render_work_report",
    "safe_name",
]
