"""The digest as one static page, `index.html`, that opens straight from the
shared folder: no server, no scripts, no external fonts or style sheets;
style inline, charts as inline SVG drawn here, files waiting for a person
linked relatively to their copies in the review folder."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from .sheets import Cell, Chart, Sheet, cell_text, sheets
from .views import ESTIMATED, Digest

BADGES = {"逾期": "late", "缺报": "bad", "约谈": "bad", "注销预警": "warn", "条款被改动": "bad", "无": "bad",
          "未报送": "bad", "未能确认": "warn", "退回": "bad", "需人工复核": "warn", "已报": "ok", "完好": "ok",
          "有": "ok", "未到期": "muted", "不适用": "muted", "是": "ok", "已逾期": "late", "即将到期": "warn"}
COLOURS = ["#2f6db5", "#e08a2c", "#3a9a5b", "#8a5cc2", "#9aa0a6"]

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;
 font:14px/1.55 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif}
header{background:#1d3557;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;opacity:.85}
main{padding:16px 32px 40px;max-width:1500px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}
.card{flex:1 1 150px;background:#fff;border-radius:8px;padding:10px 14px;text-decoration:none;color:inherit;
 border-left:5px solid #2f6db5;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:24px;line-height:1.3}
.card.alert{border-left-color:#c0392b}.card.alert b{color:#c0392b}
.card.warn{border-left-color:#e0a800}
nav{margin:4px 0 8px;font-size:13px}nav a{margin-right:12px;color:#1d3557}
section{background:#fff;border-radius:8px;margin:14px 0;padding:12px 18px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:2px 0 2px;color:#1d3557}
.note{margin:0 0 8px;color:#52606d;font-size:13px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#e8eef6;text-align:left;font-weight:600;padding:6px 8px;border-bottom:2px solid #c5d3e6;
 vertical-align:bottom;min-width:4.5em}
td{padding:5px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top}
tbody tr:nth-child(even){background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td:first-child,td.date{white-space:nowrap}
.empty{color:#7b8794;margin:6px 0 0}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.bad{background:#fde2e1;color:#b42318}.badge.late{background:#ffe8d5;color:#b54708}
.badge.warn{background:#fff4cc;color:#8a6100}.badge.ok{background:#e3f4e8;color:#1e7a3c}
.badge.muted{background:#eef0f3;color:#616e7c}
.est{color:#b54708;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:6px 0}
svg text{font-size:12px;fill:#323f4b}svg .ct{font-size:13px;font-weight:600;fill:#1d3557}svg .v{fill:#52606d}
details{margin-top:6px}summary{cursor:pointer;color:#1d3557;font-size:13px}
a{color:#1d5fb4}
"""


def write_html(digest: Digest, path: Path, review_dir_name: str = "待处理", station: Optional[str] = None) -> Path:
    """Write the page to `path` (overwriting it) and return the path."""
    Path(path).write_text(render(digest, review_dir_name, station), encoding="utf-8")
    return Path(path)


def render(digest: Digest, review_dir_name: str = "待处理", station: Optional[str] = None) -> str:
    views = sheets(digest)
    title = f"武进区安全生产技术服务机构监管汇总（截至 {digest.as_of}）"
    nav = "".join(f'<a href="#v-{escape(s.name)}">{escape(s.name)}</a>' for s in views)
    body = "".join(_section(s, review_dir_name, station) for s in views)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>"
            f"<header><h1>武进区安全生产技术服务机构监管汇总</h1><p>统计截至 {digest.as_of} · 本半年度 {digest.current.label}"
            f" · 依据《武进区安全生产技术服务机构监督管理办法》</p></header>"
            f"<main>{_cards(digest)}<nav>{nav}</nav>{body}</main></body></html>\n")


def _cards(d: Digest) -> str:
    reports = [a for a in d.agencies if a.work_report in ("逾期", "缺报")]
    open_files = sum(1 for w in d.waiting if not w.corrected)
    contracts, amount = sum(a.contracts_this_half for a in d.agencies), sum(a.amount_this_half for a in d.agencies)
    cards = [
        ("约谈警示", f"{len(d.talks)} 家", "约谈警示", "alert" if d.talks else ""),
        ("待处理", f"{len(d.waiting)} 份", f"等待人工处理（{open_files} 份尚无更正）", "warn" if open_files else ""),
        ("逾期备案合同", f"{len(d.late_contracts)} 份", "近12个月逾期备案合同", "alert" if d.late_contracts else ""),
        ("工作报表", f"{len(reports)} 家", f"{d.previous.label}工作报表逾期或缺报", "alert" if reports else ""),
        ("注销预警", f"{sum(a.dormant for a in d.agencies)} 家", "12个月以上无合同备案", "warn"),
        ("一人多机构", f"{len(d.two_agencies)} 人次", "同一人员列在两家同类机构名单上", "alert" if d.two_agencies else ""),
        ("托管专家检查", f"{len(d.expert_gaps)} 项", "托管合同专家检查次数不足", "alert" if d.expert_gaps else ""),
        ("机构概况", f"{len(d.agencies)} 家", f"{d.current.label}合同 {contracts} 份，{amount:.2f} 万元", ""),
    ]
    return '<div class="cards">' + "".join(
        f'<a class="card {cls}" href="#v-{escape(anchor)}"><b>{escape(big)}</b>{escape(small)}</a>'
        for anchor, big, small, cls in cards) + "</div>"


