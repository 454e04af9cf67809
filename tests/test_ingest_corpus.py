"""Extraction on the shared real corpora (skipped when ../shared is absent): 31 DOCX reports against
corpus.jsonl, and the sample PDFs against manifest.jsonl. See scripts/ingest_report.py for the table."""

from __future__ import annotations

import json
import unicodedata

import pytest

from ingest.chunker import chunk_document
from ingest.normalize import for_search
from ingest.pipeline import ReadOptions, read_all, read_document
from ingest.types import Document

DOCX = "eval/dev/corpus-provincial-gwr-2025-docx"
PDFS = "eval/dev/corpus-pdf-samples"
NO_OCR = ReadOptions(ocr=False)
SMALL_PDFS = ["20211224A06_pdf.PDF", "关于中国共产党现代化思想的文献解读.pdf", "邓小平是真正的“实事求是派”.pdf"]


def comparable(text: str) -> str:
    return "".join(c for c in for_search(text) if not c.isspace() and unicodedata.category(c) != "Cf")


def _records(path) -> dict[str, dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {r["file"]: r for r in records}


def test_docx_reports_match_the_reference_text(shared_dir):
    base = shared_dir / DOCX
    references = _records(base / "corpus.jsonl")
    docs = list(read_all([base / "original" / "docx"], options=NO_OCR))
    assert len(docs) == len(references) == 31
    for doc in docs:
        assert isinstance(doc, Document), doc
        reference = references[doc.path.rsplit("/", 1)[-1]]
        assert comparable(doc.text) == comparable(reference["text"])
        assert doc.title == reference["title"]
        assert doc.date and doc.date.startswith("2025")
        assert any(h.level == 1 for h in doc.headings)  # 一、 or, in two reports, （一）
        assert chunk_document(doc)


def _check_pdf(shared_dir, name: str) -> Document:
    reference = _records(shared_dir / PDFS / "manifest.jsonl")[name]
    doc = read_document(shared_dir / PDFS / "original" / name, options=NO_OCR)
    assert len(doc.pages) == reference["pages"]
    assert doc.content_hash == reference["sha256"]
    layer = int(doc.metadata["text_layer_chars"])
    kept = sum(1 for c in doc.text if not c.isspace())
    assert 0.9 * layer <= kept <= layer  # only running headers, footers and page numbers are dropped
    return doc


@pytest.mark.parametrize("name", SMALL_PDFS)
def test_small_sample_pdfs(shared_dir, name):
    doc = _check_pdf(shared_dir, name)
    assert doc.title and len(doc.title) <= 60


def test_journal_article_has_no_running_headers(shared_dir):
    doc = _check_pdf(shared_dir, "关于中国共产党现代化思想的文献解读.pdf")
    assert "观察与思考" not in doc.text
    assert doc.title == "从工业现代化到国家治理现代化：关于中国共产党现代化思想的文献解读"


@pytest.mark.slow
def test_293_page_book(shared_dir):
    doc = _check_pdf(shared_dir, "20160304103242904.pdf")
    assert any("第1页无文字层" in w for w in doc.warnings)  # the cover is an image


@pytest.mark.slow
def test_804_page_book_with_broken_glyph_mapping_is_read_and_flagged(shared_dir):
    doc = _check_pdf(shared_dir, "20160520161035287.pdf")
    assert doc.title == "干在实处，走在前列"  # from a hex-encoded GBK metadata title
    assert any("字形映射" in w for w in doc.warnings)
    assert "干在实处" in doc.text
