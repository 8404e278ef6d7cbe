"""Names the ledger knows: an agency or client name read by OCR that is only
a slip of a name on file is taken as that name.

Extraction stays a pure function of the file; this step runs after the
ledger has the batch's records, over every record on file, so that its
answer depends on what is on file and not on the order things came in
(`pipeline reprocess` and every later batch re-resolve as the ledger grows).

- The names on file, best first: a 报告函 read from its text layer (or a
  name an officer corrected), then any filing read from its text layer,
  then an accepted 报告函 read by OCR, then other OCR readings (the more
  filings read a name, the better it is attested).
- A name read by OCR is taken as a better-attested name on file when it is
  that name with a trailing fragment of its own ending (`…有限公司 限公司`),
  its last character dropped or one added at the end, one character
  replaced by one of like shape (住/佳; `glyphs.alike`), or, on a line read
  with low confidence, any one character changed, added or dropped, or two
  replaced by look-alikes. A name written two ways with a clear reading
  (常州精工 / 常州市精工) is kept as written. Names that differ by
  a word (弘毅安全技术服务 / 弘毅环境安全技术) or by one unlike character read
  clearly (江苏达安 / 江苏鼎安) are different agencies and stay apart.
- Close to two names on file: kept as read, with `LOW_CONFIDENCE` naming both.
- A field an officer corrected is never resolved: the correction wins.

`resolve_all` answers a `Resolution` per name it changes or doubts;
`apply` shows them on a record (the ledger applies them to every record it
hands out, before the officers' corrections): the name on file in the
field, an info note `NAME_RESOLVED` keeping what the page showed, and the
reading in `names_read`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator, Optional, cast

from pydantic import BaseModel, Field

from .glyphs import alike
from .models import FIELDS_BY_KIND, Fields, FiledRecord, Issue
from .text import agency_key, name_key
from .validate import CONFIDENT, LABELS

AGENCY = "agency_name"
_JUNK_TAIL = 4  # a trailing fragment of at most this many characters


class Resolution(BaseModel):
    field: str                    # agency_name, client_name or rows[N].client_name
    read: str                     # the name as the page showed it
    taken: Optional[str] = None   # the name on file it is taken as
    near: list[str] = Field(default_factory=list)  # kept as read: the names on file it is close to


class _Reading(BaseModel):
    sha: str
    field: str
    text: str                     # as read (the page's reading, before any resolution)
    key: str
    tier: int                     # 0 best: how far the reading can be trusted
    resolvable: bool              # read by OCR and not corrected by an officer
    conf: Optional[float] = None


def resolve_all(records: list[FiledRecord]) -> dict[str, list[Resolution]]:
    """sha256 -> the resolutions of its names, over every record on file."""
    readings = [one for r in records for one in _readings(r)]
    pools: dict[bool, dict[str, list[_Reading]]] = {True: defaultdict(list), False: defaultdict(list)}
    for one in readings:
        pools[one.field == AGENCY][one.key].append(one)
    books = {kind: _Book(pool) for kind, pool in pools.items()}
    out: dict[str, list[Resolution]] = defaultdict(list)
    for one in readings:
        if one.resolvable and (found := books[one.field == AGENCY].resolve(one)) is not None:
            out[one.sha].append(found)
    return dict(out)


class _OnFile(BaseModel):
    """A name on file: how well it is attested and how it is written."""

    tier: int                     # its best reading's tier
    count: int                    # how many readings
    shas: set[str]
    shown: str                    # as its best-trusted reading wrote it

    @classmethod
    def of(cls, group: list[_Reading]) -> "_OnFile":
        best = min(group, key=lambda o: o.tier)
        return cls(tier=best.tier, count=len(group), shas={o.sha for o in group}, shown=best.text)


class _Book:
    """The names on file of one sort (agencies or clients), indexed so that
    the names one edit away from a reading are found without a scan."""

    def __init__(self, pool: dict[str, list[_Reading]]) -> None:
        self.names = {key: _OnFile.of(group) for key, group in pool.items()}
        self.masked: dict[str, list[str]] = defaultdict(list)   # one character masked -> names
        self.shorter: dict[str, list[str]] = defaultdict(list)  # one character dropped -> names
        for key in self.names:
            for i in range(len(key)):
                self.masked[key[:i] + "\0" + key[i + 1:]].append(key)
                self.shorter[key[:i] + key[i + 1:]].append(key)

    def _near(self, key: str, unsure: bool) -> set[str]:
        """Names on file that may be one slip away from `key` (checked by `_close`)."""
        found = set(self.shorter.get(key, ()))
        for i in range(len(key)):
            found.update(self.masked.get(key[:i] + "\0" + key[i + 1:], ()))
            found.add(key[:i] + key[i + 1:])
        found.update(key[:-t] for t in range(1, _JUNK_TAIL + 1))
        if unsure:  # two characters: only on an unsure line, so a scan of names of the same length is rare
            found.update(k for k in self.names if len(k) == len(key))
        return {k for k in found if k in self.names and k != key}

    def resolve(self, one: _Reading) -> Optional[Resolution]:
        mine = self.names[one.key]
        if mine.tier <= 1:
            return None  # read the same from a text layer or corrected by an officer: the name as written
        unsure = one.conf is not None and one.conf < CONFIDENT
        near: list[tuple[int, str]] = []
        for key in self._near(one.key, unsure):
            name = self.names[key]
            if name.shas == {one.sha}:
                continue
            if (name.tier, -name.count) < (mine.tier, -mine.count) and _close(one.key, key, one.conf):
                near.append((name.tier, name.shown))
        if not near:
            return None
        top = min(t for t, _ in near)
        names = sorted({shown for t, shown in near if t == top})
        if len(names) == 1:
            return Resolution(field=one.field, read=one.text, taken=names[0])
        return Resolution(field=one.field, read=one.text, near=names)


def _close(read: str, known: str, conf: Optional[float]) -> bool:
    """Whether `read` can be a slip of `known` (both keys)."""
    unsure = conf is not None and conf < CONFIDENT
    if read.startswith(known):
        tail = read[len(known):]
        return len(tail) <= _JUNK_TAIL and known.endswith(tail) or (len(tail) == 1 and unsure)
    if abs(len(read) - len(known)) == 1:  # a character dropped or added: at the end, or on an unsure line
        short, long = sorted((read, known), key=len)
        return long[:-1] == short or (unsure and any(long[:i] + long[i + 1:] == short for i in range(len(long))))
    if len(read) != len(known):
        return False
    pairs = [(a, b) for a, b in zip(read, known) if a != b]
    if len(pairs) == 1:
        return bool(alike(*pairs[0])) or unsure
    return len(pairs) == 2 and unsure and all(alike(a, b) for a, b in pairs)


# ------------------------------------------------------------ readings
def _readings(record: FiledRecord) -> Iterator[_Reading]:
    fixed = {c.field for c in record.corrections}
    for field, value in _names(record):
        text = record.names_read.get(field, value)
        key = (agency_key if field == AGENCY else name_key)(text)
        if not key:
            continue
        corrected = field in fixed or field.replace("[", ".").replace("]", "") in fixed
        ev = record.evidence.get(field)
        yield _Reading(sha=record.sha256, field=field, text=text, key=key, tier=_tier(record, corrected),
                       resolvable=record.ocr and not corrected, conf=ev.conf if ev else None)


def _names(record: FiledRecord) -> Iterator[tuple[str, str]]:
    fields = record.fields
    for field in (AGENCY, "client_name"):
        if isinstance(value := getattr(fields, field, None), str):
            yield field, value
    for n, row in enumerate(getattr(fields, "rows", None) or []):
        if row.client_name:
            yield f"rows[{n}].client_name", row.client_name


def _tier(record: FiledRecord, corrected: bool) -> int:
    letter = record.kind == "report_letter"
    if corrected or (not record.ocr and letter):
        return 0
    if not record.ocr:
        return 1
    return 2 if letter and record.status == "accepted" else 3


# ------------------------------------------------------------ applying
def apply(record: FiledRecord, resolutions: list[Resolution]) -> FiledRecord:
    """The record with its names resolved: the name on file in the field,
    the page's reading in `names_read` and an info note; a name close to two
    names on file stays as read, with `LOW_CONFIDENCE` naming both."""
    if not resolutions:
        return record
    data = record.fields.model_dump(mode="json")
    issues = list(record.issues)
    read: dict[str, str] = {}
    for res in resolutions:
        label = _label(res.field)
        if res.taken is not None and _set(data, res.field, res.taken):
            read[res.field] = res.read
            issues.append(Issue(code="NAME_RESOLVED", severity="info", field=res.field, message=(
                f"扫描件上的{label}识别为“{res.read}”，与台账中已有的“{res.taken}”只差识别误差，按“{res.taken}”登记；"
                f"如确是另一家单位，请更正此项。")))
        elif res.near:
            issues = [i for i in issues if not (i.code == "LOW_CONFIDENCE" and i.field == res.field)]
            issues.append(Issue(code="LOW_CONFIDENCE", severity="warning", field=res.field, message=(
                f"扫描件上的{label}识别为“{res.read}”，与台账中的{'、'.join(f'“{n}”' for n in res.near)}都只差一字，"
                f"无法确定是哪一家：请对照原件核对，必要时更正此项。")))
    fields = cast(Fields, FIELDS_BY_KIND[record.kind].model_validate(data))
    return record.model_copy(update={"fields": fields, "issues": issues, "names_read": {**record.names_read, **read}})


def _label(field: str) -> str:
    if field.startswith("rows["):
        return f"工作报表第 {int(field[5:field.index(']')]) + 1} 行的委托方名称"
    return LABELS.get(field, field)


def _set(data: dict[str, Any], field: str, value: str) -> bool:
    if field.startswith("rows["):
        rows = data.get("rows") or []
        n = int(field[5:field.index("]")])
        if n >= len(rows):
            return False
        rows[n]["client_name"] = value
        return True
    if field not in data:
        return False
    data[field] = value
    return True
