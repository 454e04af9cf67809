"""Chunker: sentence boundaries, section paths, page spans, and Hypothesis properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunker import ChunkerConfig, chunk_document, sentences
from ingest.headings import pattern_headings
from ingest.types import THEORY, Document, Heading, Page


def make_doc(
    text: str, *, headings: tuple[Heading, ...] | None = None, pages: tuple[Page, ...] = ()
) -> Document:
    found = tuple(pattern_headings(text)) if headings is None else headings
    return Document(
        path="/x.txt", title="t", text=text, kind=THEORY, date=None,
        content_hash=hashlib.sha256(text.encode()).hexdigest(), format="txt", pages=pages, headings=found,
    )


SMALL = ChunkerConfig(target_chars=40, max_chars=60, overlap_chars=12, min_chars=15)


def test_chunks_end_on_sentence_boundaries():
    text = "".join(f"第{i}句话讲的是学习的体会。" for i in range(1, 30))
    chunks = chunk_document(make_doc(text), SMALL)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text.endswith("。") and chunk.text.startswith("第")
        assert len(chunk.text) <= SMALL.max_chars


def test_overlap_repeats_whole_trailing_sentences():
    text = "".join(f"这是第{i:02d}个句子。" for i in range(40))  # 9 characters each
    chunks = chunk_document(make_doc(text), SMALL)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start < before.end  # overlapping
        assert before.text.endswith(text[after.start : before.end])
        assert before.end - after.start <= SMALL.overlap_chars


def test_no_overlap_config():
    text = "".join(f"这是第{i:02d}个句子。" for i in range(40))
    chunks = chunk_document(make_doc(text), ChunkerConfig(40, 60, 0, 15))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))


def test_a_sentence_longer_than_max_is_cut_preferring_commas():
    text = "，".join(["很长的分句内容"] * 30) + "。"
    chunks = chunk_document(make_doc(text), SMALL)
    assert len(chunks) > 1
    assert all(len(c.text) <= SMALL.max_chars for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)


def test_sentence_ends_include_closing_quotes_and_line_breaks():
    text = "他说：“要学习。”然后呢？好！\n下一行没有句号\n第三行；分号"
    spans = [text[s:e] for s, e in sentences(text, 500)]
    assert spans == ["他说：“要学习。”", "然后呢？", "好！", "下一行没有句号", "第三行；", "分号"]


def test_sections_and_top_level_boundaries():
    body = "本节内容是关于学习的。" * 3
    text = f"一、总体要求\n{body}\n（一）指导思想\n{body}\n二、主要任务\n{body}"
    doc = make_doc(text)
    chunks = chunk_document(doc, ChunkerConfig(400, 500, overlap_chars=20, min_chars=300))
    # everything fits one chunk by size, but 二、 is a top-level heading: it starts a new chunk
    assert [c.section for c in chunks] == [("一、总体要求",), ("二、主要任务",)]
    assert chunks[1].text.startswith("二、主要任务")
    assert "二、" not in chunks[0].text
    # a sub-heading starts a new chunk once the current one has min_chars
    subs = chunk_document(doc, ChunkerConfig(400, 500, overlap_chars=20, min_chars=20))
    assert [c.section for c in subs] == [
        ("一、总体要求",), ("一、总体要求", "（一）指导思想"), ("二、主要任务",)
    ]


def test_page_span_of_each_chunk():
    first, second = "第一页的内容很多。" * 5, "第二页的内容也很多。" * 5
    text = f"{first}\n{second}"
    pages = (Page(1, 0, len(first)), Page(2, len(first) + 1, len(text)))
    chunks = chunk_document(make_doc(text, pages=pages), ChunkerConfig(60, 100, 0, 20))
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 2
    assert any(c.page_start == 1 and c.page_end == 2 for c in chunks) or all(
        c.page_start == c.page_end for c in chunks
    )
    for chunk in chunks:
        assert chunk.page_start == doc_page(pages, chunk.start)
        assert chunk.page_end == doc_page(pages, chunk.end - 1)


def doc_page(pages, offset):
    return next(p.number for p in pages if p.start <= offset < p.end)


def test_empty_and_blank_documents_have_no_chunks():
    assert chunk_document(make_doc("")) == []
    assert chunk_document(make_doc(" \n \n")) == []


def test_config_is_validated():
    with pytest.raises(ValueError):
        ChunkerConfig(target_chars=600, max_chars=500)
    with pytest.raises(ValueError):
        ChunkerConfig(target_chars=100, max_chars=500, overlap_chars=100)


# ---- properties -------------------------------------------------------------------------------------
PIECES = st.sampled_from(
    ["学习", "贯彻", "全会精神", "改革", "发展", "人民", "abc", "Party", "2024", " ", "，", "、", "。",
     "！", "？", "；", "……", "”", "\n", "\n\n", "一、总体要求\n", "（二）主要任务\n", "1.具体措施\n",
     "第三章 附则\n"]
)
TEXTS = st.lists(PIECES, max_size=300).map("".join)
CONFIGS = st.builds(
    lambda target, extra, overlap, minimum, hard: ChunkerConfig(
        target, target + extra, min(overlap, target - 1), minimum, hard
    ),
    st.integers(1, 120), st.integers(0, 80), st.integers(0, 60), st.integers(0, 150), st.integers(0, 3),
)


@settings(max_examples=300, deadline=None)
@given(TEXTS, CONFIGS)
def test_chunk_properties(text, config):
    doc = make_doc(text)
    chunks = chunk_document(doc, config)
    covered = set()
    for i, chunk in enumerate(chunks):
        assert chunk.ordinal == i
        assert chunk.text == text[chunk.start : chunk.end]  # offsets point at the chunk's text
        assert 0 < len(chunk.text) <= config.max_chars  # within bounds
        assert chunk.text == chunk.text.strip()
        covered.update(range(chunk.start, chunk.end))
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.start < after.start and before.end < after.end  # order kept, progress made
    lost = [i for i, c in enumerate(text) if not c.isspace() and i not in covered]
    assert lost == []  # nothing of the document is lost


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_top_level_sections_are_never_straddled_with_default_config(text):
    doc = make_doc(text)
    top = [h.start for h in doc.headings if h.level == 1]
    for chunk in chunk_document(doc):
        assert not any(chunk.start < start < chunk.end for start in top)
