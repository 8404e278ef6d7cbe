"""Evidence is noted where the extractor took each value, not searched for
afterwards: a value that appears twice points at the cell it was read from."""

from __future__ import annotations

import datetime as dt

from pipeline.flow import record_of
from pipeline.models import Block, Document, Line, Page, Table

AGENCY = "常州安泰安全技术服务有限公司"
CLIENT = "常州市武进恒达机械有限公司"
PHONE = "13912345678"


def test_a_value_stated_twice_points_at_the_cell_it_was_read_from():
    # both parties give the same phone; the client's is the one in the second row
    table = Table(rows=[["受托方（乙方）", AGENCY, None, None], ["委托方（甲方）", CLIENT, None, None],
                        ["乙方联系人", "李四", "联系电话", PHONE], ["甲方联系人", "王强", "联系电话", PHONE],
                        ["签订日期", "2021年5月6日", "合同金额", "叁万元整（￥30000元）"],
                        ["服务内容", "安全现状评价", None, None]])
    doc = Document(pages=[Page(blocks=[Block(line=Line(text="技术服务合同", cells=["技术服务合同"])),
                                       Block(table=table)])])
    record = record_of(doc, "contract.docx", "0" * 64, dt.date(2021, 5, 8))
    assert record.kind == "contract"
    assert record.fields.client_phone == PHONE and record.fields.client_contact == "王强"
    evidence = record.evidence["client_phone"]
    assert evidence.where == "表1第4行第4列", evidence
    assert record.evidence["client_name"].where == "表1第2行第2列"
