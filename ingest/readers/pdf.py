"""PDF reader (pypdf): text per page with page numbers, running headers removed, OCR for scanned pages."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pypdf
from pypdf import DocumentInformation
from pypdf.errors import DependencyError, PdfReadError

from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.layout import join_broken_lines, largest_line, strip_running_lines
from ingest.limits import Budget
from ingest.ocr import INSTALL_HINT, ocr_available, ocr_pdf_pages
from ingest.options import ReadOptions
from ingest.quality import CJK, glyph_warning

MIN_PAGE_CHARS = 5  # a page with fewer non-space characters has no usable text layer
_TITLE_JUNK = re.compile(
    r"^(?:untit\w*|无标题\w*|document\d*|文档\d*|幻灯片\d*|slide\s*\d*|\W*)$", re.IGNORECASE
)
_TITLE_PREFIX = re.compile(
    r"^(?:microsoft\s+(?:word|powerpoint|excel)\s*-\s*|wps\s*\w*\s*-\s*)", re.IGNORECASE
)
_TITLE_SUFFIX = re.compile(r"\.(?:docx?|wps|pptx?|xlsx?|txt|pdf)$", re.IGNORECASE)
_HEX_STRING = re.compile(r"^<([0-9A-Fa-f\s]+)>$")


def read_pdf(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read a PDF; an encrypted, damaged, or text-less (scanned, no OCR) file raises UnreadableFile."""
    with _quiet_pypdf():
        reader = _open(path, data)
        budget.pages(len(reader.pages))
        metadata_title = _metadata_title(reader)
        first_page_runs: list[tuple[float, str]] | None = None if metadata_title else []
        raw_pages, empty_with_images, failed = _extract_pages(reader, budget, first_page_runs)
        layout_title = largest_line(first_page_runs) if first_page_runs else None
    warnings: list[str] = []
    ocr_pages: list[int] = []
    if empty_with_images:
        use_ocr = options.ocr is not False and ocr_available()
        if use_ocr:
            for index, lines in ocr_pdf_pages(data, empty_with_images, budget.check_time).items():
                raw_pages[index] = lines
                ocr_pages.append(index + 1)
            warnings.append(f"第{_page_list(ocr_pages)}页无文字层，已OCR识别，识别结果可能有个别错字")
        elif any(_has_text(lines) for lines in raw_pages):
            hint = "已关闭OCR" if options.ocr is False else f"如需识别请安装OCR组件：{INSTALL_HINT}"
            pages = _page_list([i + 1 for i in empty_with_images])
            warnings.append(f"第{pages}页无文字层（扫描页），未识别：{hint}")
    if failed:
        warnings.append(f"第{_page_list(failed)}页文字提取失败，已跳过")
    if not any(line.strip() for lines in raw_pages for line in lines):
        raise _no_text(path, scanned=bool(empty_with_images), options=options)
    glyphs = glyph_warning("\n".join(line for lines in raw_pages for line in lines))
    if glyphs:
        warnings.append(glyphs)
    stripped = strip_running_lines(raw_pages)
    builder = TextBuilder(budget)
    for number, lines in enumerate((join_broken_lines(page) for page in stripped), start=1):
        builder.start_page(number)
        for paragraph in lines:
            builder.add(paragraph)
    builder.end_page()
    metadata = _metadata(reader, len(raw_pages))
    # The first page's header and footer lines, dropped from the text as running lines, still say what the
    # document is: a journal issue ("观察与思考 2019年第9期"), a classification mark printed on every page.
    running = _dropped_lines(raw_pages[0], stripped[0]) if raw_pages else []
    if running:
        metadata["running_lines"] = "\n".join(running)
    # What the text layer held and what was dropped as running headers, footers and page numbers.
    metadata["text_layer_chars"] = str(sum(len("".join(line.split())) for lines in raw_pages for line in lines))
    metadata["running_lines_removed"] = str(sum(map(len, raw_pages)) - sum(map(len, stripped)))
    if ocr_pages:
        metadata["ocr_pages"] = ",".join(map(str, ocr_pages))
    return Extracted(
        builder.text,
        pages=tuple(builder.pages),
        title=metadata_title or layout_title,
        metadata=metadata,
        warnings=tuple(warnings),
    )


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every oddity of real-world files ("Multiple definitions in dictionary"); the report
    only needs what affects the text."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _open(path: Path, data: bytes) -> pypdf.PdfReader:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableFile(path, "不是有效的PDF文件（缺少PDF文件头）", _FIX_DAMAGED)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile(
                path,
                "PDF文件已加密，需要密码才能打开",
                "请用PDF阅读器输入密码打开，另存或打印为未加密的PDF后重新导入",
            )
        _ = len(reader.pages)  # forces the page tree: a truncated file fails here
    except UnreadableFile:
        raise
    except DependencyError:
        raise UnreadableFile(
            path,
            "PDF文件已加密（AES），当前环境缺少解密组件",
            "请用PDF阅读器打开后另存为未加密的PDF，或安装 cryptography 后重新导入",
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise UnreadableFile(path, _damage(data), _FIX_DAMAGED) from None
    if len(reader.pages) == 0:
        raise UnreadableFile(path, "PDF文件已损坏或不完整（找不到任何页面）", _FIX_DAMAGED)
    return reader


_FIX_DAMAGED = "请重新下载或从原始文档重新导出PDF后再导入"


def _damage(data: bytes) -> str:
    """What is wrong with a PDF pypdf cannot parse: cut off (no %%EOF at the end) or otherwise damaged."""
    if b"%%EOF" not in data[-2048:]:
        return "PDF文件不完整（文件末尾缺失，可能是下载或复制中断）"
    return "PDF文件已损坏，无法解析其结构"


def _extract_pages(
    reader: pypdf.PdfReader, budget: Budget, first_page_runs: list[tuple[float, str]] | None = None
) -> tuple[list[list[str]], list[int], list[int]]:
    """Lines of every page; the 0-based indexes of text-less pages that hold images; 1-based failed pages.

    With `first_page_runs`, the first page's text runs and their type sizes are collected into it
    in the same pass (for largest_line), rather than extracting that page twice.
    """
    pages: list[list[str]] = []
    scanned: list[int] = []
    failed: list[int] = []
    for index, page in enumerate(reader.pages):
        budget.check_time(page=index + 1)
        visitor = _sized_runs(first_page_runs) if index == 0 and first_page_runs is not None else None
        try:
            text = page.extract_text(visitor_text=visitor) or ""
        except Exception:  # noqa: BLE001 - one bad page must not cost the other pages
            text = ""
            failed.append(index + 1)
            if visitor is not None and first_page_runs is not None:
                first_page_runs.clear()  # a page cut short gives no title
        lines = text.split("\n")
        pages.append(lines)
        if not _has_text(lines) and _has_images(page):
            scanned.append(index)
    return pages, scanned, failed


def _has_text(lines: list[str]) -> bool:
    return sum(len(line.strip()) for line in lines) >= MIN_PAGE_CHARS


def _has_images(page: pypdf.PageObject) -> bool:
    """Whether the page draws an image, directly or inside a form XObject one level down."""
    try:
        resources = page.get("/Resources")
        stack = [resources.get_object()] if resources is not None else []
        for depth in range(2):
            nested = []
            for res in stack:
                xobjects = res.get("/XObject")
                for ref in (xobjects.get_object().values() if xobjects is not None else ()):
                    obj = ref.get_object()
                    if obj.get("/Subtype") == "/Image":
                        return True
                    if depth == 0 and obj.get("/Subtype") == "/Form" and obj.get("/Resources") is not None:
                        nested.append(obj["/Resources"].get_object())
            stack = nested
    except Exception:  # noqa: BLE001 - a malformed resource dictionary just means "no image found"
        return False
    return False


def _no_text(path: Path, *, scanned: bool, options: ReadOptions) -> UnreadableFile:
    if not scanned:
        return UnreadableFile(
            path, "PDF中没有可提取的文字", "请确认文件内容，或从原始文档重新导出带文字的PDF"
        )
    if options.ocr is False:
        return UnreadableFile(path, "PDF没有文字层（可能是扫描件），且已关闭OCR", "请开启OCR后重新导入")
    return UnreadableFile(
        path,
        "PDF没有文字层（可能是扫描件），需要OCR识别，但未安装OCR组件",
        f"请安装OCR组件（{INSTALL_HINT}）后重新导入",
    )


def _page_list(numbers: list[int]) -> str:
    shown = "、".join(map(str, numbers[:10]))
    return shown + (f"等{len(numbers)}" if len(numbers) > 10 else "")


def _metadata(reader: pypdf.PdfReader, pages: int) -> dict[str, str]:
    found = {"pages": str(pages)}
    info = _info(reader)
    for key, name in (("/Author", "author"), ("/Producer", "producer"), ("/Creator", "creator"),
                      ("/Subject", "subject"), ("/Keywords", "keywords")):
        value = _text_value(info.get(key)) if info else None
        if value:
            found[name] = value
    created = _created(reader) if info else None
    if created:
        found["created"] = created
    return found


def _dropped_lines(raw: list[str], kept: list[str]) -> list[str]:
    remaining = list(kept)
    dropped = []
    for line in raw:
        if line in remaining:
            remaining.remove(line)
        elif any(c.isalpha() for c in line):  # page numbers say nothing
            dropped.append(" ".join(line.split()))
    return dropped


def _created(reader: pypdf.PdfReader) -> str | None:
    """/CreationDate as an ISO timestamp; a malformed date only loses this field."""
    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except Exception:  # noqa: BLE001 - pypdf raises on dates it cannot parse
        return None
    return created.isoformat() if created else None


def _info(reader: pypdf.PdfReader) -> DocumentInformation | None:
    try:
        return reader.metadata
    except Exception:  # noqa: BLE001 - a damaged info dictionary only loses metadata
        return None


def _metadata_title(reader: pypdf.PdfReader) -> str | None:
    info = _info(reader)
    title = _text_value(info.get("/Title")) if info else None
    if not title:
        return None
    title = _TITLE_SUFFIX.sub("", _TITLE_PREFIX.sub("", title)).strip()
    return None if _TITLE_JUNK.match(title) or len(title) > 200 else title


def _text_value(value: object) -> str | None:
    """A metadata string, repairing the two common encodings pypdf cannot guess: a raw hex string and
    GBK bytes decoded as PDFDocEncoding (both from Chinese Word/Distiller)."""
    if value is None:
        return None
    text = str(value).strip()
    hex_string = _HEX_STRING.match(text)
    raw = bytes.fromhex(re.sub(r"\s", "", hex_string.group(1))) if hex_string else None
    if raw is None and not CJK.search(text) and any(ord(c) > 0x7F for c in text):
        raw = getattr(value, "original_bytes", None)
    if raw:
        for encoding in ("utf-16" if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8", "gb18030"):
            try:
                text = raw.decode(encoding).strip()
                break
            except UnicodeDecodeError:
                continue
    text = text.replace("\x00", "").strip()
    return text or None


def _sized_runs(runs: list[tuple[float, str]]) -> Callable[..., None]:
    """A pypdf text visitor appending (type size on the page, text) for each text run."""

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font_dict: object, font_size: float) -> None:
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        if text.strip():
            runs.append((round(font_size * scale, 1), text))

    return visit
