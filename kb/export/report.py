"""A plain report model — a cover, a contents page, chapters of paragraphs and tables — rendered to
Word (python-docx) and PDF (reportlab platypus, page numbers in the contents found by a second build).
The archive volume (档案专卷) and the summary for the higher committee (学习情况通报) are reports.

Every text is shown as text: names and titles come from people and documents (cleaned of control
characters, escaped for reportlab's markup); nothing here writes words of its own about anyone."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kb.export import docx as word
from kb.export import labels
from kb.export import pdf as pdfs
from kb.export.fonts import CJKFont, FontSet, cjk_fonts

CHINESE_DIGITS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (chapter numbers up to 99)."""
    if n <= 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (CHINESE_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Grid:
    """A table: a header row and rows of text; widths in centimetres (scaled to the page)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Block:
    """One piece of a chapter: a paragraph ("body"), a grey line ("meta"), a sub-heading ("heading"),
    a labelled line ("label": 【label】text) or a table."""

    kind: str
    text: str = ""
    label: str = ""
    grid: Grid | None = None


def body(text: str) -> Block:
    return Block("body", text)


def meta(text: str) -> Block:
    return Block("meta", text)


def heading(text: str) -> Block:
    return Block("heading", text)


def labelled(label: str, text: str) -> Block:
    return Block("label", text, label)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> Block:
    return Block("table", grid=Grid(tuple(header), tuple(tuple(_cell(v) for v in row) for row in rows),
                                    tuple(widths)))


def _cell(value: object) -> str:
    return "" if value is None else labels.clean_text(str(value))


@dataclass(frozen=True)
class Chapter:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    """A document to render: a title, cover lines, chapters; `contents` adds a contents page."""

    title: str
    cover: tuple[str, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    contents: bool = True
    subject: str = ""
    intro: tuple[Block, ...] = field(default_factory=tuple)  # blocks right under the title, before chapters

    def numbered(self) -> list[tuple[str, Chapter]]:
        """(一、Title, chapter) for every chapter."""
        return [(f"{chinese_number(i)}、{labels.clean_text(c.title)}", c) for i, c in enumerate(self.chapters, 1)]


# ---- Word ------------------------------------------------------------------------------------------
def _docx_table(doc: Any, grid: Grid) -> None:
    usable = word.PAGE["width"] - word.PAGE["left"] - word.PAGE["right"]
    scale = min(1.0, usable / sum(grid.widths)) if grid.widths else 1.0
    widths = [w * scale for w in grid.widths]
    t = doc.add_table(rows=1, cols=len(grid.header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    word._row_flag(t.rows[0], "w:tblHeader")
    for column, width in zip(t.columns, widths, strict=True):
        column.width = Cm(width)
    for cell, name, width in zip(t.rows[0].cells, grid.header, widths, strict=True):
        cell.width = Cm(width)
        word._cell(cell, [name], header=True)
    for row in grid.rows:
        r = t.add_row()
        word._row_flag(r, "w:cantSplit")
        for cell, value, width in zip(r.cells, row, widths, strict=True):
            cell.width = Cm(width)
            word._cell(cell, value.split("\n") if value else [""])
    doc.add_paragraph()


def _docx_blocks(doc: Any, blocks: Sequence[Block]) -> None:
    for block in blocks:
        if block.kind == "heading":
            doc.add_heading(labels.clean_text(block.text), level=2)
        elif block.kind == "meta":
            word._meta_line(doc, labels.clean_text(block.text))
        elif block.kind == "label":
            word._labelled(doc, labels.clean_text(block.label), labels.clean_text(block.text))
        elif block.kind == "table" and block.grid is not None:
            _docx_table(doc, block.grid)
        else:
            word._body(doc, labels.clean_text(block.text), font=word.FANGSONG, size=14)


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes: cover, contents, chapters (each starting a page when there is a cover)."""
    doc = word._new_document(labels.clean_text(report.title), labels.clean_text(report.subject))
    if report.cover:
        for _ in range(6):
            doc.add_paragraph()
    doc.add_heading(labels.clean_text(report.title), level=0)
    for line in report.cover:
        word._meta_line(doc, labels.clean_text(line), center=True)
    _docx_blocks(doc, report.intro)
    numbered = report.numbered()
    if report.contents and numbered:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        title = doc.add_heading("目　录", level=1)
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for entry, _ in numbered:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(24)
            word._run(paragraph, entry, font=word.SONG, size=14)
    for index, (name, chapter) in enumerate(numbered):
        if report.cover and (index == 0 or chapter.blocks):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(name, level=1)
        _docx_blocks(doc, chapter.blocks)
    return word._to_bytes(doc)


# ---- PDF -------------------------------------------------------------------------------------------
class _Template(SimpleDocTemplate):
    """Notes the page each chapter heading lands on, for the contents page of the second build."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chapter_pages: dict[str, int] = {}

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's hook
        name = getattr(flowable, "chapter_name", None)
        if name:
            self.chapter_pages.setdefault(name, self.page)


def _pdf_table(grid: Grid, styles: pdfs._Styles) -> Table:
    usable = (A4[0] - pdfs.MARGINS["leftMargin"] - pdfs.MARGINS["rightMargin"]) / mm / 10
    scale = usable / sum(grid.widths) if grid.widths else 1.0
    rows: list[list[Flowable]] = [[Paragraph(escape(name), styles.cell_head) for name in grid.header]]
    rows += [[Paragraph("<br/>".join(escape(part) for part in value.split("\n")), styles.cell) for value in row]
             for row in grid.rows]
    t = Table(rows, colWidths=[w * scale * 10 * mm for w in grid.widths], repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _pdf_blocks(blocks: Sequence[Block], styles: pdfs._Styles) -> list[Flowable]:
    flow: list[Flowable] = []
    for block in blocks:
        text = labels.clean_text(block.text)
        if block.kind == "heading":
            flow.append(pdfs._p(text, styles.h2))
        elif block.kind == "meta":
            flow.append(pdfs._p(text, styles.source))
        elif block.kind == "label":
            flow.append(pdfs._labelled(labels.clean_text(block.label), text, styles.label, styles.fonts))
        elif block.kind == "table" and block.grid is not None:
            flow += [_pdf_table(block.grid, styles), Spacer(1, 6)]
        else:
            flow.append(pdfs._p(text, styles.body))
    return flow


def _story(report: Report, styles: pdfs._Styles, pages: dict[str, int]) -> list[Flowable]:
    story: list[Flowable] = []
    if report.cover:
        story.append(Spacer(1, 60 * mm))
    story.append(pdfs._p(labels.clean_text(report.title), styles.title))
    story += [pdfs._p(labels.clean_text(line), styles.meta_center) for line in report.cover]
    story += _pdf_blocks(report.intro, styles)
    numbered = report.numbered()
    if report.contents and numbered:
        story += [PageBreak(), pdfs._p("目　录", styles.title)]
        for name, _ in numbered:
            page = pages.get(name)
            story.append(Paragraph(escape(name) + (f"　……　第 {page} 页" if page else ""), styles.body))
    for index, (name, chapter) in enumerate(numbered):
        if report.cover and (index == 0 or chapter.blocks):
            story.append(PageBreak())
        head = pdfs._p(name, styles.h1)
        head.chapter_name = name
        story.append(head)
        story += _pdf_blocks(chapter.blocks, styles)
    return story


def render_pdf(report: Report, font: CJKFont | None = None) -> bytes:
    """The report as PDF bytes; the contents page gives each chapter's page (found by a first build)."""
    fonts = FontSet.uniform(font) if font is not None else cjk_fonts()
    styles = pdfs._Styles(fonts)
    footer = pdfs._footer(fonts.body.name)
    pages: dict[str, int] = {}
    for _ in range(2 if report.contents else 1):
        buffer = io.BytesIO()
        doc = _Template(buffer, pagesize=A4, title=labels.clean_text(report.title),
                        subject=labels.clean_text(report.subject), author="学习资料库", creator="学习资料库",
                        **pdfs.MARGINS)
        doc.build(_story(report, styles, pages), onFirstPage=footer, onLaterPages=footer)
        pages = doc.chapter_pages
    return buffer.getvalue()
