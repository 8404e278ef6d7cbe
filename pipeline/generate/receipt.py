"""The receipt (回执) an agency gets for each filing: what was received, its
status, and what to correct."""

from __future__ import annotations

KIND_ZH = {"contract": "服务合同", "report_letter": "活动开展报告函（附件1）", "commitment": "承诺书（附件2）",
           "work_report": "工作报表（附件3）", "unknown": "无法识别的材料"}
STATUS_ZH = {"accepted": "已受理", "needs_review": "已收到，需更正后复核", "rejected": "退回"}


def receipt_text(rec: dict) -> str:
    fields = rec.get("fields") or {}
    lines = [
        "武进区应急管理局 安全生产技术服务机构备案材料回执",
        "",
        f"机构：{fields.get('agency_name') or '（未能识别）'}",
        f"材料：{KIND_ZH.get(rec['kind'], rec['kind'])}",
        f"文件：{rec['source']}",
        f"收件日期：{rec.get('received_on')}",
        f"处理结果：{STATUS_ZH.get(rec['status'], rec['status'])}",
    ]
    errors = [i for i in rec.get("issues", []) if i["severity"] == "error"]
    warnings = [i for i in rec.get("issues", []) if i["severity"] == "warning"]
    if errors:
        lines += ["", "请更正以下问题后重新提交："]
        lines += [f"{n}. {_line(i)}" for n, i in enumerate(errors, 1)]
    if warnings:
        lines += ["", "请注意："]
        lines += [f"{n}. {_line(i)}" for n, i in enumerate(warnings, 1)]
    if not errors and not warnings:
        lines += ["", "材料齐全，无需更正。"]
    return "\n".join(lines) + "\n"


def _line(issue: dict) -> str:
    article = f"（依据《武进区安全生产技术服务机构监督管理办法》{issue['article']}）" if issue.get("article") else ""
    return issue["message"] + article
