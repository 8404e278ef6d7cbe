"""Roles of a contract's parties from all the evidence of the one file (role
words, the 委托 verbs of the body, which party holds the qualification of a
technical service agency, the letters 甲方/乙方 as a convention only), and
where the evidence conflicts, nulls with LOW_CONFIDENCE: never swapped, never
the same organisation twice. Hand-built Documents, as text lines and as a
scan's table."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract import contract
from pipeline.models import Block, Document, Line, Page, Table
from pipeline.validate import validate

AGENCY = "常州安泰安全技术服务有限公司"
CLIENT = "常州市武进恒达机械有限公司"


def _lines(*texts: str) -> Document:
    return Document(pages=[Page(blocks=[Block(line=Line(text=t, cells=[t])) for t in texts])])


BODY = ["一、服务事项：安全现状评价", "二、服务费用：人民币（大写）叁万元整（￥30000元）"]

AGREE = {
    "role words": ["技术服务合同", f"委托方：{CLIENT}", f"受托方：{AGENCY}", *BODY],
    "agency as plain 甲方, verb 乙方委托甲方": ["技术服务合同", f"甲方：{AGENCY}", f"乙方：{CLIENT}",
                                             "乙方委托甲方对其生产装置进行安全现状评价。", *BODY, "乙方联系人：王强"],
    "agency as plain 甲方, 甲方接受乙方委托": ["技术服务合同", f"甲方：{AGENCY}", f"乙方：{CLIENT}",
                                           "甲方接受乙方的委托，承担下列技术服务。", *BODY, "乙方联系人：王强"],
    "agency as plain 甲方 with the qualification": ["技术服务合同", f"甲方：{AGENCY}", f"乙方：{CLIENT}",
                                                 "甲方为具备安全评价资质的安全生产技术服务机构。", *BODY, "乙方联系人：王强"],
    "parties only in the verb sentence": ["技术服务合同",
                                          f"{AGENCY}（以下简称“甲方”）受{CLIENT}（以下简称“乙方”）委托，承担下列技术服务。",
                                          *BODY, "乙方联系人：王强，联系电话：13912345678"],
    "names and the verb only": ["技术服务合同", f"{CLIENT}委托{AGENCY}承担下列技术服务。", *BODY],
    "plain letters, verb agrees": ["技术服务合同", f"甲方：{CLIENT}", f"乙方：{AGENCY}", "甲方委托乙方进行安全现状评价。", *BODY],
}


@pytest.mark.parametrize("case", list(AGREE))
def test_agreeing_evidence_gives_the_parties(case):
    fields, extra = contract.extract(_lines(*AGREE[case]))
    assert (fields.client_name, fields.agency_name) == (CLIENT, AGENCY), case
    assert not extra.conflicts
    if any("联系人" in t for t in AGREE[case]):
        assert fields.client_contact == "王强"  # the client's contact follows the client, whatever its letter


CONFLICT = {
    "role words against the verb": ["技术服务合同", f"委托方：{AGENCY}", f"受托方：{CLIENT}",
                                    f"{CLIENT}委托{AGENCY}进行安全现状评价。", *BODY],
    "the client holds the qualification": ["技术服务合同", f"委托方：{AGENCY}", f"受托方：{CLIENT}",
                                           "委托方为具备安全评价资质的安全生产技术服务机构。", *BODY],
    "the same organisation on both sides": ["技术服务合同", f"委托方：{AGENCY}", f"受托方：{AGENCY}", *BODY],
}


@pytest.mark.parametrize("case", list(CONFLICT))
def test_conflicting_evidence_leaves_the_party_null_for_a_person(case):
    fields, extra = contract.extract(_lines(*CONFLICT[case]))
    assert fields.client_name is None  # neither the organisation the evidence disputes nor the other side's
    if case == "role words against the verb":
        assert fields.agency_name is None
    issues = validate("contract", fields, extra, dt.date(2021, 6, 1))
    low = [i for i in issues if i.code == "LOW_CONFIDENCE" and i.field == "client_name"]
    assert low and "核对" in low[0].message
    assert not [i for i in issues if i.code == "MISSING_FIELD" and i.field == "client_name"]


def test_qualification_in_a_party_table_decides_over_the_letters():
    """A scan's party table: the block that carries a 资质证书编号 is the agency's,
    whichever letter heads it."""
    table = Table(rows=[["甲方", "名称", AGENCY], [None, "资质证书编号", "APJ-(苏)-002-2021"],
                        ["乙方", "名称", CLIENT], [None, "联系人", "王强"]], conf=0.95)
    doc = Document(pages=[Page(blocks=[Block(line=Line(text="技术服务合同", cells=["技术服务合同"])),
                                       Block(line=Line(text=BODY[0], cells=[BODY[0]])),
                                       Block(table=table)], ocr=True)])
    fields, extra = contract.extract(doc)
    assert (fields.client_name, fields.agency_name) == (CLIENT, AGENCY)
    assert not extra.conflicts
