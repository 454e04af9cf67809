"""PDF rendering (reportlab platypus) of reading lists and year plans, with a real CJK text layer.

Set like a 公文 handout: the title in the title font (方正小标宋 or a free Song), headings in 黑体,
the body in 仿宋 or a free serif (kb.export.fonts), and Chinese line breaking: no line starts with
closing punctuation (kb.export.linebreak).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from kb.export import labels, linebreak
from kb.export.fonts import CJKFont, FontSet, cjk_fonts
from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth

linebreak.install()

# GB/T 9704 margins, as in the Word output.
MARGINS = {"topMargin": 37 * mm, "bottomMargin": 35 * mm, "leftMargin": 28 * mm, "rightMargin": 26 * mm}
GREY = colors.HexColor("#404040")


class _Styles:
    """Paragraph styles for one set of fonts; wordWrap="CJK" lets lines break between characters."""

    def __init__(self, fonts: FontSet) -> None:
        def style(name: str, font: CJKFont, size: float, leading: float = 1.5, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font.name, fontSize=size, leading=size * leading,
                                  wordWrap="CJK", **extra)

        self.fonts = fonts
        title, heading, body = fonts.title, fonts.heading, fonts.body
        self.unit = style("unit", heading, 14, alignment=TA_CENTER, spaceAfter=6)
        self.title = style("title", title, 20, alignment=TA_CENTER, spaceBefore=4, spaceAfter=10)
        self.session = style("session", body, 12, alignment=TA_CENTER, spaceAfter=2)
        self.meta_center = style("meta_center", body, 10.5, alignment=TA_CENTER, textColor=GREY, spaceAfter=10)
        # No keepWithNext: the plan's overview table follows an h1, and keeping a table that spans
        # pages with its heading pushes both onto a new page, leaving the first one blank.
        self.h1 = style("h1", heading, 14, spaceBefore=10, spaceAfter=6)
        self.h1_next = style("h1_next", heading, 14, spaceBefore=10, spaceAfter=4, keepWithNext=1)
        self.h2 = style("h2", heading, 13, spaceBefore=10, spaceAfter=2, keepWithNext=1)
        self.h3 = style("h3", heading, 11.5, spaceBefore=6, spaceAfter=1, keepWithNext=1)
        self.source = style("source", body, 10.5, textColor=GREY, spaceAfter=4, keepWithNext=1)
        self.body = style("body", body, 12, leading=1.65, firstLineIndent=24, spaceAfter=3)
        self.label = style("label", body, 12, leading=1.6, spaceBefore=2, spaceAfter=3)
        self.line = style("line", body, 10.5, leading=1.45, leftIndent=22, firstLineIndent=-11, spaceAfter=0)
        self.cell = style("cell", body, 10, leading=1.4)
        self.cell_head = style("cell_head", heading, 10.5, leading=1.4, alignment=TA_CENTER)


# reportlab collapses runs of whitespace, U+3000 included; non-breaking spaces survive.
GAP = "&#160;" * 4


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _labelled(label: str, text: str, style: ParagraphStyle, fonts: FontSet) -> Paragraph:
    return Paragraph(f'<font name="{fonts.heading.name}">【{escape(label)}】</font>{escape(text)}', style)


def _footer(font: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 10.5)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(A4[0] / 2, 18 * mm, f"— {doc.page} —")
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], title: str, subject: str, fonts: FontSet) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, subject=subject, author="学习资料库",
                            creator="学习资料库", **MARGINS)
    footer = _footer(fonts.body.name)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _fonts(font: CJKFont | None) -> FontSet:
    return FontSet.uniform(font) if font is not None else cjk_fonts()


def _head(unit: str | None, title: str, styles: _Styles) -> list[Flowable]:
    story: list[Flowable] = []
    if labels.clean_text(unit):
        story.append(_p(labels.clean_text(unit), styles.unit))
    story.append(_p(title, styles.title))
    return story


def _item(item: ExportItem, styles: _Styles, fonts: FontSet) -> list[Flowable]:
    flow: list[Flowable] = [_p(labels.item_heading(item), styles.h2)]
    source = labels.source_line(item)
    if source:
        flow.append(_p(source, styles.source))
    passage = labels.paragraphs(item.text)
    flow += [_p(line, styles.body) for line in passage or [labels.passage_placeholder(item)]]
    note = labels.clean_text(item.note)
    if note:
        flow.append(_labelled("导读", note, styles.label, fonts))
    return flow


def render_list(lst: ExportList, font: CJKFont | None = None) -> bytes:
    """A 学习材料 handout as PDF bytes; `font` (one for every role) defaults to the best installed set."""
    fonts = _fonts(font)
    styles = _Styles(fonts)
    title = labels.list_title(lst)
    story = _head(lst.unit, title, styles)
    story += [_p(line, styles.session) for line in labels.session_lines(lst.session)]
    story.append(_p(f"编制日期：{labels.chinese_date(lst.created)}", styles.meta_center))
    story += [_p(line, styles.body) for line in labels.paragraphs(lst.description)]
    story.append(_p(labels.list_intro(lst), styles.body))
    for item in lst.items:
        story += _item(item, styles, fonts)
    return _build(story, title, labels.clean_text(lst.topic), fonts)


def _plan_table(months: list[PlanMonth], styles: _Styles) -> Table:
    head = ("月份", "学习主题", "学习形式", "学习材料")
    rows: list[list[Flowable]] = [[Paragraph(name, styles.cell_head) for name in head]]
    for month in months:
        readings = "<br/>".join(escape(labels.short_title(item)) for item in month.readings) or "（待定）"
        rows.append([
            _p(labels.month_label(month), styles.cell),
            _p(labels.clean_text(month.theme), styles.cell),
            _p(labels.clean_text(month.format), styles.cell),
            Paragraph(readings, styles.cell),
        ])
    table = Table(rows, colWidths=[14 * mm, 40 * mm, 20 * mm, 82 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _plan_month(month: PlanMonth, styles: _Styles, fonts: FontSet) -> list[Flowable]:
    """A month as a short list: its heading, one line per reading (with its 导读), past coverage, note."""
    flow: list[Flowable] = [_p(labels.month_heading(month), styles.h3)]
    for item in month.readings:
        note = labels.clean_text(item.note)
        flow.append(_p(labels.reading_line(item) + (f"　导读：{note}" if note else ""), styles.line))
    if not month.readings:
        flow.append(_p("学习材料待定", styles.line))
    coverage = labels.coverage_line(month)
    if coverage:
        flow.append(_p(coverage, styles.line))
    if labels.clean_text(month.note):
        flow.append(_p(f"备注：{labels.clean_text(month.note)}", styles.line))
    return flow


def render_plan(plan: ExportPlan, font: CJKFont | None = None) -> bytes:
    """A 年度学习计划 as PDF bytes: one table for the year, then each month's readings as a short list."""
    fonts = _fonts(font)
    styles = _Styles(fonts)
    title = labels.plan_title(plan)
    story = _head(plan.unit, title, styles)
    story.append(_labelled("全年学习主线", labels.clean_text(plan.main_line), styles.label, fonts))
    months = labels.sorted_months(plan)
    story += [_p("一、全年学习安排", styles.h1), _plan_table(months, styles)]
    story.append(_p("二、各月学习材料", styles.h1_next))
    for month in months:
        story += _plan_month(month, styles, fonts)
    return _build(story, title, labels.clean_text(plan.main_line), fonts)
