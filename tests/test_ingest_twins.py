"""Near-duplicate signatures and the twin index (ingest/twins.py): the index against a brute-force oracle
on seeded synthetic texts, and precision/recall on copies derived from the shared real corpora."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ingest.pipeline import read_document
from ingest.twins import (
    PERMUTATIONS,
    TWIN_THRESHOLD,
    TwinIndex,
    TwinSignature,
    jaccard,
    nearest_twin,
    signature,
    similarity,
)
from tests.conftest import SHARED, load_script
from tests.ingest_fixtures import write_text

POOL = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 1500))  # 1,500 Chinese characters


def _text(rng: random.Random, length: int) -> str:
    """Random sentences from a pool of common characters: distinct texts share few 5-character shingles."""
    sentences = []
    while sum(map(len, sentences)) < length:
        sentences.append("".join(rng.choice(POOL) for _ in range(rng.randint(12, 40))) + "。")
    return "\n".join(sentences)


def test_signature_round_trips_through_bytes():
    sig = signature(_text(random.Random(1), 3000))
    blob = sig.to_bytes()
    assert len(blob) == 12 + 4 * PERMUTATIONS
    assert TwinSignature.from_bytes(blob) == sig
    with pytest.raises(ValueError):
        TwinSignature.from_bytes(blob[:-4])
    with pytest.raises(ValueError):
        TwinSignature.from_bytes(b"XXXX" + blob[4:])


def test_layout_width_case_and_script_do_not_change_the_signature():
    text = "第一段：学习贯彻党的二十大精神，推动高质量发展2025年GDP增长5%。\n第二段：堅持以人民為中心的發展思想。" * 20
    variant = (
        text.replace("\n", "\n\n　　").replace("，", ",").replace("。", ". ").replace("2025", "２０２５")
        .replace("GDP", "ｇｄｐ").replace("堅持以人民為中心的發展思想", "坚持以人民为中心的发展思想")
    )
    assert signature(text) == signature(variant)


def test_a_short_text_has_no_twins():
    short = signature("通知：明天开会。")
    assert not short.usable and short.shingles < 50
    assert similarity(short, short) == 0.0
    index = TwinIndex()
    index.add("short", short)
    assert len(index) == 0 and index.nearest(short) is None


def test_a_book_is_not_the_twin_of_an_article_it_contains():
    rng = random.Random(2)
    article = _text(rng, 2000)
    book = _text(rng, 4000) + "\n" + article + "\n" + _text(rng, 4000)
    a, b = signature(article), signature(book)
    assert jaccard(a, b) < 0.3 and similarity(a, b) == 0.0  # the article is a fifth of the book


def test_the_index_finds_what_a_scan_of_every_signature_finds():
    """LSH candidates only: the same nearest twins as the brute-force oracle, on seeded texts and copies."""
    rng = random.Random(3)
    texts = {f"d{i}": _text(rng, rng.randint(300, 6000)) for i in range(80)}
    signatures = {key: signature(text) for key, text in texts.items()}
    index = TwinIndex()
    for key, sig in signatures.items():
        index.add(key, sig)
    queries = []
    for key, text in list(texts.items())[:40]:
        cut = int(len(text) * rng.uniform(0.0, 0.3))
        queries.append((key, signature("来源：某某网\n" + text[cut:])))
    queries += [(None, signature(_text(rng, 2000))) for _ in range(20)]
    for key, query in queries:
        found = index.nearest(query)
        oracle = nearest_twin(query, signatures.items())
        assert (found and found.key) == (oracle and oracle.key)
        assert (found is None) == (key is None)
        if found:
            assert found.key == key and found.similarity >= TWIN_THRESHOLD
    for key, sig in signatures.items():  # distinct texts are never twins
        assert index.nearest(sig, exclude=key) is None


def test_remove_and_replace():
    rng = random.Random(4)
    text = _text(rng, 3000)
    index = TwinIndex()
    index.add("a", signature(text))
    assert "a" in index and index.nearest(signature(text)).key == "a"
    index.add("a", signature(_text(rng, 3000)))  # a new version under the same key
    assert index.nearest(signature(text)) is None
    index.remove("a")
    index.remove("a")  # twice is harmless
    assert len(index) == 0 and index.candidates(signature(text)) == []


def test_a_document_carries_its_signature(tmp_path):
    text = _text(random.Random(5), 2000)
    doc = read_document(write_text(tmp_path / "a.txt", text, "utf-8"))
    assert doc.signature == signature(doc.text)
    assert doc.signature is doc.signature  # computed once
    assert np.array_equal(TwinSignature.from_bytes(doc.signature.to_bytes()).values, doc.signature.values)


@pytest.fixture(scope="module")
def measured():
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return load_script("twins_report").evaluate(SHARED, pdf_copies=2)


def test_copies_of_real_documents_find_their_original(measured):
    """docs/ingest.md reports these numbers: every derived copy finds its original, nothing else does."""
    assert measured.originals >= 220
    assert sum(measured.copies.values()) >= 5 * measured.originals
    assert measured.recall >= 0.99
    assert measured.precision == 1.0
    for name in ("reformat", "retype", "trim", "header", "combined", "pdf"):
        assert measured.found[name] == measured.copies[name], name


def test_distinct_documents_on_one_theme_are_not_twins(measured):
    assert measured.false_twins == []
    assert measured.provincial_flagged == 0  # 31 reports of one year and one theme
    assert measured.closest_distinct[2] < TWIN_THRESHOLD  # the nearest distinct pair stays below the line
    # …while the one real duplicate the corpora share (the 19th Congress report, twice) is found
    assert {frozenset(pair[:2]) for pair in measured.real_twins_found} == {
        frozenset({"cpc-014", "ARTI1509103656574313"})
    }
