"""DOCX reader (python-docx): paragraphs and tables in body order, headings by style, core properties."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.options import ReadOptions

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_CELL_SEPARATOR = " | "
_BODY_OUTLINE_LEVEL = 9  # w:outlineLvl 9 means body text


def read_docx(path: Path, data: bytes, options: ReadOptions) -> Extracted:
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
    builder = TextBuilder()
    title_style_text: str | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            style = _style(block)
            style_name = (style.name or "") if style is not None else ""
            level = _heading_level(block, style, style_name)
            text = block.text
            if title_style_text is None and style_name.lower() in _TITLE_STYLES and text.strip():
                title_style_text = text.strip()
            builder.add(text, heading_level=level)
        elif isinstance(block, Table):
            for row in _table_rows(block):
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
    first_heading = builder.headings[0].title if builder.headings else None
    title = (core.title or "").strip() or title_style_text or first_heading
    return Extracted(builder.text, headings=tuple(builder.headings), title=title, metadata=metadata)


_FIX = "请用Word或WPS打开该文件，另存为DOCX格式后重新导入"


def _style(paragraph: Paragraph) -> ParagraphStyle | None:
    """The paragraph's style (python-docx resolves it by a lookup, so it is fetched once)."""
    try:
        return paragraph.style
    except (KeyError, AttributeError):  # a style id missing from styles.xml
        return None


def _heading_level(paragraph: Paragraph, style: ParagraphStyle | None, style_name: str) -> int | None:
    """Level from a Heading N style, or from an outline level set on the paragraph or its style."""
    match = _HEADING_STYLE.match(style_name.strip())
    if match:
        return max(1, int(match.group(1)))
    for element in (paragraph._p.pPr, getattr(style, "element", None)):
        level = _outline_level(element)
        if level is not None:
            return level
    return None


def _outline_level(element: BaseOxmlElement | None) -> int | None:
    if element is None:
        return None
    ppr = element if element.tag == qn("w:pPr") else element.find(qn("w:pPr"))
    node = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if node is None:
        return None
    try:
        value = int(node.get(qn("w:val")))
    except (TypeError, ValueError):
        return None
    return value + 1 if value < _BODY_OUTLINE_LEVEL else None


def _table_rows(table: Table) -> list[str]:
    """Each row as its cells' text joined by " | "; a merged cell is written once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(text)
        if any(cells):
            rows.append(_CELL_SEPARATOR.join(cells))
    return rows