def _section(sheet: Sheet, review: str, station: Optional[str] = None) -> str:
    head = f'<section id="v-{escape(sheet.name)}"><h2>{escape(sheet.title)}</h2>'
    note = f'<p class="note">{escape(sheet.note)}</p>' if sheet.note else ""
    if not sheet.charts:
        return f"{head}{note}{_table(sheet, review, station)}</section>"
    charts = "".join(_svg(sheet, c) for c in sheet.charts)
    return (f'{head}{note}<div class="charts">{charts}</div>'
            f"<details><summary>数据表</summary>{_table(sheet, review)}</details></section>")


def _table(sheet: Sheet, review: str, station: Optional[str] = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in sheet.headers)
    rows = []
    for i, row in enumerate(sheet.rows):
        link = sheet.links[i] if i < len(sheet.links) else None
        href = f"{quote(review)}/{quote(link)}" if link else None
        if station and i < len(sheet.records) and sheet.records[i]:
            href = f"{station}/record/{sheet.records[i]}"  # the record's page on the review station
        rows.append("<tr>" + "".join(_td(v, href if j == 0 else None) for j, v in enumerate(row)) + "</tr>")
    empty = "" if sheet.rows else '<p class="empty">（无）</p>'
    return (f'<div class="scroll"><table data-sheet="{escape(sheet.name)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>{empty}')


def _td(value: object, href: str | None) -> str:
    text = cell_text(value)  # type: ignore[arg-type]
    cls = "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else "date" if isinstance(value, date) else ""
    if href:
        inner = f'<a href="{escape(href)}">{escape(text)}</a>'
    elif text in BADGES:
        inner = f'<span class="badge {BADGES[text]}">{escape(text)}</span>'
    elif text.endswith(ESTIMATED):
        inner, cls = f'{escape(text[: -len(ESTIMATED)])}<span class="est">{ESTIMATED}</span>', "date"
    else:
        inner = "<br>".join(escape(line) for line in text.split("\n"))
    return f'<td class="{cls}">{inner}</td>' if cls else f"<td>{inner}</td>"


# ---------------------------------------------------------------- inline SVG charts
def _svg(sheet: Sheet, chart: Chart) -> str:
    labels = [cell_text(r[0]) for r in sheet.rows]
    series = [(sheet.headers[c], [_number(r[c]) for r in sheet.rows]) for c in chart.columns]
    if chart.stacked:
        return _columns(chart.title, labels, series)
    colour = COLOURS[0] if chart.columns[0] == 1 else COLOURS[1]
    return _bars(chart.title, labels, series[0][1], colour)


def _number(cell: Cell) -> float:
    """A cell of a charted (numeric) column as a number; empty counts as 0."""
    if isinstance(cell, date):
        raise TypeError(f"a chart column holds a date: {cell}")
    return float(cell or 0)


def _num(v: float) -> str:
    return f"{v:.0f}" if v == int(v) else f"{v:.2f}"


def _bars(title: str, labels: list[str], values: list[float], colour: str) -> str:
    top, row_h, label_w, track, width = 30, 22, 128, 300, 500
    height = top + row_h * len(labels) + 6
    peak = max(values, default=0) or 1
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="17" class="ct">{escape(title)}</text>']
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y, w = top + i * row_h, track * v / peak
        out += [f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
                f'<rect x="{label_w}" y="{y + 3}" width="{track}" height="15" fill="#f1f3f5"/>',
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="15" rx="2" fill="{colour}"/>',
                f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" class="v">{_num(v)}</text>']
    return "".join(out) + "</svg>"


def _nice(peak: float) -> float:
    step = 10 ** (len(str(int(peak))) - 1)
    return next(m * step for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * step >= peak)


def _columns(title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> str:
    width, height, left, top, bottom = 1000, 300, 44, 56, 34
    plot_h, slot = height - top - bottom, (width - left - 10) / max(1, len(labels))
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    peak = _nice(max(totals, default=0) or 1)
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="17" class="ct">{escape(title)}</text>']
    for k, (name, _) in enumerate(series):
        out.append(f'<rect x="{left + k * 110}" y="28" width="12" height="12" fill="{COLOURS[k % len(COLOURS)]}"/>'
                   f'<text x="{left + k * 110 + 17}" y="39">{escape(name)}</text>')
    for g in range(5):
        y = top + plot_h - plot_h * g / 4
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="v">{_num(peak * g / 4)}</text>')
    for i, label in enumerate(labels):
        x, base = left + i * slot + slot * 0.2, float(top + plot_h)
        for k, (_, values) in enumerate(series):
            h = plot_h * values[i] / peak
            base -= h
            out.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" '
                       f'fill="{COLOURS[k % len(COLOURS)]}"/>')
        out += [f'<text x="{x + slot * 0.3:.1f}" y="{base - 4:.1f}" text-anchor="middle" class="v">{_num(totals[i])}</text>',
                f'<text x="{x + slot * 0.3:.1f}" y="{height - 12}" text-anchor="middle">{escape(label)}</text>']
    return "".join(out) + "</svg>"

