"""PDF rendering (reportlab platypus) of reading lists and year plans, with a real CJK text layer."""

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
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kb.export import labels
from kb.export.fonts import CJKFont, cjk_font
from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth

# GB/T 9704 margins, as in the Word output.
MARGINS = {"topMargin": 37 * mm, "bottomMargin": 35 * mm, "leftMargin": 28 * mm, "rightMargin": 26 * mm}
GREY = colors.HexColor("#595959")
PASSAGE_BACKGROUND = colors.HexColor("#F4F4F4")


class _Styles:
    """Paragraph styles for one font; wordWrap="CJK" lets lines break between any two characters."""

    def __init__(self, font: str) -> None:
        def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.6,
                                  wordWrap="CJK", **extra)

        self.title = style("title", 20, alignment=TA_CENTER, spaceAfter=6)
        self.meta_center = style("meta_center", 10, alignment=TA_CENTER, textColor=GREY, spaceAfter=10)
        # No keepWithNext: the plan's overview table follows an h1, and keeping a table that spans
        # pages with its heading pushes both onto a new page, leaving the first one blank.
        self.h1 = style("h1", 15, spaceBefore=12, spaceAfter=6)
        self.h2 = style("h2", 13, spaceBefore=10, spaceAfter=3, keepWithNext=1)
        self.meta = style("meta", 9.5, textColor=GREY, spaceAfter=2, keepWithNext=1)
        self.body = style("body", 11, firstLineIndent=22, spaceAfter=4)
        self.passage = style("passage", 11, firstLineIndent=22, leftIndent=6, rightIndent=6,
                             backColor=PASSAGE_BACKGROUND, borderPadding=(3, 6, 3, 6), spaceAfter=2)
        self.label = style("label", 10.5, spaceBefore=2, spaceAfter=3)
        self.label_head = style("label_head", 10.5, spaceBefore=2, spaceAfter=3, keepWithNext=1)
        self.indented = style("indented", 10.5, leftIndent=22, spaceAfter=2)
        self.cell = style("cell", 9.5)
        self.cell_head = style("cell_head", 10, alignment=TA_CENTER)


# reportlab collapses runs of whitespace, U+3000 included; non-breaking spaces survive.
GAP = "&#160;" * 4


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _joined(parts: list[str], style: ParagraphStyle) -> Paragraph:
    return Paragraph(GAP.join(escape(part) for part in parts), style)


def _labelled(label: str, text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f'<font color="#000000">【{escape(label)}】</font>{escape(text)}', style)


def _footer(font: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.setFillColor(GREY)
        canvas.drawCentredString(A4[0] / 2, 18 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], title: str, subject: str, font: CJKFont) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, subject=subject, author="学习资料库",
                            creator="学习资料库", **MARGINS)
    footer = _footer(font.name)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _item(item: ExportItem, styles: _Styles) -> list[Flowable]:
    meta = [f"类型：{labels.kind_label(item.kind)}"]
    meta += [text for text in (labels.clean_text(item.date), labels.page_label(item)) if text]
    flow: list[Flowable] = [
        _p(labels.item_heading(item), styles.h2),
        _joined(meta, styles.meta),
        _p(labels.citation(item), styles.meta),
        Spacer(1, 3),
    ]
    passage = labels.paragraphs(item.text)
    if passage:
        flow += [_p(line, styles.passage) for line in passage]
    else:
        flow.append(_p(labels.passage_placeholder(item), styles.body))
    note = labels.clean_text(item.note)
    if note:
        flow += [Spacer(1, 3), _labelled("导读", note, styles.label)]
    return flow


def render_list(lst: ExportList, font: CJKFont | None = None) -> bytes:
    """A 学习材料清单 as PDF bytes; font defaults to the best installed CJK font."""
    font = font or cjk_font()
    styles = _Styles(font.name)
    title = labels.list_title(lst)
    header = [f"学习主题：{labels.clean_text(lst.topic)}"] if labels.clean_text(lst.topic) else []
    header.append(f"编制日期：{labels.chinese_date(lst.created)}")
    story: list[Flowable] = [_p(title, styles.title), _joined(header, styles.meta_center)]
    story += [_p(line, styles.body) for line in labels.paragraphs(lst.description)]
    story.append(_p(labels.list_intro(lst), styles.body))
    for item in lst.items:
        story += _item(item, styles)
    return _build(story, title, labels.clean_text(lst.topic), font)


def _plan_table(months: list[PlanMonth], styles: _Styles) -> Table:
    head = ("月份", "学习主题", "学习形式", "学习材料")
    rows: list[list[Flowable]] = [[Paragraph(name, styles.cell_head) for name in head]]
    for month in months:
        readings = "<br/>".join(escape(labels.reading_line(item)) for item in month.readings) or "（待定）"
        rows.append([
            _p(labels.month_label(month), styles.cell),
            _p(labels.clean_text(month.theme), styles.cell),
            _p(labels.clean_text(month.format), styles.cell),
            Paragraph(readings, styles.cell),
        ])
    table = Table(rows, colWidths=[16 * mm, 46 * mm, 24 * mm, 70 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _plan_month(month: PlanMonth, styles: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [
        _p(f"{labels.month_label(month)}：{labels.clean_text(month.theme)}", styles.h2),
        _labelled("学习形式", labels.clean_text(month.format), styles.label),
        _labelled("学习材料", "" if month.readings else "（待定）", styles.label_head),
    ]
    for item in month.readings:
        note = labels.clean_text(item.note)
        text = escape(labels.item_heading(item))
        text += f'<font color="#595959">{escape(labels.citation(item))}</font>'
        flow.append(Paragraph(text + (f"　导读：{escape(note)}" if note else ""), styles.indented))
    if month.coverage:
        flow.append(_labelled("往期学习", "", styles.label_head))
        flow += [_p(f"· {labels.clean_text(line)}", styles.indented) for line in month.coverage]
    if labels.clean_text(month.note):
        flow.append(_labelled("备注", labels.clean_text(month.note), styles.label))
    return flow


def render_plan(plan: ExportPlan, font: CJKFont | None = None) -> bytes:
    """A 年度学习计划 as PDF bytes: an overview table, then one section per month."""
    font = font or cjk_font()
    styles = _Styles(font.name)
    title = labels.plan_title(plan)
    story: list[Flowable] = [_p(title, styles.title)]
    if labels.clean_text(plan.unit):
        story.append(_p(labels.clean_text(plan.unit), styles.meta_center))
    story.append(_labelled("全年学习主线", labels.clean_text(plan.main_line), styles.label))
    months = labels.sorted_months(plan)
    story += [CondPageBreak(60 * mm), _p("一、学习安排总表", styles.h1), _plan_table(months, styles)]
    story += [CondPageBreak(60 * mm), _p("二、各月学习安排", styles.h1)]
    for month in months:
        story += _plan_month(month, styles)
    return _build(story, title, labels.clean_text(plan.main_line), font)
