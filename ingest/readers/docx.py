"""DOCX reader (python-docx): paragraphs and tables in body order, headings by style, core properties.

Paragraphs are read from the body XML with every style resolved once up front: python-docx's
`Paragraph.style` looks the style up (and, for a paragraph without one, scans all styles for the
default) on every call, which made a 100,000-paragraph file take minutes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from lxml import etree

from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.limits import Budget
from ingest.options import ReadOptions

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_CELL_SEPARATOR = " | "
_BODY_OUTLINE_LEVEL = 9  # w:outlineLvl 9 means body text
_MAX_BASED_ON = 10  # style inheritance deeper than this is a loop or junk
_P, _TBL = qn("w:p"), qn("w:tbl")
# The run content python-docx's Paragraph.text reads (runs directly in the paragraph or in a hyperlink),
# as one compiled XPath: element.xpath() compiles its expression anew on every call.
_RUN_CONTENT = etree.XPath(
    "w:r/w:t | w:r/w:tab | w:r/w:ptab | w:r/w:br | w:r/w:cr | w:r/w:noBreakHyphen"
    " | w:hyperlink/w:r/w:t | w:hyperlink/w:r/w:tab | w:hyperlink/w:r/w:br | w:hyperlink/w:r/w:cr",
    namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"},
)
_T, _BR, _NO_BREAK_HYPHEN = qn("w:t"), qn("w:br"), qn("w:noBreakHyphen")
_TAB_LIKE = {qn("w:tab"), qn("w:ptab")}
_BREAK_TYPE = qn("w:type")


def read_docx(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read a .docx file; a damaged package or a renamed .doc raises UnreadableFile."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        if data[:4] == b"\xd0\xcf\x11\xe0":  # OLE container: Word 97-2003, or a password-protected file
            problem = "这是旧版Word（.doc）格式或设置了打开密码的Word文件，不是DOCX"
        elif data[:4] != b"PK\x03\x04":
            problem = "不是有效的DOCX文件（文件头不对，可能是改了扩展名的其他文件）"
        else:
            problem = "DOCX文件已损坏或不完整（压缩包结构无法解析）"
        raise UnreadableFile(path, problem, _FIX) from None
    styles = _paragraph_styles(document)
    default = styles.get(None, ("", None))
    builder = TextBuilder(budget)
    title_style_text: str | None = None
    for block in document.element.body.iterchildren(_P, _TBL):
        if block.tag == _P:
            style_name, style_level = styles.get(block.style, default) if block.style else default
            text = _paragraph_text(block)
            level = _heading_level(style_name, _outline_level(block.pPr), style_level)
            if title_style_text is None and style_name.lower() in _TITLE_STYLES and text.strip():
                title_style_text = text.strip()
            builder.add(text, heading_level=level)
        else:
            for row in _table_rows(Table(block, document)):
                builder.add(row)
    core = document.core_properties
    metadata = {
        key: str(value).strip()
        for key, value in (
            ("author", core.author),
            ("created", core.created.isoformat() if core.created else None),
            ("modified", core.modified.isoformat() if core.modified else None),
            ("subject", core.subject),
            ("keywords", core.keywords),
        )
        if value and str(value).strip()
    }
    header = _page_header(document)
    if header:
        metadata["page_header"] = header
    first_heading = builder.headings[0].title if builder.headings else None
    title = (core.title or "").strip() or title_style_text or first_heading
    return Extracted(builder.text, headings=tuple(builder.headings), title=title, metadata=metadata)


_FIX = "请用Word或WPS打开该文件，另存为DOCX格式后重新导入"


def _page_header(document: WordDocument) -> str:
    """The first page's header text (页眉): where a unit may print 内部资料 or a classification mark."""
    try:
        section = document.sections[0]
        headers = [section.first_page_header] if section.different_first_page_header_footer else []
        headers.append(section.header)
        # A header "linked to previous" has no part of its own; asking for its paragraphs would add one.
        present = [header for header in headers if not header.is_linked_to_previous]
        lines = [p.text.strip() for header in present for p in header.paragraphs if p.text.strip()]
    except (IndexError, KeyError, AttributeError, ValueError):  # no section, or a dangling header part
        return ""
    return "\n".join(dict.fromkeys(lines))


def _paragraph_styles(document: WordDocument) -> dict[str | None, tuple[str, int | None]]:
    """Style id -> (style name, outline level set on it or inherited through basedOn); key None is
    the default paragraph style. Read once per file from styles.xml."""
    try:
        elements = document.styles.element.findall(qn("w:style"))
    except (KeyError, AttributeError, ValueError):  # no styles part
        return {}
    raw: dict[str, tuple[str, int | None, str | None]] = {}
    default_id = None
    for element in elements:
        if element.get(qn("w:type"), "paragraph") != "paragraph":
            continue
        style_id = element.get(qn("w:styleId"))
        if not style_id:
            continue
        name_node = element.find(qn("w:name"))
        name = (name_node.get(qn("w:val")) or "") if name_node is not None else ""
        based_node = element.find(qn("w:basedOn"))
        based_on = based_node.get(qn("w:val")) if based_node is not None else None
        raw[style_id] = (name, _outline_level(element.find(qn("w:pPr"))), based_on)
        if element.get(qn("w:default")) in ("1", "true", "on"):
            default_id = style_id
    resolved: dict[str | None, tuple[str, int | None]] = {}
    for style_id, (name, level, based_on) in raw.items():
        depth = 0
        while level is None and based_on in raw and depth < _MAX_BASED_ON:
            _, level, based_on = raw[based_on]
            depth += 1
        resolved[style_id] = (name, level)
    if default_id is not None:
        resolved[None] = resolved[default_id]
    return resolved


def _paragraph_text(paragraph: BaseOxmlElement) -> str:
    """The paragraph's text as python-docx gives it: tabs, line breaks (not page breaks), hyphens."""
    parts = []
    for node in _RUN_CONTENT(paragraph):
        tag = node.tag
        if tag == _T:
            parts.append(node.text or "")
        elif tag in _TAB_LIKE:
            parts.append("\t")
        elif tag == _NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag != _BR or node.get(_BREAK_TYPE, "textWrapping") == "textWrapping":
            parts.append("\n")
    return "".join(parts)


def _heading_level(style_name: str, paragraph_level: int | None, style_level: int | None) -> int | None:
    """Level from a Heading N style, else from an outline level set on the paragraph or its style."""
    match = _HEADING_STYLE.match(style_name.strip())
    if match:
        return max(1, int(match.group(1)))
    return paragraph_level if paragraph_level is not None else style_level


def _outline_level(ppr: BaseOxmlElement | None) -> int | None:
    """The 1-based outline level a w:pPr sets, or None (none set, or body text)."""
    node = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if node is None:
        return None
    try:
        value = int(node.get(qn("w:val")))
    except (TypeError, ValueError):
        return None
    return value + 1 if value < _BODY_OUTLINE_LEVEL else None


def _table_rows(table: Table) -> Iterator[str]:
    """Each row as its cells' text joined by " | " (a merged cell written once); "" for an empty row."""
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(text)
        yield _CELL_SEPARATOR.join(cells) if any(cells) else ""
