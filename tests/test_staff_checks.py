"""Issue 18 over a replayed history: 30 agencies, a year and a half of filed
records (report letters, staff lists, contracts, expert checks) put into a
real ledger day by day, the batch's cross-check step run after each day as
the watcher runs it. Planted: people on two agencies' lists (with and
without a common service category, a person who moved with the old list
superseded, one person on three lists), a 报告函 whose 从业人数 disagrees
with the list, and 托管 contracts with and without enough expert checks.
Every planted case must be found, in the ledger and in the digest, and
nothing else."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from pipeline.batch import refresh_cross_issues
from pipeline.digest import build_digest
from pipeline.digest.sheets import sheets
from pipeline.generate.receipt import receipt_text
from pipeline.ledger import Ledger
from pipeline.models import FiledRecord, Record
from pipeline.parse.id_number import mask_id
from pipeline.periods import checks_required, service_years

START, AS_OF = date(2025, 9, 1), date(2027, 3, 1)
NAMES = [f"常州{p}安全技术服务有限公司" for p in
         ["安泰", "华安", "正信", "恒安", "中安", "苏安", "龙城", "常安", "武安", "信达", "明安", "盛安", "普安", "天安", "鼎安",
          "宏安", "瑞安", "金安", "永安", "嘉安", "国安", "润安", "晨安", "卓安", "安佳", "安源", "安诺", "安瑞", "安和", "安之"]]
CATS = ["training", "assessment", "testing", "consulting", "standardization"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(rng: random.Random) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000))
    first17 = f"320412{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


class History:
    """The filings, in the order they arrive, and what must be found."""

    def __init__(self, seed: int = 18) -> None:
        self.rng = random.Random(seed)
        self.records: list[dict] = []
        self.after_batches: list[FiledRecord] = []
        self.used: set[str] = set()
        self.offers = {i: [CATS[i % 5]] for i in range(30)}
        self.offers |= {0: ["assessment"], 1: ["assessment", "training"], 2: ["training"], 3: ["testing"],
                        4: ["consulting"], 5: ["consulting"], 6: ["testing"], 7: ["testing", "other"],
                        8: ["standardization"], 9: ["standardization"], 10: ["standardization", "training"]}
        self.offers |= {i: ["consulting"] for i in range(12, 21)}
        self.shared = {name: self.person() for name in ("X", "Y", "Z", "W", "V")}
        self.expect_pairs: set[tuple[str, int, int]] = set()
        self.expect_gaps: set[tuple[int, int, bool]] = set()      # (agency, service year, overdue)
        for i in range(30):
            self.agency(i)
        self.planted()

    # ------------------------------------------------------------ filings
    def person(self) -> dict:
        while (number := id_number(self.rng)) in self.used:
            pass
        self.used.add(number)
        return {"name": self.rng.choice("王李张刘陈杨赵黄周吴") + self.rng.choice(["伟", "芳", "敏", "强", "磊", "静"]),
                "id_number": number, "qualification": "注册安全工程师", "certificate_no": f"AQ{self.rng.randint(10**7, 10**8)}",
                "role": "专职"}

    def add(self, kind: str, i: int, received: date, fields: dict, status: str = "accepted") -> dict:
        n = len(self.records)
        source = f"{kind}-{i:02d}-{n:04d}.pdf"
        rec = {"source": source, "sha256": hashlib.sha256(source.encode()).hexdigest(), "kind": kind, "status": status,
               "fields": {"agency_name": NAMES[i]} | fields, "issues": [], "received_on": received.isoformat()}
        self.records.append(rec)
        return rec

    def letter(self, i: int, day: date, staff: int) -> None:
        self.add("report_letter", i, day, {"service_categories": self.offers[i], "staff_count": staff,
                                           "filled_on": day.isoformat()})

    def staff(self, i: int, day: date, people: list[dict]) -> None:
        self.add("staff_list", i, day, {"people": people, "filled_on": (day - timedelta(days=1)).isoformat()})

    def contract(self, i: int, signed: date, end: date, project: str, client: str, category: str = "consulting") -> None:
        self.add("contract", i, signed + timedelta(days=3), {
            "client_name": client, "project_content": project, "service_category": category, "town": "湖塘镇",
            "signed_on": signed.isoformat(), "completion_on": end.isoformat(), "price_wan": 3.5})

    def check(self, i: int, client: str, day: date, signed: bool = True) -> None:
        self.add("expert_check", i, day + timedelta(days=2), {
            "client_name": client, "checked_on": day.isoformat(), "experts": ["周专家"], "findings": "1.消防通道堵塞。",
            "client_signed": signed})

    # ------------------------------------------------------------ every agency, then the planted cases
    def agency(self, i: int) -> None:
        day = START + timedelta(days=2 * i)
        self.team = [self.person() for _ in range(self.rng.randint(4, 8))]
        extra = {0: "X", 1: "X", 2: "Y", 3: "Y", 4: "Z", 6: "W", 7: "W", 8: "V", 9: "V", 10: "V"}.get(i)
        people = self.team + ([self.shared[extra]] if extra else [])
        self.staff(i, day, people)
        self.letter(i, day, len(people) + (3 if i == 11 else 0))
        signed = day + timedelta(days=20)
        stop = date(2026, 2, 1) if i == 5 else AS_OF - timedelta(days=30)   # agency 5 files nothing after its new list
        while signed < stop:                             # everyday contracts: never 托管
            self.contract(i, signed, signed + timedelta(days=90), "安全生产技术服务", f"武进协力机械有限公司{len(self.records)}",
                          self.offers[i][0])
            signed += timedelta(days=self.rng.randint(40, 80))
        self.people = people

    def planted(self) -> None:
        # 第十九条（七）
        self.expect_pairs |= {("X", 0, 1), ("W", 6, 7), ("V", 8, 9), ("V", 8, 10), ("V", 9, 10)}
        team5 = [self.person() for _ in range(5)]
        self.staff(5, date(2026, 3, 1), team5 + [self.shared["Z"]])      # Z joins agency 5 while on 4's list ...
        self.letter(5, date(2026, 3, 1), 6)
        old4 = next(r for r in self.records if r["kind"] == "staff_list" and r["fields"]["agency_name"] == NAMES[4])
        moved = [p for p in old4["fields"]["people"] if p is not self.shared["Z"]] + [self.person()]
        self.staff(4, date(2026, 4, 1), moved)                         # ... and 4 files a list without Z
        old6 = next(r for r in self.records if r["kind"] == "staff_list" and r["fields"]["agency_name"] == NAMES[6])
        self.staff(6, date(2026, 6, 1), list(old6["fields"]["people"]))  # W still on 6's newer list
        # 第十七条
        self.contract(12, date(2026, 1, 10), date(2027, 12, 31), "金属冶炼企业安全生产托管服务", "常州精诚冶金有限公司")
        self.contract(12, date(2026, 1, 10), date(2027, 12, 31), "金属冶炼企业安全生产托管服务", "常州精诚冶金有限公司")  # filed twice
        self.check(12, "常州精诚冶金有限公司", date(2026, 5, 10))
        self.contract(12, date(2026, 2, 1), date(2027, 6, 30), "安全生产咨询服务", "常州华强电机有限公司")  # not 托管
        self.contract(13, date(2026, 2, 1), date(2027, 1, 31), "安全生产托管服务", "常州凯达五金有限公司")  # ended
        self.contract(14, date(2026, 3, 1), date(2028, 2, 28), "安全生产托管服务", "常州龙腾模具有限公司")
        self.check(14, "常州龙腾模具有限公司", date(2026, 8, 1))
        self.contract(15, date(2026, 4, 15), date(2028, 4, 14), "涉爆粉尘企业安全生产托管服务", "常州益民铝业有限公司")
        self.check(15, "常州益民铝业有限公司", date(2026, 9, 1))
        self.contract(16, date(2026, 4, 20), date(2027, 4, 19), "安全生产托管服务", "常州天顺包装材料有限公司")
        self.check(16, "常州天顺包装材料有限公司", date(2026, 10, 10), signed=False)
        self.contract(17, date(2026, 2, 21), date(2028, 2, 20), "深井铸造企业安全管理托管", "常州荣昌铸造有限公司")
        for day in (date(2026, 6, 1), date(2026, 12, 1), date(2026, 12, 1)):   # the second December record: a refile
            self.check(17, "常州荣昌铸造有限公司", day)
        self.contract(18, date(2026, 3, 1), date(2027, 3, 20), "安全生产托管服务", "常州春晖印染有限公司", "standardization")
        self.contract(19, date(2025, 10, 1), date(2027, 9, 30), "安全生产托管服务", "常州腾飞电子有限公司")
        self.check(19, "常州宏图电子有限公司", date(2026, 3, 1))            # another enterprise's check
        self.contract(20, date(2025, 9, 15), date(2027, 9, 14), "金属冶炼企业安全生产托管服务", "常州鼎盛冶炼有限公司")
        for day in (date(2025, 12, 1), date(2026, 5, 1)):
            self.check(20, "常州鼎盛冶炼有限公司", day)
        self.expect_gaps |= {(12, 1, True), (15, 1, False), (16, 1, False), (19, 1, True)}


@pytest.fixture(scope="module")
def history() -> History:
    return History()


@pytest.fixture(scope="module")
def replayed(history: History, tmp_path_factory) -> list[FiledRecord]:
    """The history through a real ledger, one batch per day, each followed by the batch's cross-check step."""
    ledger = Ledger(tmp_path_factory.mktemp("state") / "ledger.sqlite")
    by_day: dict[str, list[dict]] = defaultdict(list)
    for rec in history.records:
        by_day[rec["received_on"]].append(rec)
    try:
        for day, recs in sorted(by_day.items()):
            touched = set()
            for rec in recs:
                record = Record.model_validate(rec)
                ledger.claim(record.sha256, record.source, date.fromisoformat(day))
                ledger.complete(record.sha256, record, f"archive/{record.source}", None)
                touched.add(record.agency_key or "")
            refresh_cross_issues(ledger, touched, as_of=date.fromisoformat(day))
        history.after_batches = list(ledger.records())
        refresh_cross_issues(ledger, set(ledger.agencies()), as_of=AS_OF)   # every agency looked at on the last day
        return list(ledger.records())
    finally:
        ledger.close()


