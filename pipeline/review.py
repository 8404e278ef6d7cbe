"""What an officer does to a record, for the CLI and the review station
alike: correct a field, accept, reject, change the kind. Each change is one
row appended to the ledger (who, when, why); the agency's documents, the
receipt and the digest then follow through `publish` (the background thread
of the watcher or the station, or a direct call in the CLI).

Every function takes a record's sha256 or a unique prefix of it and, from
the station, the version the officer saw (a record changed since is refused).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Optional

from .correct.values import CorrectionError, canonical, field_model, parse_value
from .ledger import Ledger, UnknownRecordError
from .models import KIND_ZH, Correction, FiledRecord, Kind
from .settings import Settings

# What a change hands to the output half: (agency keys, shas whose receipt changes)
Publish = Callable[[set[str], list[str]], None]


def _record(ledger: Ledger, sha: str) -> FiledRecord:
    record = ledger.record(ledger.resolve(sha))
    if record is None:
        raise UnknownRecordError(f"台账中没有记录 {sha}。")
    return record


def _by(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise CorrectionError("请写明更正人（--by 姓名）：每项更正都要记录是谁做的。")
    return name


def _save(ledger: Ledger, record: FiledRecord, change: dict[str, Any], version: Optional[int],
          publish: Optional[Publish]) -> FiledRecord:
    correction = Correction(at=dt.datetime.now().replace(microsecond=0), **change)
    before = record.agency_key
    updated = ledger.add_correction(record.sha256, correction, version)
    if publish is not None:
        publish({k for k in (before, updated.agency_key) if k}, [record.sha256])
    return updated


def correct(ledger: Ledger, sha: str, field: str, value: str, by: str, reason: Optional[str] = None,
            version: Optional[int] = None, publish: Optional[Publish] = None) -> FiledRecord:
    """Correct one field: the value is parsed as extraction parses it."""
    record = _record(ledger, sha)
    new = parse_value(record.kind, field, value)
    _model, own, row = field_model(record.kind, field)
    data = record.fields.model_dump(mode="json")
    try:
        old = data[own] if row is None else (data.get("rows") or [])[row][own]
    except IndexError:
        raise CorrectionError(f"工作报表只有 {len(data.get('rows') or [])} 行（行号从 0 起）：没有第 {row} 行。") from None
    change = {"field": canonical(field), "old": old, "new": _json(new), "by": _by(by), "reason": reason}
    return _save(ledger, record, change, version, publish)


def accept(ledger: Ledger, sha: str, by: str, reason: Optional[str] = None, version: Optional[int] = None,
           publish: Optional[Publish] = None) -> FiledRecord:
    """The officer confirms the record as it stands (its values are then printed on the forms)."""
    record = _record(ledger, sha)
    if record.kind == "unknown":
        raise CorrectionError("无法识别类别的记录不能受理：请先更正类别（pipeline kind），或退回。")
    change = {"field": "status", "old": record.status, "new": "accepted", "by": _by(by), "reason": reason}
    return _save(ledger, record, change, version, publish)


def reject(ledger: Ledger, sha: str, by: str, reason: str, version: Optional[int] = None,
           publish: Optional[Publish] = None) -> FiledRecord:
    if not (reason or "").strip():
        raise CorrectionError("退回必须写明原因（--reason）：原因会写进给机构的回执。")
    record = _record(ledger, sha)
    change = {"field": "status", "old": record.status, "new": "rejected", "by": _by(by), "reason": reason.strip()}
    return _save(ledger, record, change, version, publish)


def change_kind(settings: Settings, ledger: Ledger, sha: str, kind: str, by: str, reason: Optional[str] = None,
                version: Optional[int] = None, publish: Optional[Publish] = None) -> FiledRecord:
    """A file classified wrongly: note the kind, then read it again as that kind."""
    from .flow import build_record

    if kind not in KIND_ZH or kind == "unknown":
        names = "、".join(f"{k}（{v}）" for k, v in KIND_ZH.items() if k != "unknown")
        raise CorrectionError(f"类别“{kind}”无效：应为 {names}。")
    record = _record(ledger, sha)
    if not record.archive or not Path(record.archive).is_file():
        raise CorrectionError(f"“{record.source}”的存档原件不见了，无法按新类别重新读取。")
    change = {"field": "kind", "old": record.kind, "new": kind, "by": _by(by), "reason": reason}
    before = record.agency_key
    _save(ledger, record, change, version, None)
    chosen: Kind = kind  # type: ignore[assignment]
    fresh = build_record(Path(record.archive), record.received_on, settings.limits, source=record.source, kind=chosen)
    ledger.update_record(record.sha256, fresh)
    updated = _record(ledger, record.sha256)
    if publish is not None:
        publish({k for k in (before, updated.agency_key) if k}, [record.sha256])
    return updated


def _json(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


ACTIONS: dict[str, Callable[..., FiledRecord]] = {"correct": correct, "accept": accept, "reject": reject}


def run_action(settings: Settings, action: str, *args: Any, **options: Any) -> FiledRecord:
    """One change from the command line: on its own ledger connection (the
    watcher may be running), then the documents, receipt and digest made
    before it returns."""
    from .batch import outputs_for

    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        outputs = outputs_for(settings)
        publish: Optional[Publish] = None
        if outputs is not None:
            def publish(agencies: set[str], shas: list[str]) -> None:
                outputs(ledger, agencies, shas)
        options["publish"] = publish
        if action == "kind":
            return change_kind(settings, ledger, *args, **options)
        return ACTIONS[action](ledger, *args, **options)
    finally:
        ledger.close()
