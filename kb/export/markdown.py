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
    parts = [
        f"## {escape(labels.item_heading(item))}",
        f"*{labels.kind_label(item.kind)}*　{escape(labels.citation(item))}",
    ]
    passage = labels.paragraphs(item.text)
    parts.append(_quote(passage) if passage else labels.passage_placeholder(item))
    note = labels.clean_text(item.note)
    if note:
        parts.append(f"**导读**：{escape(note)}")
    return "\n\n".join(parts)


def render_list(lst: ExportList) -> bytes:
    """A 学习材料清单 as UTF-8 Markdown."""
    head = [f"# {escape(labels.list_title(lst))}", ""]
    if labels.clean_text(lst.topic):
        head.append(f"- 学习主题：{escape(lst.topic)}")
    head.append(f"- 编制日期：{labels.chinese_date(lst.created)}")
    head.append(f"- 材料数量：{len(lst.items)}项")
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
        readings = "<br>".join(_cell(labels.reading_line(item)) for item in month.readings) or "（待定）"
        cells = [labels.month_label(month), _cell(month.theme), _cell(month.format), readings]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _month(month: PlanMonth) -> str:
    parts = [
        f"### {labels.month_label(month)}：{escape(month.theme)}",
        f"**学习形式**：{escape(month.format)}",
    ]
    lines = [
        f"{item.number}. {escape(labels.item_title(item))}{escape(labels.citation(item))}"
        + (f"　导读：{escape(item.note)}" if labels.clean_text(item.note) else "")
        for item in month.readings
    ]
    parts.append("**学习材料**：\n\n" + "\n".join(lines) if lines else "**学习材料**：（待定）")
    if month.coverage:
        parts.append("**往期学习**：\n\n" + "\n".join(f"- {escape(line)}" for line in month.coverage))
    if labels.clean_text(month.note):
        parts.append(f"**备注**：{escape(month.note)}")
    return "\n\n".join(parts)


def render_plan(plan: ExportPlan) -> bytes:
    """A 年度学习计划 as UTF-8 Markdown: an overview table, then one section per month."""
    blocks = [f"# {escape(labels.plan_title(plan))}"]
    if labels.clean_text(plan.unit):
        blocks.append(escape(plan.unit))
    blocks.append(f"**全年学习主线**：{escape(plan.main_line)}")
    months = labels.sorted_months(plan)
    blocks += ["## 一、学习安排总表", _table(months), "## 二、各月学习安排"]
    blocks += [_month(month) for month in months]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
