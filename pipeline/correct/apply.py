"""The effective record: the extraction with the officers' corrections
applied, its issues recomputed by the same checks as extraction.

- a field correction replaces the value (the latest one per field wins);
- issues are those `validate` finds on the corrected fields, plus the
  extraction's own findings that the fields alone cannot show again (the
  大写/小写 amount mismatch, low OCR confidence) on fields nobody corrected;
- where a new extraction (reprocess) read neither the value the officer
  corrected nor the officer's value, the correction stands and an `info`
  note `CORRECTION_DISAGREES` says what the page now reads;
- an officer's decision (accept, reject) is the status; without one the
  status follows the issues.
"""

from __future__ import annotations

import json
from typing import Any, Optional, cast

from ..models import FIELDS_BY_KIND, Correction, Extraction, Fields, FiledRecord, Issue
from ..validate import status_of, validate
from .values import STATUS_FIELDS, canonical, field_model

# what extraction knows besides the fields: kept on a field nobody corrected
KEPT_CODES = {"AMOUNT_MISMATCH", "LOW_CONFIDENCE"}


def latest_per_field(corrections: list[Correction]) -> dict[str, Correction]:
    out: dict[str, Correction] = {}
    for c in corrections:
        if c.field not in STATUS_FIELDS:
            out[canonical(c.field)] = c
    return out


def decision(corrections: list[Correction]) -> Optional[Correction]:
    """The officer's latest accept or reject, if any."""
    return next((c for c in reversed(corrections) if c.field == "status"), None)


def effective(raw: FiledRecord, corrections: list[Correction]) -> FiledRecord:
    if not corrections:
        return raw
    latest = latest_per_field(corrections)
    data = raw.fields.model_dump(mode="json")
    notes: list[Issue] = []
    applied: set[str] = set()
    for name, c in latest.items():
        try:
            before = _get(data, raw.kind, name)
        except (KeyError, IndexError, ValueError):
            continue  # the field does not exist on this kind (the kind was corrected since)
        if not _same(before, c.new) and not _same(before, c.old):
            notes.append(Issue(code="CORRECTION_DISAGREES", severity="info", field=name,
                               message=f"重新识别读到“{_show(before)}”，与{c.by}更正的“{_show(c.new)}”不同：以更正为准。"))
        _set(data, raw.kind, name, c.new)
        applied.add(name)
    if applied:
        fields = cast(Fields, FIELDS_BY_KIND[raw.kind].model_validate(data))
        issues = validate(raw.kind, fields, Extraction(), raw.received_on)
        issues += [i for i in raw.issues if i.code in KEPT_CODES and i.field not in applied]
    else:  # decisions only: the extraction's own issues stand (an unreadable file stays UNREADABLE)
        fields, issues = raw.fields, list(raw.issues)
    issues += notes
    status = status_of(raw.kind, issues)
    chosen = decision(corrections)
    if chosen is not None and raw.kind != "unknown":
        status = chosen.new
    return raw.model_copy(update={"fields": fields, "issues": issues, "status": status,
                                  "corrections": list(corrections)})


def _get(data: dict[str, Any], kind: str, name: str) -> Any:
    model, own, row = field_model(kind, name)
    if own not in model.model_fields:
        raise KeyError(name)
    if row is None:
        return data.get(own)
    return (data.get("rows") or [])[row][own]


def _set(data: dict[str, Any], kind: str, name: str, value: Any) -> None:
    _model, own, row = field_model(kind, name)
    if row is None:
        data[own] = value
    else:
        data["rows"][row][own] = value


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, ensure_ascii=False, default=str) == json.dumps(b, ensure_ascii=False, default=str)


def _show(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)
