"""Every label variant of the vocabulary (pipeline/extract/vocabulary.toml)
finds its value, in hand-built Documents: as a table cell beside its value,
as `label：value` on a line, with spaces inside it, with half-width brackets,
and on a scan with one character misread (labels of four or more
characters). The cases are generated from the data file, so a label added
there is tested here."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any, Callable, Optional

import pytest

from pipeline.extract import vocabulary
from pipeline.extract.classify import judge
from pipeline.models import Block, Document, Line, Page, Table

AGENCY = "常州安泰安全技术服务有限公司"
CLIENT = "常州市武进恒达机械有限公司"
DAY = dt.date(2021, 5, 6)
PHONE = "13912345678"

Rows = list[list[str]]
# field list -> (kind, field read, rows around the label, expected value)
Build = Callable[[str], Rows]


def _pair(value: str) -> Build:
    return lambda label: [[label, value]]


CASES: dict[tuple[str, str], tuple[str, Build, Any]] = {
    ("contract", "client"): ("client_name", _pair(CLIENT), CLIENT),
    ("contract", "agency"): ("agency_name", _pair(AGENCY), AGENCY),
    ("contract", "project"): ("project_content", _pair("安全现状评价"), "安全现状评价"),
    ("contract", "place"): ("town", _pair("常州市武进区湖塘镇人民路1号"), "湖塘镇"),
    ("contract", "signed"): ("signed_on", _pair("2021年5月6日"), DAY),
    ("contract", "term"): ("completion_on", _pair("2021年4月1日至2021年5月6日"), DAY),
    ("contract", "price"): ("price_wan", _pair("人民币贰万元整（¥20000元）"), 2.0),
    ("contract", "client_contact"): ("client_contact", _pair("张志强"), "张志强"),
    ("contract", "phone"): ("client_phone", lambda label: [["企业联系人", "张志强", label, PHONE]], PHONE),
    ("report_letter", "name"): ("agency_name", _pair(AGENCY), AGENCY),
    ("report_letter", "category"): ("service_categories", _pair("☑安全培训 ☐安全评估评价 ☑安全标准化"),
                                    ["standardization", "training"]),
    ("report_letter", "scope"): ("business_scope", _pair("安全评价业务；安全咨询服务"), "安全评价业务；安全咨询服务"),
    ("report_letter", "local"): ("local_business", _pair("承接武进区企业安全培训业务"), "承接武进区企业安全培训业务"),
    ("report_letter", "license"): ("license_no", _pair("91320412MA1N2B3C4D"), "91320412MA1N2B3C4D"),
    ("report_letter", "registered_address"): ("registered_address", _pair("常州市天宁区青洋路8号"),
                                              "常州市天宁区青洋路8号"),
    ("report_letter", "office_address"): ("office_address", _pair("常州市武进区湖塘镇花园街9号"),
                                          "常州市武进区湖塘镇花园街9号"),
    ("report_letter", "contact"): ("local_contact", _pair("王晓明"), "王晓明"),
    ("report_letter", "mobile"): ("local_contact_phone", lambda label: [["从业地联系人", "王晓明", label, PHONE]], PHONE),
    ("report_letter", "staff"): ("staff_count", _pair("12人"), 12),
    ("report_letter", "experts"): ("experts", _pair("李建国、赵红"), "李建国、赵红"),
    ("report_letter", "legal"): ("legal_representative", _pair("陈国华"), "陈国华"),
    ("report_letter", "filled"): ("filled_on", _pair("2021年5月6日"), DAY),
    ("commitment", "name"): ("agency_name", _pair(AGENCY), AGENCY),
    ("commitment", "promisor"): ("promisor", _pair("陈国华"), "陈国华"),
    ("commitment", "date"): ("signed_on", _pair("2021年5月6日"), DAY),
    ("work_report", "agency"): ("agency_name", _pair(AGENCY), AGENCY),
    ("work_report", "principal"): ("principal", _pair("陈国华"), "陈国华"),
    ("work_report", "preparer"): ("preparer", _pair("王晓明"), "王晓明"),
    ("work_report", "phone"): ("phone", _pair("0519-86123456"), "0519-86123456"),
}
# lists that are not read on their own: party-block words, stop words, lists
# that need a party's block around them
NOT_ALONE = {("contract", "name"), ("contract", "contact"), ("contract", "address"), ("contract", "other"),
             ("contract", "client_heads"), ("contract", "agency_heads"), ("work_report", "other")}
# labels that also name another field of the same kind, read by that field first
SHARED = {("report_letter", "legal", "负责人"), ("report_letter", "filled", "日期"),
          ("work_report", "agency", "机构"), ("report_letter", "registered_address", "住所")}


def _variants() -> list[tuple[str, str, str]]:
    out = []
    for kind in ("contract", "report_letter", "commitment", "work_report"):
        for name, labels in vocabulary.fields(kind).items():
            if (kind, name) in NOT_ALONE:
                continue
            assert (kind, name) in CASES, f"no test case for the vocabulary list {kind}.{name}"
            out += [(kind, name, label) for label in labels if (kind, name, label) not in SHARED]
    return out


VARIANTS = _variants()


def _doc(rows: Rows, as_lines: bool = False, conf: Optional[float] = None) -> Document:
    if as_lines:
        blocks = [Block(line=Line(text="：".join(r[:2]) + ("  " + "：".join(r[2:]) if len(r) > 2 else ""),
                                  cells=["：".join(r[:2])] + (["：".join(r[2:])] if len(r) > 2 else []), conf=conf))
                  for r in rows]
    else:
        blocks = [Block(table=Table(rows=[list(r) for r in rows], conf=conf))]
    return Document(pages=[Page(blocks=blocks, ocr=conf is not None)])


def _read(kind: str, doc: Document) -> Any:
    module = importlib.import_module(f"pipeline.extract.{kind}")
    fields, _ = module.extract(doc)
    return fields


def _spaced(label: str) -> str:
    return " ".join(label)


def _half_width(label: str) -> str:
    return label.replace("（", "(").replace("）", ")")


def _slipped(label: str) -> str:
    """One character misread, not a bracket: what OCR does to a label."""
    i = next(i for i, ch in enumerate(label) if i > 0 and ch not in "（）()")
    return label[:i] + "口" + label[i + 1:]


@pytest.mark.parametrize("kind,name,label", VARIANTS, ids=[f"{k}.{n}:{lab}" for k, n, lab in VARIANTS])
def test_every_label_variant_finds_its_value(kind: str, name: str, label: str) -> None:
    field, build, expected = CASES[(kind, name)]
    shapes = {
        "cell": _doc(build(label)),
        "colon line": _doc(build(label), as_lines=True),
        "spaced": _doc(build(_spaced(label))),
        "half width": _doc(build(_half_width(label)), as_lines=True),
    }
    if len(re.sub(r"\s", "", label)) >= 4:
        shapes["scan, one character misread"] = _doc(build(_slipped(label)), conf=0.9)
    for shape, doc in shapes.items():
        got = getattr(_read(kind, doc), field)
        if isinstance(expected, list):
            got = sorted(got or [])
        assert got == expected, f"{kind}.{name} label {label!r} as {shape}: got {got!r}"


def test_a_value_under_its_header_row_and_a_split_label() -> None:
    header = ["项目企业名称", "项目名称", "所在镇（街道）", "签订日期", "拟完成日期", "费用（元）"]
    values = [CLIENT, "安全现状评价", "湖塘镇", "2021-04-01", "2021-05-06", "35000"]
    fields = _read("contract", _doc([["服务", "机构名称", AGENCY], header, values]))
    assert (fields.agency_name, fields.client_name, fields.town) == (AGENCY, CLIENT, "湖塘镇")
    assert (fields.signed_on, fields.completion_on, fields.price_wan) == (dt.date(2021, 4, 1), DAY, 3.5)


def test_roles_named_by_other_issuers_give_both_parties() -> None:
    for client_word, agency_word in (("需方", "供方"), ("采购人", "供应商"), ("买方", "卖方")):
        doc = _doc([[client_word, CLIENT], [agency_word, AGENCY]], as_lines=True)
        fields = _read("contract", doc)
        assert (fields.client_name, fields.agency_name) == (CLIENT, AGENCY), client_word


def test_the_same_organisation_is_never_both_parties() -> None:
    doc = _doc([["委托方", AGENCY], ["受托方", AGENCY], ["签订日期", "2021年5月6日"]], as_lines=True)
    fields = _read("contract", doc)
    assert fields.agency_name == AGENCY and fields.client_name is None


def test_work_report_columns_of_other_issuers() -> None:
    header = ["序号", "服务对象", "服务事项", "项目地址", "签订日期", "完成日期", "服务费（万元）", "联系人", "联系电话"]
    row = ["1", CLIENT, "安全现状评价", "常州市武进区湖塘镇人民路1号", "2021-04-01", "2021-05-06", "2.5", "张志强", PHONE]
    doc = Document(pages=[Page(blocks=[Block(line=Line(text="机构名称：" + AGENCY, cells=["机构名称：" + AGENCY])),
                                       Block(table=Table(rows=[header, row]))])])
    rows = _read("work_report", doc).rows
    assert rows and (rows[0].client_name, rows[0].project_content, rows[0].town, rows[0].price_wan) == \
        (CLIENT, "安全现状评价", "湖塘镇", 2.5)


def test_a_registration_form_is_a_contract_and_an_unknown_says_what_it_lacked() -> None:
    form = _doc([["服务机构名称", AGENCY], ["项目企业名称", CLIENT], ["服务类别", "安全培训"],
                 ["签约时间", "2021-05-06"], ["合同金额（元）", "20000"]])
    assert judge(form).kind == "contract"
    receipt = _doc([["交款单位", CLIENT], ["收款事由", "培训费"], ["人民币（大写）", "贰万元整"]])
    verdict = judge(receipt)
    assert verdict.kind == "unknown"
    near = _doc([["委托方", CLIENT], ["受托方", AGENCY]], as_lines=True)
    verdict = judge(near)
    assert verdict.kind == "unknown" and verdict.closest == "contract"
    assert "签订日期" in verdict.reason() and "合同金额" in verdict.reason()
