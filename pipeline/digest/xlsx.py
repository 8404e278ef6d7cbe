"""The digest as a workbook: a 说明 sheet, then one sheet per view (frozen
header row, auto-filter, Chinese column names) in the order of
`views.sheets`, with native bar charts beside the tables that count things."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .sheets import Chart, Sheet, cell_text, sheets
from .views import Digest

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
FLAG_FILLS = {text: PatternFill("solid", fgColor=colour) for text, colour in {
    "逾期": "FCE4D6", "缺报": "F8CBAD", "约谈": "F4B6B6", "注销预警": "FFF2CC", "条款被改动": "F8CBAD",
    "无": "F8CBAD", "未报送": "F8CBAD", "退回": "F8CBAD", "需人工复核": "FFF2CC"}.items()}
MAX_WIDTH = 60
CHART_ROWS = 24     # rows a chart takes when charts are stacked under each other


def write_xlsx(digest: Digest, path: Path, review_dir_name: str = "待处理") -> Path:
    """Write the workbook to `path` (overwriting it) and return the path."""
    wb = Workbook()
    views = sheets(digest)
    _readme(wb.active, digest, views)
    for sheet in views:
        _table(wb.create_sheet(sheet.name), sheet, review_dir_name)
        for n, chart in enumerate(sheet.charts):
            _chart(wb[sheet.name], sheet, chart, n)
    wb.save(path)
    return Path(path)


def _readme(ws: Worksheet, digest: Digest, views: list[Sheet]) -> None:
    about = Sheet(name="说明", title="", headers=["项目", "内容"], rows=[
        ["统计截至", digest.as_of], ["本半年度", digest.current.label],
        ["上一半年度", digest.previous.label], ["工作报表报送期限", digest.work_report_due],
        *[[s.name, f"{s.title}。{s.note}".rstrip("。") + "。"] for s in views]])
    ws.title = about.name
    _table(ws, about, "")


def _table(ws: Worksheet, sheet: Sheet, review: str) -> None:
    ws.append(sheet.headers)
    for row in sheet.rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            _style(cell)
    for i, name in enumerate(sheet.links):
        if name:
            cell = ws.cell(row=i + 2, column=1)
            cell.hyperlink = f"{review}/{_link(name)}"
            cell.style = "Hyperlink"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{len(sheet.rows) + 1}"
    _widths(ws, sheet)


def _style(cell) -> None:
    value = cell.value
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, float):
        cell.number_format = "0.00"
    elif isinstance(value, str):
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if value in FLAG_FILLS:
            cell.fill = FLAG_FILLS[value]


def _link(name: str) -> str:
    """A relative hyperlink target: ASCII specials escaped, Chinese kept as Excel writes it."""
    return "".join(ch if ord(ch) > 127 else quote(ch, safe="-_.~") for ch in name)


def _widths(ws: Worksheet, sheet: Sheet) -> None:
    for i, header in enumerate(sheet.headers):
        texts = [header] + [line for row in sheet.rows for line in cell_text(row[i]).split("\n")]
        width = max(sum(2 if ord(ch) > 255 else 1 for ch in t) for t in texts) + 2
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, max(8, width))


def _chart(ws: Worksheet, sheet: Sheet, spec: Chart, n: int) -> None:
    rows = len(sheet.rows)
    chart = BarChart()
    chart.type = "col" if spec.stacked else "bar"
    chart.title, chart.style = spec.title, 10
    chart.x_axis.delete = chart.y_axis.delete = False   # openpyxl ≥ 3.1 hides the axes otherwise
    for col in spec.columns:
        chart.add_data(Reference(ws, min_col=col + 1, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    if spec.stacked:
        chart.grouping, chart.overlap = "stacked", 100
        chart.width, chart.height = 24, 10
    else:
        chart.legend = None
        chart.x_axis.scaling.orientation = "maxMin"   # first category on top, as in the table,
        chart.y_axis.crosses = "max"                  # with the value axis kept at the bottom
        chart.width, chart.height = 14, max(7.5, 0.55 * rows + 2)
    anchor_col = get_column_letter(len(sheet.headers) + 2)
    ws.add_chart(chart, f"{anchor_col}{1 + n * max(CHART_ROWS, int(chart.height * 2) + 2)}")
