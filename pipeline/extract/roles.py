"""Which organisation of a contract is the client and which the agency, from
all the evidence of the one file (never the ledger): explicit role words
(委托方, 受托方, 采购人, 供方…), the 委托 verbs of the body (甲方委托乙方…,
乙方受甲方委托…), which party is, or holds the qualification of, a technical
service agency (乙方具备安全评价资质…, 资质证书编号 in its block), and the
letters 甲方/乙方, a convention the other evidence overrules. Where the
strong evidence conflicts a field is left null, with the reason for a
person: never swapped, never the same organisation twice. Words: the
[roles] section of vocabulary.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional, Sequence

from ..text import squash
from . import vocabulary
from .labels import Finder, Row

CLIENT, AGENCY = "client", "agency"
LETTERS = tuple(vocabulary.section("roles")["letters"])
_ROLE_ZH = {CLIENT: "委托方", AGENCY: "受托方（服务机构）"}
_ORG = r"[\u4e00-\u9fa5A-Za-z0-9][\u4e00-\u9fa5（）()A-Za-z0-9·]{1,39}?(?:有限责任公司|股份有限公司|有限公司|集团|公司|厂|中心|研究院|研究所|事务所|学校|医院)"


@lru_cache(maxsize=1)
def _words() -> dict[str, list[str]]:
    return {k: list(v) for k, v in vocabulary.section("roles").items()}


@dataclass
class Votes:
    """What each piece of evidence says about each organisation."""

    strong: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # name -> role -> sources
    weak: dict[str, str] = field(default_factory=dict)                      # name -> role by 甲方/乙方
    names: dict[str, str] = field(default_factory=dict)                      # squashed -> as written

    def add(self, name: Optional[str], role: str, source: str, strong: bool = True) -> None:
        if not name:
            return
        key = squash(name)
        self.names.setdefault(key, name)
        if strong:
            self.strong.setdefault(key, {}).setdefault(role, []).append(source)
        else:
            self.weak.setdefault(key, role)

    def roles(self) -> dict[str, Optional[str]]:
        """Each organisation's role: client, agency, None (nothing known) or
        "conflict". Strong evidence decides; of two parties, one the strong
        evidence leaves open takes the role the other does not have (the
        letters 甲方/乙方 are overruled as a pair); otherwise the letters."""
        out: dict[str, Optional[str]] = {}
        for key in self.names:
            found = set(self.strong.get(key, {}))
            out[key] = "conflict" if len(found) > 1 else next(iter(found)) if found else None
        decided = [r for r in out.values() if r in (CLIENT, AGENCY)]
        for key, role in out.items():
            if role is None:
                other = {CLIENT: AGENCY, AGENCY: CLIENT}.get(decided[0]) if len(self.names) == 2 and len(decided) == 1 else None
                out[key] = other or self.weak.get(key)
        return out


@dataclass
class Decision:
    client: Optional[str]
    agency: Optional[str]
    conflicts: dict[str, str] = field(default_factory=dict)
    # the evidence makes 甲方 the agency (and 乙方, if named, the client)
    letters_reversed: bool = False


def decide(rows: Sequence[Row], find: Finder, client: Optional[str], agency: Optional[str],
           client_strong: bool, agency_strong: bool,
           blocks: Sequence[tuple[Optional[str], Sequence[Row]]] = ()) -> Decision:
    """The parties from the labels' reading (`client`, `agency`, each found by
    an explicit role word or only by the 甲方/乙方 convention) and every other
    piece of evidence in `rows`; `blocks`: each party's name with the rows
    that describe it (its block of a party table)."""
    votes = Votes()
    votes.add(client, CLIENT, "角色字样", client_strong)
    votes.add(agency, AGENCY, "角色字样", agency_strong)
    names = [n for n in (client, agency) if n]
    letters = _letter_names(rows, find, names)
    names += [n for n in letters.values() if squash(n) not in {squash(x) for x in names}]
    w = _words()
    # a role word in the body stands for the party it named (`委托方为…服务机构`)
    for words, name, strong in ((w["client_words"], client, client_strong), (w["agency_words"], agency, agency_strong)):
        if name and strong:
            letters.update({word: name for word in words})
    _verbs(rows, letters, names, votes)
    _qualified(rows, letters, names, votes)
    for name, block in blocks:
        if name and any(_QUALIFICATION_CELL.search(squash(r.text)) for r in block):
            votes.add(name, AGENCY, "资质证书")
    decision = _resolve(votes, client, agency)
    first, second = (squash(letters.get(x, "")) for x in LETTERS[:2])
    decision.letters_reversed = bool(first) and first == squash(decision.agency or "") \
        and (not second or second == squash(decision.client or ""))
    return decision


_QUALIFICATION_CELL = re.compile(r"资质证书(编号|号)?[：:]?[^\d：:]{0,12}\d{3,}")


def _letter_names(rows: Sequence[Row], find: Finder, names: list[str]) -> dict[str, str]:
    """甲方/乙方 -> the organisation each letter names: `甲方：X`, or a known
    name written `X（以下简称甲方）`."""
    from .values import is_org

    out: dict[str, str] = {}
    text = "\n".join(squash(r.text) for r in rows)
    for letter in _words()["letters"]:
        value = find.find([letter], lambda v: is_org(_strip_alias(v)))
        if value:
            out[letter] = _strip_alias(value)
            continue
        for m in re.finditer(rf"({_ORG})[（(](?:以下简称|下称|简称)[“\"‘]?{letter}", text):
            named = _party(m.group(1), {}, names)
            if named:
                out[letter] = named
                break
    return out


_ALIAS = r"[（(](?:以下简称|下称|简称)[^）)]{0,6}[)）]"


def _strip_alias(value: str) -> str:
    return re.sub(r"[（(](以下简称|下称|简称)[^）)]*[)）]?$", "", value).strip()


def _party(token: str, letters: dict[str, str], names: list[str]) -> Optional[str]:
    """The organisation a token of the body names: a letter, a known name it
    ends with, or a name it ends with (`本合同由常州某公司` -> 常州某公司)."""
    from .values import is_org

    if token in letters:
        return letters[token]
    for name in names:
        if token.endswith(squash(name)):
            return name
    name = re.split(r"[\n：:，,。；;、由与和及经受]", token)[-1]
    return name if token not in LETTERS and is_org(name) else None


def _verbs(rows: Sequence[Row], letters: dict[str, str], names: list[str], votes: Votes) -> None:
    """`P委托Q…`, `Q受P委托`, `Q接受P(的)委托`: P is the client, Q the agency."""
    w = _words()
    known = [re.escape(squash(n)) for n in names] + [re.escape(x) for x in {*w["letters"], *letters}]
    party = "(" + "|".join(sorted(known, key=len, reverse=True)) + "|" + _ORG + ")"
    noun = "|".join(re.escape(x[2:]) for x in w["not_verb"] if x.startswith("委托"))
    gives = [re.compile(party + r"(?:现|特|拟|决定|同意)?委托(?!" + noun + ")" + party),
             re.compile(party + r"将[^，,。；;]{0,30}委托(?:给|予)" + party)]
    takes = [re.compile(party + r"(?:接)?受" + party + r"(?:的)?委托"),
             re.compile(r"(?:^|[，,。；;])受" + party + r"(?:的)?委托[，,]?" + party)]
    for row in rows:
        text = re.sub(_ALIAS, "", squash(row.text))  # `X（以下简称甲方）委托Y`: the verb follows the name
        for pattern in gives:
            for m in pattern.finditer(text):
                votes.add(_party(m.group(1), letters, names), CLIENT, "委托语句")
                votes.add(_party(m.group(2), letters, names), AGENCY, "委托语句")
        for n, pattern in enumerate(takes):
            for m in pattern.finditer(text):
                agent, principal = (m.group(1), m.group(2)) if n == 0 else (m.group(2), m.group(1))
                votes.add(_party(agent, letters, names), AGENCY, "委托语句")
                votes.add(_party(principal, letters, names), CLIENT, "委托语句")


def _qualified(rows: Sequence[Row], letters: dict[str, str], names: list[str], votes: Votes) -> None:
    """`乙方具备安全评价资质`, `X为安全生产技术服务机构`: that party is the agency."""
    w = _words()
    known = [re.escape(squash(n)) for n in names] + [re.escape(x) for x in {*w["letters"], *letters}]
    party = "(" + "|".join(sorted(known, key=len, reverse=True)) + ")"
    pattern = re.compile(party + "(?:" + "|".join(w["qualified_by"]) + r")[^。；;，,]{0,24}?(?:"
                         + "|".join(re.escape(x) for x in w["qualification"]) + ")")
    for row in rows:
        for m in pattern.finditer(squash(row.text)):
            if not re.search("|".join(w["not_qualified"]), m.group()[len(m.group(1)):]):  # 甲方为乙方提供…资质证明: the other way
                votes.add(_party(m.group(1), letters, names), AGENCY, "资质")


def _resolve(votes: Votes, client: Optional[str], agency: Optional[str]) -> Decision:
    roles = votes.roles()
    conflicts: dict[str, str] = {}
    out: dict[str, Optional[str]] = {}
    for role, labelled, name in ((CLIENT, client, "client_name"), (AGENCY, agency, "agency_name")):
        chosen = [k for k, r in roles.items() if r == role]
        if len(chosen) == 1:
            out[role] = votes.names[chosen[0]]
            continue
        out[role] = None
        doubtful = chosen or [k for k, r in roles.items() if r == "conflict"]
        if doubtful and (labelled or len(chosen) > 1 or any(roles[k] == "conflict" for k in doubtful)):
            conflicts[name] = (f"合同中认定{_ROLE_ZH[role]}的依据相互矛盾（{_sources(votes)}），"
                               "无法确定：请对照原件核对。")
    return Decision(client=out[CLIENT], agency=out[AGENCY], conflicts=conflicts)


def _sources(votes: Votes) -> str:
    parts = []
    for key, found in votes.strong.items():
        for role, sources in found.items():
            parts.append(f"{'、'.join(dict.fromkeys(sources))}表明“{votes.names[key]}”为{_ROLE_ZH[role]}")
    return "；".join(parts) or "依据不足"


def unheaded_columns(rows: Sequence[Row], client: Optional[str], agency: Optional[str],
                     labels: Sequence[str]) -> tuple[list[Row], list[Row]]:
    """A two-column signature block whose heads (甲方（盖章） | 乙方（盖章）) a
    seal hid: rows of two cells that both open with the same label
    (联系人：… | 联系人：…). Its columns follow the order the parties were
    first named in: the left one is the client's when the client was named
    first. Nothing when the order is unknown."""
    from .labels import subrow

    text = "\n".join(squash(r.text) for r in rows)
    where = [text.find(squash(n)) if n else -1 for n in (client, agency)]
    if min(where) < 0:
        return [], []
    block = [r for r in rows if len(r.cells) == 2 and _same_label(r.cells, labels)]
    if len(block) < 2:
        return [], []
    left = [subrow(r, [0]) for r in block]
    right = [subrow(r, [1]) for r in block]
    return (left, right) if where[0] < where[1] else (right, left)


def _same_label(cells: Sequence[str], labels: Sequence[str]) -> bool:
    heads = [re.split(r"[：:]", squash(c))[0] if re.search(r"[：:]", c) else None for c in cells]
    return heads[0] is not None and heads[0] == heads[1] and any(squash(x).endswith(heads[0]) or heads[0].endswith(squash(x))
                                                                for x in labels if x)
