"""Render sample 报告函 / 承诺书 / 工作报表 (and a 40-row 工作报表) from made-up
data, convert them to PDF with LibreOffice and to one PNG per page in
docs/forms/, to look at the templates as an officer will see them.

    .venv/bin/python scripts/render_forms.py [--keep DIR]

--keep DIR also keeps the DOCX and PDF files there. Needs LibreOffice
(libreoffice-writer-nogui) and a CJK font (fonts-noto-cjk); the PNGs are
drawn with pypdfium2.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.generate.forms import check_templates, render_commitment, render_report_letter, render_work_report  # noqa: E402
from pipeline.generate.pdf import PdfConverter  # noqa: E402
from pipeline.models import CommitmentFields, ReportLetterFields, WorkReportRow  # noqa: E402

AGENCY = "常州市武进区安&信安全技术服务有限公司"
TOWNS = ["湖塘镇", "牛塘镇", "洛阳镇", "遥观镇", "横林镇", "横山桥镇", "雪堰镇", "前黄镇", "礼嘉镇", "嘉泽镇",
         "湟里镇", "西湖街道", "南夏墅街道", "丁堰街道", "戚墅堰街道", "潞城街道"]
WORKS = ["安全生产标准化三级达标咨询服务", "生产安全事故应急预案编制", "双重预防机制建设咨询", "安全现状评价",
         "企业主要负责人及安全管理人员安全培训", "粉尘防爆安全检测", "有限空间作业安全培训", "安全生产托管服务（全年）",
         "防雷装置安全检测", "职业病危害因素检测与评价", "危险化学品仓库安全评估"]
FIRMS = ["常州精诚模具有限公司", "常州市武进区丁堰荣昌模具厂", "江苏恒兴电子有限公司", "常州宏图电机有限公司",
         "常州市武进协力齿轮有限公司", "常州市武进区湖塘镇鑫达纺织品印染有限公司（原常州鑫达纺织厂）",
         "常州华瑞新材料科技股份有限公司", "常州市武进区潞城恒信五金厂", "江苏远航精密机械制造有限公司"]
PEOPLE = ["江佳怡", "唐伟东", "吴云", "汪振华", "陆秋生", "梁芳", "熊明", "冯华", "秦志强", "陈玉兰"]


def letter() -> ReportLetterFields:
    return ReportLetterFields(
        agency_name=AGENCY, service_categories=["training", "consulting", "standardization"],
        business_scope="安全生产技术咨询；安全生产标准化咨询服务；安全生产教育培训（不含国家统一认可的职业证书类培训）；"
                       "应急预案编制；职业卫生技术咨询；环保技术咨询；企业管理咨询。",
        local_business="为武进区工贸企业提供安全生产标准化咨询、安全培训和安全生产托管服务",
        license_no="91320412MA1MYERD0T", registered_address="江苏省常州市天宁区青洋北路320号恒生科技园二区6幢1501室",
        office_address="江苏省常州市武进区湖塘镇花园街与长安路交叉口东南侧武进万达广场写字楼A座2206室",
        local_contact="梁芳", local_contact_phone="18969005929", staff_count=47, experts="王建国（注册安全工程师）、李红（高级工程师）",
        legal_representative="熊明", legal_representative_phone="17748787065", filled_on=date(2021, 2, 16))


def rows(n: int, seed: int = 7) -> list[WorkReportRow]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        signed = date(2021, 1, 4) + timedelta(days=rnd.randrange(0, 175))
        out.append(WorkReportRow(
            client_name=rnd.choice(FIRMS), project_content=rnd.choice(WORKS), town=rnd.choice(TOWNS),
            signed_on=signed, completion_on=signed + timedelta(days=rnd.randrange(20, 200)),
            price_wan=rnd.choice([0.3, 0.85, 1.2, 2, 2.15, 3.85, 4.5, 12, 0.65]), client_contact=rnd.choice(PEOPLE),
            client_phone=rnd.choice([f"0519-8{rnd.randrange(1000000, 9999999)}",
                                     f"1{rnd.choice('3589')}{rnd.randrange(10**8, 10**9)}"])))
    return out


def render_all(work: Path) -> list[Path]:
    check_templates()
    period = (date(2021, 1, 1), date(2021, 6, 30))
    return [
        render_report_letter(letter(), work / "报告函.docx"),
        render_commitment(CommitmentFields(agency_name=AGENCY, promisor="熊明", signed_on=date(2021, 2, 22)),
                          work / "承诺书.docx"),
        render_work_report(AGENCY, *period, rows(6), work / "工作报表.docx", principal="熊明", preparer="梁芳",
                           phone="0519-88145498"),
        render_work_report(AGENCY, *period, rows(40), work / "工作报表-40行.docx", phone="0519-88145498"),
    ]


def to_png(pdf: Path, out_dir: Path, dpi: int = 80) -> list[Path]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    written = []
    for i in range(len(doc)):
        path = out_dir / f"{pdf.stem}-{i + 1}.png"
        doc[i].render(scale=dpi / 72).to_pil().convert("L").save(path, optimize=True)
        written.append(path)
    doc.close()
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="also keep the DOCX and PDF files in this folder")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "forms")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        docs = render_all(work)
        with PdfConverter() as conv:
            if not conv.is_available():
                print(conv.unavailable_reason(), file=sys.stderr)
                return 1
            pdfs = conv.convert_many(docs)
        for old in args.out.glob("*.png"):
            old.unlink()
        for docx, pdf in pdfs.items():
            if pdf is None:
                print(f"PDF 转换失败：{docx.name}", file=sys.stderr)
                return 1
            for png in to_png(pdf, args.out):
                print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
