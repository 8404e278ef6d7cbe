"""The receipt (回执) an agency gets for each filing: what was received, its
status, and what to correct. Written for agencies: the full names of the
kinds and statuses (`models.KIND_NAMES` / `STATUS_NAMES`, column `full`)."""

from __future__ import annotations

from ..models import KIND_NAMES, STATUS_NAMES, ExpertCheckFields, FiledRecord, Issue, StaffListFields
from ..parse.id_number import mask_ids_in

LAW = "《武进区安全生产技术服务机构监督管理办法》"


def receipt_text(rec: FiledRecord) -> str:
    lines = [
        "武进区应急管理局 安全生产技术服务机构备案材料回执",
        "",
        f"机构：{getattr(rec.fields, 'agency_name', None) or '（未能识别）'}",
        f"材料：{KIND_NAMES[rec.kind].full}",
        f"文件：{rec.source}",
        f"收件日期：{rec.received_on.isoformat()}",
        f"处理结果：{STATUS_NAMES[rec.status].full}",
        *_summary(rec),
    ]
    errors = [i for i in rec.all_issues if i.severity == "error"]
    warnings = [i for i in rec.all_issues if i.severity == "warning"]
    if errors:
        lines += ["", "请更正以下问题后重新提交："]
        lines += [f"{n}. {_line(i)}" for n, i in enumerate(errors, 1)]
    if warnings:
        lines += ["", "请注意："]
        lines += [f"{n}. {_line(i)}" for n, i in enumerate(warnings, 1)]
    if not errors and not warnings:
        lines += ["", "材料齐全，无需更正。"]
    return mask_ids_in("\n".join(lines) + "\n")   # a last guard: no whole ID number leaves in a receipt


def _line(issue: Issue) -> str:
    return issue.message + (f"（依据{LAW}{issue.article}）" if issue.article else "")


def _summary(rec: FiledRecord) -> list[str]:
    """What was read from a staff list or an expert check (ID numbers never shown)."""
    f = rec.fields
    if isinstance(f, StaffListFields) and f.people is not None:
        return [f"名单人数：{len(f.people)}人（身份证号码已登记；回执、汇总中只显示前6位和后4位）",
                "本名单自收到之日起作为本机构当前的从业人员名单；人员变动时请报送新的名单。"]
    if isinstance(f, ExpertCheckFields):
        lines = [f"检查日期：{f.checked_on.isoformat() if f.checked_on else '（未能识别）'}；"
                 f"检查专家：{'、'.join(f.experts or []) or '（未能识别）'}；企业签收：{'已签收' if f.client_signed else '未签收'}"]
        if f.client_signed is False:
            lines.append(f"企业未签收的检查记录不计入{LAW}第十七条要求的专家检查次数：请由企业签收后重新报送。")
        return lines
    return []
