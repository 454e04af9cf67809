"""OFD reader (ofdkit): text per page with page numbers, title and dates from OFD.xml's DocInfo.

ofdkit (Apache-2.0, standard library only) reads the GB/T 33190 package the way the standard lays it
out: DocBody/DocInfo, Document.xml's pages, page templates (TemplatePage, whose text is drawn on every
page that uses it), PageBlock and CompositeObject nesting, and each TextObject's TextCode with its X/Y,
DeltaX (including the `g count value` shorthand), CTM and Boundary; it then orders the positioned
runs into lines by baseline and column, so text drawn one character per TextCode, out of order, or
in two columns reads in order. It also refuses DTDs/entities in the XML and caps part sizes.
Rejected: easyofd (converts to a drawing model for rendering, pulls in PyMuPDF and loguru, prints
debug output, and gives no reading order), ofdparser (a 2023 script, no reading order), ofdreader
0.1.0 (an empty wheel), mineru (a whole machine-learning document pipeline for one format).

Every run is kept, also those outside the page box: ofdkit's Page.text() drops them as invisible, but
producers put the page size where the standard does not (easyofd writes it inside Content and leaves
Document.xml's default 140x90 mm), and that filter then threw away 64 % of a converted newspaper page.
The page lines then go through the same clean-up as PDF pages (running headers and page numbers at
page edges dropped, lines wrapped by the layout rejoined).
"""

from __future__ import annotations

from pathlib import Path

import ofdkit
from ofdkit import OFDError, OFDFormatError, OFDLimitError
from ofdkit.layout import page_text

from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.layout import join_broken_lines, largest_line, strip_running_lines
from ingest.limits import ZIP_MAGIC, Budget
from ingest.options import ReadOptions

_FIX = "请用OFD阅读器（如数科、福昕、永中）打开确认文件完好，或另存为PDF后重新导入"
_DOC_INFO = (
    ("author", "author"),
    ("subject", "subject"),
    ("abstract", "abstract"),
    ("creation_date", "created"),
    ("mod_date", "modified"),
    ("creator", "creator"),
)


def read_ofd(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read an .ofd file; a damaged package, one with no text layer, or one over a limit raises UnreadableFile."""
    if data[:4] != ZIP_MAGIC:
        raise UnreadableFile(path, "不是有效的OFD文件（OFD应为zip压缩包，文件头不对）", _FIX)
    try:
        document = ofdkit.open(data)
    except OFDLimitError as exc:
        raise UnreadableFile(path, f"OFD文件超出安全限制（{exc}）", _FIX) from None
    except OFDFormatError as exc:
        raise UnreadableFile(path, f"OFD文件已损坏或不是OFD格式（{exc}）", _FIX) from None
    with document:
        budget.pages(len(document.pages))
        raw_pages, failed, first_runs = _read_pages(document, budget)
        info = document.info
    if not any(line.strip() for lines in raw_pages for line in lines):
        raise UnreadableFile(
            path,
            "OFD中没有可提取的文字（可能是扫描件，页面只有图片）",
            "请使用带文字层的OFD，或用OFD阅读器导出为PDF并开启OCR后重新导入",
        )
    builder = TextBuilder(budget)
    for number, lines in enumerate(strip_running_lines(raw_pages), start=1):
        builder.start_page(number)
        for paragraph in join_broken_lines(lines):
            builder.add(paragraph)
    builder.end_page()
    metadata = {"pages": str(len(raw_pages))}
    for attribute, key in _DOC_INFO:
        value = (getattr(info, attribute) or "").strip()
        if value:
            metadata[key] = value
    if info.keywords:
        metadata["keywords"] = "，".join(info.keywords)
    warnings = (f"第{'、'.join(map(str, failed))}页文字提取失败，已跳过",) if failed else ()
    title = (info.title or "").strip() or largest_line(first_runs)
    return Extracted(builder.text, pages=tuple(builder.pages), title=title, metadata=metadata, warnings=warnings)


def _read_pages(
    document: ofdkit.OFDDocument, budget: Budget
) -> tuple[list[list[str]], list[int], list[tuple[float, str]]]:
    """Lines of every page in reading order; 1-based pages that failed; page 1's (size, text) runs."""
    pages: list[list[str]] = []
    failed: list[int] = []
    first_runs: list[tuple[float, str]] = []
    for index, page in enumerate(document.pages):
        budget.check_time(page=index + 1)
        try:
            runs = page.runs
            text = page_text(runs)
            if index == 0:
                first_runs = [(round(run.size, 1), run.text) for run in sorted(runs, key=lambda r: (r.y, r.x))
                              if run.text.strip()]
        except OFDError:
            text = ""
            failed.append(index + 1)
        pages.append(text.split("\n"))
    return pages, failed, first_runs
