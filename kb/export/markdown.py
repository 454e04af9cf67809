"""Markdown rendering of reading lists and year plans."""

from __future__ import annotations

import re

from kb.export import labels
from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth

# Characters that turn plain text into markup anywhere, and those that do so only at a line start;
# Chinese punctuation needs no escaping, and a mid-line ">" (the section separator) stays readable.
_MARKUP = re.compile(r"([\\`*_\[\]<|])")
_LINE_START = re.compile(r"^([#>+-])", re.MULTILINE)


def escape(text: str | None) -> str:
    return _LINE_START.sub(r"\\\1", _MARKUP.sub(r"\\\1", labels.clean_text(text)))


def _quote(lines: list[str]) -> str:
    return "\n>\n".join(f"> {escape(line)}" for line in lines)


def _item(item: ExportItem) -> str:
    parts = [f"## {escape(labels.item_heading(item))}"]
    source = labels.source_line(item)
    if source:
        parts.append(escape(source))
    passage = labels.paragraphs(item.text)
    parts.append(_quote(passage) if passage else labels.passage_placeholder(item))
    note = labels.clean_text(item.note)
    if note:
        parts.append(f"**导读**：{escape(note)}")
    return "\n\n".join(parts)


def render_list(lst: ExportList) -> bytes:
    """A 学习材料清单 as UTF-8 Markdown."""
    head = [escape(lst.unit), ""] if labels.clean_text(lst.unit) else []
    head += [f"# {escape(labels.list_title(lst))}", ""]
    head += [f"- {escape(line)}" for line in labels.session_lines(lst.session)]
    head.append(f"- 编制日期：{labels.chinese_date(lst.created)}")
    blocks = ["\n".join(head)]
    blocks += [escape(line) for line in labels.paragraphs(lst.description)]
    blocks.append(labels.list_intro(lst))
    blocks += [_item(item) for item in lst.items]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _cell(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _table(months: list[PlanMonth]) -> str:
    rows = ["| 月份 | 学习主题 | 学习形式 | 学习材料 |", "| --- | --- | --- | --- |"]
    for month in months:
        readings = "<br>".join(_cell(labels.short_title(item)) for item in month.readings) or "（待定）"
        cells = [labels.month_label(month), _cell(month.theme), _cell(month.format), readings]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _month(month: PlanMonth) -> str:
    """A month as a short list: its heading, one line per reading (with its 导读), past coverage, note."""
    lines = [
        escape(labels.reading_line(item)) + (f"　导读：{escape(item.note)}" if labels.clean_text(item.note) else "")
        for item in month.readings
    ] or ["学习材料待定"]
    if labels.coverage_line(month):
        lines.append(escape(labels.coverage_line(month)))
    if labels.clean_text(month.note):
        lines.append(f"备注：{escape(month.note)}")
    return f"### {escape(labels.month_heading(month))}\n\n" + "  \n".join(lines)  # hard line breaks


def render_plan(plan: ExportPlan) -> bytes:
    """A 年度学习计划 as UTF-8 Markdown: one table for the year, then each month's readings."""
    blocks = [escape(plan.unit)] if labels.clean_text(plan.unit) else []
    blocks.append(f"# {escape(labels.plan_title(plan))}")
    blocks.append(f"**全年学习主线**：{escape(plan.main_line)}")
    months = labels.sorted_months(plan)
    blocks += ["## 一、全年学习安排", _table(months), "## 二、各月学习材料"]
    blocks += [_month(month) for month in months]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
