"""HTML reader (BeautifulSoup + lxml): the page's body text without scripts, navigation or boilerplate."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EncodingDetector

from ingest.extracted import Extracted, TextBuilder
from ingest.limits import Budget
from ingest.options import ReadOptions
from ingest.readers.text import decode_file

_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
         "button", "select", "svg", "canvas", "head")
_BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table",
           "blockquote", "pre", "br", "hr", "figcaption", "caption", "address", "center"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CELLS = {"td", "th"}
# A line break in the HTML source between two Chinese characters is not a space when rendered.
_WIDE = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SOURCE_BREAK = re.compile(rf"(?<=[{_WIDE}])\s*\n\s*(?=[{_WIDE}])")


def read_html(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read an .html/.htm file: <title>, headings h1–h6, and block text in document order."""
    declared = EncodingDetector.find_declared_encoding(data, is_html=True, search_entire_document=False)
    text, encoding = decode_file(path, data, declared)
    soup = BeautifulSoup(text, "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(None, {"role": ["navigation", "banner", "contentinfo"]}):
        tag.decompose()
    builder = TextBuilder(budget)
    line: list[str] = []
    _walk(soup.body or soup, builder, line)
    _flush(builder, line)
    first_h1 = next((h.title for h in builder.headings if h.level == 1), None)
    return Extracted(
        builder.text,
        headings=tuple(builder.headings),
        title=page_title or first_h1,
        metadata={"encoding": encoding},
    )


def _walk(node: Tag, builder: TextBuilder, line: list[str]) -> None:
    """Depth-first: inline text accumulates in `line`; a block element ends the line before and after it."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # skip comments, CDATA, doctype
                line.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower() if child.name else ""
        if name in _HEADINGS:
            _flush(builder, line)
            builder.add(child.get_text(" ", strip=True), heading_level=_HEADINGS[name])
        elif name in _CELLS:
            line.append(" ")
            _walk(child, builder, line)
            line.append(" |")
        elif name in _BLOCKS:
            _flush(builder, line)
            _walk(child, builder, line)
            _flush(builder, line)
        else:
            _walk(child, builder, line)


def _flush(builder: TextBuilder, line: list[str]) -> None:
    text = _SOURCE_BREAK.sub("", "".join(line)).strip().removesuffix("|").strip()
    line.clear()
    builder.add(text)