def _flagged(records: list[FiledRecord], code: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in records:
        for i in r.cross_issues:
            if i.code == code:
                out[getattr(r.fields, "agency_name")] += 1
    return dict(out)


def test_people_on_two_agencies_lists_are_found_and_nobody_else(history: History, replayed: list[FiledRecord]):
    d = build_digest(replayed, AS_OF)
    found = {(row.name, row.first, row.second) for row in d.two_agencies}
    want = {(history.shared[who]["name"], *sorted((NAMES[a], NAMES[b]))) for who, a, b in history.expect_pairs}
    assert {(n, *sorted((a, b))) for n, a, b in found} == want
    # in the ledger: on the current lists of exactly those agencies (V's three agencies: two pairs each)
    assert _flagged(replayed, "PERSON_IN_TWO_AGENCIES") == {NAMES[0]: 1, NAMES[1]: 1, NAMES[6]: 1, NAMES[7]: 1,
                                                            NAMES[8]: 2, NAMES[9]: 2, NAMES[10]: 2}


def test_a_person_who_moved_is_not_flagged_once_the_old_list_is_superseded(history: History, replayed):
    z = history.shared["Z"]["id_number"]
    assert not any(z in (row.id_masked, mask_id(z)) for row in build_digest(replayed, AS_OF).two_agencies)
    # between Z joining agency 5 and agency 4 filing its new list, both lists were current: flagged then
    during = build_digest(replayed, date(2026, 3, 15)).two_agencies
    assert [(row.first, row.second) for row in during if row.id_masked == mask_id(z)] == [(NAMES[4], NAMES[5])]
    # agency 5 filed nothing after agency 4's new list: its flag is cleared by the batch that took 4's list in
    for records in (history.after_batches, replayed):
        assert _flagged(records, "PERSON_IN_TWO_AGENCIES").get(NAMES[5]) is None


def test_staff_count_mismatch_only_where_planted(replayed):
    assert _flagged(replayed, "STAFF_COUNT_MISMATCH") == {NAMES[11]: 1}


def test_tuoguan_contracts_short_of_expert_checks(history: History, replayed):
    d = build_digest(replayed, AS_OF)
    got = {(NAMES.index(g.agency), int(g.year[1]), g.overdue) for g in d.expert_gaps}
    assert got == history.expect_gaps
    key = {g.agency: g for g in d.expert_gaps}
    assert key[NAMES[12]].supervision == "重点监管" and key[NAMES[12]].required == 2 and key[NAMES[12]].done == 1
    assert key[NAMES[15]].deadline == date(2027, 4, 14) and key[NAMES[16]].done == 0    # unsigned check not counted
    assert _flagged(replayed, "EXPERT_CHECKS_DUE") == {NAMES[12]: 1, NAMES[15]: 1, NAMES[16]: 1, NAMES[19]: 1}


def test_warning_talk_list_counts_them(history: History, replayed):
    talks = {a.name: a.talk_reasons for a in build_digest(replayed, AS_OF).talks}
    for i in (0, 1, 6, 7, 8, 9, 10):
        assert any("两家同类机构" in t for t in talks.get(NAMES[i], [])), NAMES[i]
    for i in (12, 19):
        assert any("托管专家检查不足：1份" in t for t in talks.get(NAMES[i], [])), NAMES[i]
    for i in (2, 3, 4, 5, 15, 16, 17, 20):
        assert not any("两家同类机构" in t or "托管专家检查" in t for t in talks.get(NAMES[i], [])), NAMES[i]


def test_views_and_receipts_show_ids_masked_and_say_what_to_do(history: History, replayed):
    d = build_digest(replayed, AS_OF)
    cells = " ".join(str(c) for s in sheets(d) for row in s.rows for c in row)
    receipts = " ".join(receipt_text(r) for r in replayed)
    x = history.shared["X"]["id_number"]
    assert mask_id(x) in cells and mask_id(x) in receipts
    for rec in history.records:
        for p in rec["fields"].get("people") or []:
            assert p["id_number"] not in cells and p["id_number"] not in receipts
    assert "请核实并报送更新后的从业人员名单" in receipts and "请尽快组织专家检查" in receipts
    assert "请于2027年4月14日前组织专家检查" in receipts


def test_service_years_and_their_checks():
    years = service_years(date(2026, 4, 15), date(2028, 1, 31))
    assert [(y.start, y.end) for y in years] == [(date(2026, 4, 15), date(2027, 4, 14)), (date(2027, 4, 15), date(2028, 1, 31))]
    assert [checks_required(2, y) for y in years] == [2, 2]
    assert checks_required(2, service_years(date(2026, 1, 1), date(2026, 4, 30))[0]) == 1
    assert service_years(date(2024, 2, 29), None)[0].end == date(2025, 2, 27)
