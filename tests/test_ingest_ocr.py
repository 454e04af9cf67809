"""OCR of a scanned PDF page (needs the kb[ocr] extra and fonts-wqy-zenhei; skipped without them)."""

from __future__ import annotations

import difflib

import pytest
from ingest_fixtures import WQY_FONT, make_pdf, make_scanned_pdf

from ingest.ocr import ocr_available
from ingest.pipeline import ReadOptions, read_document

pytestmark = [
    pytest.mark.slow,  # about 3-5 s a page, plus loading the recogniser
    pytest.mark.skipif(not ocr_available(), reason='OCR extra not installed: pip install -e ".[ocr]"'),
    pytest.mark.skipif(not WQY_FONT.exists(), reason="fonts-wqy-zenhei not installed"),
]

LINES = ["深入学习贯彻党的二十届三中全会精神。", "坚持以人民为中心的发展思想，推进高质量发展。"]


def test_scanned_page_is_recognised(tmp_path):
    doc = read_document(make_scanned_pdf(tmp_path / "scan.pdf", LINES))
    expected = "".join(LINES)
    assert difflib.SequenceMatcher(None, doc.text.replace("\n", ""), expected).ratio() > 0.9
    assert doc.pages[0].number == 1 and doc.metadata["ocr_pages"] == "1"
    assert any("第1页无文字层，已OCR识别" in w for w in doc.warnings)


def test_only_pages_without_text_are_recognised(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(make_pdf(tmp_path / "text.pdf", [["有文字层的一页。"]]))
    writer.append(make_scanned_pdf(tmp_path / "scan.pdf", LINES[:1]))
    path = tmp_path / "mixed.pdf"
    writer.write(path)
    doc = read_document(path)
    first, second = (doc.text[p.start : p.end] for p in doc.pages)
    assert first == "有文字层的一页。"
    assert difflib.SequenceMatcher(None, second, LINES[0]).ratio() > 0.9
    assert doc.metadata["ocr_pages"] == "2"
    assert read_document(path, options=ReadOptions(ocr=False)).text == "有文字层的一页。"
