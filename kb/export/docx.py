"""Word (.docx) rendering of reading lists and year plans, laid out like an official document.

Fonts are named as GB/T 9704 has them (方正小标宋简体 for the title, 黑体 for headings, 仿宋_GB2312 for
the body); Word and LibreOffice substitute installed ones where those are missing. Line breaking
follows the Chinese rules (no line starts with ，。、；：？！）》” …): both apply them to East Asian
text by default (w:kinsoku), and the document says its language is zh-CN so they know which set.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph

from kb.export import labels
from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth

LATIN = "Times New Roman"
SONG = "宋体"
FANGSONG = "仿宋_GB2312"
HEI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
META_GREY = RGBColor(0x59, 0x59, 0x59)

# GB/T 9704 (党政机关公文格式): A4, top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
PAGE = {"width": 21.0, "height": 29.7, "top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _set_fonts(rpr: CT_RPr, east_asia: str, latin: str = LATIN) -> None:
    """Name the Latin and East Asian fonts on an rPr; theme fonts would override them, so drop those."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph: Paragraph, text: str, font: str = SONG, size: float | None = None,
         bold: bool = False, color: RGBColor | None = None) -> None:
    run = paragraph.add_run(text)
    _set_fonts(run._r.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = Pt(size)
    run.font.bold = bold or None
    if color is not None:
        run.font.color.rgb = color


def _style_document(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE["width"]), Cm(PAGE["height"])
    section.top_margin, section.bottom_margin = Cm(PAGE["top"]), Cm(PAGE["bottom"])
    section.left_margin, section.right_margin = Cm(PAGE["left"]), Cm(PAGE["right"])
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.paragraph_format.line_spacing = 1.35
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = doc.styles[name]
        _set_fonts(style.element.get_or_add_rPr(), XIAOBIAOSONG if name == "Title" else HEI)
        style.font.size = Pt(size)
        style.font.bold = False  # 黑体 is heavy already; a faux bold smears it
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt({"Title": 0, "Heading 3": 6}.get(name, 12))
        style.paragraph_format.space_after = Pt(2 if name == "Heading 3" else 6)
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The default Title style draws a blue rule under the text; official documents have none.
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _add_page_number(section.footer.paragraphs[0])


def _add_page_number(paragraph: Paragraph) -> None:
    """Centre "— N —" in the footer, N being a PAGE field that Word and LibreOffice fill in."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", size=10.5)
    run = paragraph.add_run()
    run.font.size = Pt(10.5)
    for kind, text in (("begin", None), ("instr", "PAGE"), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        elif kind == "text":
            node = OxmlElement("w:t")
            node.text = text
        else:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        run._r.append(node)
    _run(paragraph, " —", size=10.5)


def _new_document(title: str, subject: str) -> DocxDocument:
    doc = Document()
    _style_document(doc)
    doc.core_properties.title = title
    doc.core_properties.subject = subject
    doc.core_properties.author = "学习资料库"
    return doc


def _to_bytes(doc: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _meta_line(doc: DocxDocument, text: str, center: bool = False, size: float = 10.5) -> None:
    paragraph = doc.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, font=FANGSONG, size=size, color=META_GREY)


def _centered(doc: DocxDocument, text: str, font: str, size: float, after: float = 6) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(after)
    _run(paragraph, text, font=font, size=size)


def _body(doc: DocxDocument, text: str, font: str = FANGSONG, size: float = 14) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(size * 2)  # 首行缩进两字
    _run(paragraph, text, font=font, size=size)


def _labelled(doc: DocxDocument, label: str, text: str, size: float = 12) -> None:
    paragraph = doc.add_paragraph()
    _run(paragraph, f"【{label}】", font=HEI, size=size)
    _run(paragraph, text, font=FANGSONG, size=size)


def _head(doc: DocxDocument, unit: str | None, title: str) -> None:
    if labels.clean_text(unit):
        _centered(doc, labels.clean_text(unit), HEI, 16)
    doc.add_heading(title, level=0)


def _item(doc: DocxDocument, item: ExportItem) -> None:
    doc.add_heading(labels.item_heading(item), level=2)
    source = labels.source_line(item)
    if source:
        _meta_line(doc, source, size=12)
    passage = labels.paragraphs(item.text)
    for line in passage or [labels.passage_placeholder(item)]:
        _body(doc, line)
    note = labels.clean_text(item.note)
    if note:
        _labelled(doc, "导读", note, size=14)


def render_list(lst: ExportList) -> bytes:
    """A 学习材料 handout as .docx bytes."""
    title = labels.list_title(lst)
    doc = _new_document(title, labels.clean_text(lst.topic))
    _head(doc, lst.unit, title)
    for line in labels.session_lines(lst.session):
        _centered(doc, line, FANGSONG, 14, after=0)
    _meta_line(doc, f"编制日期：{labels.chinese_date(lst.created)}", center=True, size=12)
    for line in labels.paragraphs(lst.description):
        _body(doc, line)
    _body(doc, labels.list_intro(lst))
    for item in lst.items:
        _item(doc, item)
    return _to_bytes(doc)


def _cell(cell: _Cell, lines: list[str], header: bool = False) -> None:
    cell.paragraphs[0].text = ""
    for number, line in enumerate(lines or [""]):
        paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
        paragraph.paragraph_format.line_spacing = 1.15
        if header:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, line, font=HEI if header else FANGSONG, size=10.5)


def _row_flag(row: _Row, flag: str) -> None:
    """Set a row property: w:tblHeader repeats the row on every page, w:cantSplit keeps it whole."""
    node = OxmlElement(flag)
    node.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(node)


PLAN_COLUMNS = (("月份", 1.4), ("学习主题", 4.0), ("学习形式", 2.0), ("学习材料", 8.2))


def _plan_table(doc: DocxDocument, months: list[PlanMonth]) -> None:
    table = doc.add_table(rows=1, cols=len(PLAN_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _row_flag(table.rows[0], "w:tblHeader")
    # LibreOffice reads the grid's column widths and Word the cells' widths: set both.
    for column, (_, width) in zip(table.columns, PLAN_COLUMNS, strict=True):
        column.width = Cm(width)
    for cell, (name, width) in zip(table.rows[0].cells, PLAN_COLUMNS, strict=True):
        cell.width = Cm(width)
        _cell(cell, [name], header=True)
    for month in months:
        row = table.add_row()
        _row_flag(row, "w:cantSplit")
        cells = row.cells
        values = [
            [labels.month_label(month)],
            [labels.clean_text(month.theme)],
            [labels.clean_text(month.format)],
            [labels.short_title(item) for item in month.readings] or ["（待定）"],
        ]
        for cell, lines, (_, width) in zip(cells, values, PLAN_COLUMNS, strict=True):
            cell.width = Cm(width)
            _cell(cell, lines)


def _line(doc: DocxDocument, text: str, size: float = 10.5) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.left_indent = Pt(24)
    paragraph.paragraph_format.first_line_indent = Pt(-12)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.1
    _run(paragraph, text, font=FANGSONG, size=size)


def _plan_month(doc: DocxDocument, month: PlanMonth) -> None:
    """A month as a short list: its heading, one line per reading (with its 导读), past coverage, note."""
    doc.add_heading(labels.month_heading(month), level=3)
    for item in month.readings:
        note = labels.clean_text(item.note)
        _line(doc, labels.reading_line(item) + (f"　导读：{note}" if note else ""))
    if not month.readings:
        _line(doc, "学习材料待定")
    coverage = labels.coverage_line(month)
    if coverage:
        _line(doc, coverage)
    if labels.clean_text(month.note):
        _line(doc, f"备注：{labels.clean_text(month.note)}")


def render_plan(plan: ExportPlan) -> bytes:
    """A 年度学习计划 as .docx bytes: one table for the year, then each month's readings as a short list."""
    title = labels.plan_title(plan)
    doc = _new_document(title, labels.clean_text(plan.main_line))
    _head(doc, plan.unit, title)
    _labelled(doc, "全年学习主线", labels.clean_text(plan.main_line), size=14)
    months = labels.sorted_months(plan)
    doc.add_heading("一、全年学习安排", level=1)
    _plan_table(doc, months)
    doc.add_heading("二、各月学习材料", level=1)
    for month in months:
        _plan_month(doc, month)
    return _to_bytes(doc)
