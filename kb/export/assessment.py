"""The assessment table (考核评价表) as XLSX (openpyxl) and CSV: one row a member, facts and counts,
whether every rule is met and, if not, why. Names and posts come from people: kept as text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from kb.export import csv
from kb.export.labels import clean_text
from kb.records import COMPLETION_LABELS, GroupAssessment, MemberAssessment

COLUMNS = ("序号", "姓名", "职务", "应参加", "出席", "请假", "缺席", "补学", "出勤率", "重点发言", "心得体会",
           "研讨发言材料", "调研报告", "成果转化", "考核结果", "未达标原因")
WIDTHS = (5, 8, 22, 6, 5, 5, 5, 5, 7, 8, 8, 11, 8, 8, 8, 44)
PASSED, SHORT = "达标", "未达标"


def member_row(number: int, m: MemberAssessment) -> list[str | int]:
    return [number, m.name, m.post, m.due, m.attended, m.leave, m.absent, m.made_up, f"{m.rate:.0%}", m.lead,
            m.reflections, m.speeches, m.reports, m.outcomes, PASSED if m.passed else SHORT, "；".join(m.shortfalls)]


def rows(group: GroupAssessment) -> list[list[str | int]]:
    return [member_row(i, m) for i, m in enumerate(group.members, start=1)]


def render_csv(group: GroupAssessment) -> bytes:
    """The table as CSV (UTF-8 with BOM, every cell a spreadsheet could run kept as text)."""
    return csv.table(COLUMNS, rows(group))


def _text_cell(ws: Any, row: int, column: int, value: str | int | float) -> None:
    """Write a cell; text is always text, never a formula (openpyxl takes "=…" for one)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
    else:
        cell.value = value


def _sheet(ws: Any, title: str, header: Sequence[str], body: Sequence[Sequence[str | int]],
           widths: Sequence[int]) -> None:
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.title = title
    for column, (name, width) in enumerate(zip(header, widths, strict=True), start=1):
        _text_cell(ws, 1, column, name)
        cell = ws.cell(row=1, column=column)
        cell.font = Font(bold=True, name="宋体")
        cell.fill = PatternFill("solid", fgColor="E8E8E8")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[get_column_letter(column)].width = width
    for r, values in enumerate(body, start=2):
        # Rows do not grow by themselves when a file is opened: give each the lines its longest cell
        # needs (a Chinese character is two width units).
        lines = max((-(-len(str(v)) * 2 // max(w - 1, 1)) for v, w in zip(values, widths, strict=True)), default=1)
        ws.row_dimensions[r].height = 15 * max(lines, 1)
        for column, value in enumerate(values, start=1):
            _text_cell(ws, r, column, value)
            cell = ws.cell(row=r, column=column)
            cell.font = Font(name="宋体")
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = border
    ws.freeze_panes = "A2"
    # Printed as an office files it: landscape A4, all columns on one page wide, the header on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def render_xlsx(group: GroupAssessment) -> bytes:
    """A workbook: 考核评价 (the table), 计划完成情况 (the plan's months), 考核标准 (the rules used)."""
    book = Workbook()
    _sheet(book.active, f"{group.year}年考核评价", COLUMNS, rows(group), WIDTHS)
    _sheet(book.create_sheet(), "计划完成情况", ("月份", "计划主题", "完成情况", "对应学习活动"),
           [[f"{m.month}月", m.theme, COMPLETION_LABELS[m.status], m.session.label if m.session else ""]
            for m in group.months], (8, 50, 14, 60))
    rules = group.rules
    _sheet(book.create_sheet(), "考核标准", ("项目", "标准"), [
        ["出勤率下限", f"{rules.min_attendance:.0%}"],
        ["每年心得体会或调研报告", f"不少于 {rules.min_outputs} 篇"],
        ["缺课须补学", "是" if rules.makeup_required else "否"],
        ["补学须提交心得体会", "是" if rules.reflection_required else "否"],
    ], (26, 20))
    book.properties.title = f"{group.year}年度理论学习中心组考核评价表"
    book.properties.creator = "学习资料库"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
