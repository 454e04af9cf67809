"""BM25 keyword index against a hand-written reference BM25."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.keyword as keyword
import index.postings as postings
from index.keyword import BM25Params, KeywordIndex
from index.tokenize import tokenize

CORPUS = {
    11: "坚持两个确立，做到两个维护，增强四个意识。",
    12: "党委理论学习中心组围绕第一议题集体学习，交流学习体会。",
    13: "落实全面从严治党主体责任和一岗双责，持续纠治四风。",
    14: "开展三会一课，召开组织生活会，开展批评与自我批评。",
    15: "推进乡村振兴和共同富裕，推动高质量发展，发展新质生产力。",
    16: "学习贯彻党的二十大精神，理论学习中心组专题研讨中国式现代化。",
    17: "the party committee study group discussed 两个确立 and modernization",
}
QUERIES = ["两个确立", "理论学习中心组 学习", "发展", "四风 主体责任", "party study", "中国式现代化 二十大精神"]


def reference_bm25(docs: dict[int, list[str]], query: list[str], params: BM25Params) -> dict[int, float]:
    """Okapi BM25 written out plainly: Lucene idf, unique query terms."""
    n = len(docs)
    avgdl = sum(len(tokens) for tokens in docs.values()) / n
    df = Counter(term for tokens in docs.values() for term in set(tokens))
    scores = {}
    for doc, tokens in docs.items():
        tf = Counter(tokens)
        score = 0.0
        for term in set(query):
            if tf[term]:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                norm = params.k1 * (1 - params.b + params.b * len(tokens) / avgdl)
                score += idf * tf[term] * (params.k1 + 1) / (tf[term] + norm)
        if score > 0:
            scores[doc] = score
    return scores


def as_dict(result: tuple[np.ndarray, np.ndarray]) -> dict[int, float]:
    ids, scores = result
    assert list(scores) == sorted(scores, reverse=True)
    return dict(zip(ids.tolist(), scores.tolist(), strict=True))


DEFAULT = BM25Params()


def build(docs: dict[int, str], params: BM25Params = DEFAULT) -> KeywordIndex:
    index = KeywordIndex(params)
    index.add(np.array(list(docs), dtype=np.int64), list(docs.values()))
    return index


def assert_same_as_reference(index: KeywordIndex, docs: dict[int, str], params: BM25Params) -> None:
    tokenized = {doc: tokenize(text) for doc, text in docs.items()}
    for query in QUERIES:
        expected = reference_bm25(tokenized, tokenize(query), params)
        got = as_dict(index.search(query, 100))
        assert got.keys() == expected.keys(), query
        for doc, score in expected.items():
            assert got[doc] == pytest.approx(score, rel=1e-5), (query, doc)


@pytest.mark.parametrize("params", [BM25Params(), BM25Params(k1=1.5, b=0.3), BM25Params(k1=0.9, b=1.0)])
def test_scores_equal_reference(params):
    assert_same_as_reference(build(CORPUS, params), CORPUS, params)


def test_top_k_is_the_head_of_the_full_ranking():
    index = build(CORPUS)
    full_ids, full_scores = index.search("学习 发展 两个确立", 100)
    ids, scores = index.search("学习 发展 两个确立", 2)
    assert ids.tolist() == full_ids[:2].tolist()
    assert scores.tolist() == full_scores[:2].tolist()


def test_remove_and_add_equal_a_fresh_index():
    index = build(CORPUS)
    index.search("学习", 5)  # builds the main block, so the next add lands in the tail block
    index.remove(np.array([12, 15, 999]))
    extra = {21: "中心组学习两个确立的重大意义", 15: "乡村振兴战略"}  # 15 comes back with new text
    index.add(np.array(list(extra)), list(extra.values()))
    remaining = {doc: text for doc, text in CORPUS.items() if doc not in (12, 15)} | extra
    assert len(index) == len(remaining)
    assert sorted(index.ids().tolist()) == sorted(remaining)
    assert_same_as_reference(index, remaining, BM25Params())
    fresh = build(remaining)
    for query in QUERIES:
        assert as_dict(index.search(query, 100)) == pytest.approx(as_dict(fresh.search(query, 100)))


def test_adding_an_existing_id_replaces_it():
    index = build(CORPUS)
    index.add(np.array([11]), ["乡村振兴"])
    assert 11 not in index.search("两个确立", 10)[0]
    assert 11 in index.search("乡村振兴", 10)[0]
    assert len(index) == len(CORPUS)


def test_main_block_rebuild_path_matches_reference(monkeypatch):
    monkeypatch.setattr(keyword, "_MIN_TAIL_NNZ", 0)
    index = KeywordIndex()
    docs = list(CORPUS.items())
    for doc, text in docs:  # one add per document, a search after each: tail and main rebuilds alternate
        index.add(np.array([doc]), [text])
        index.search("学习", 3)
    assert_same_as_reference(index, CORPUS, BM25Params())


def test_compaction_keeps_scores(monkeypatch):
    index = build(CORPUS)
    index.remove(np.array([11, 12, 13]))  # more than a quarter of the rows: compacts
    assert len(index._row_ids) == len(CORPUS) - 3
    remaining = {doc: text for doc, text in CORPUS.items() if doc not in (11, 12, 13)}
    assert_same_as_reference(index, remaining, BM25Params())
    assert "两个确立" in index.query_terms("两个确立")  # doc 17 still holds it


def test_allowed_restricts_results():
    index = build(CORPUS)
    full = as_dict(index.search("学习", 100))
    allowed = np.array([12, 16, 404])
    got = as_dict(index.search("学习", 100, allowed=allowed))
    assert got == {doc: score for doc, score in full.items() if doc in (12, 16)}
    assert index.search("学习", 10, allowed=np.array([], dtype=np.int64))[0].size == 0


def test_user_dictionary_term_is_one_query_term():
    index = build(CORPUS)
    assert "两个确立" in index.query_terms("两个确立")
    assert index.query_terms("完全无关的词语zzz") == []
    assert index.search("zzz", 10)[0].size == 0
    assert KeywordIndex().search("学习", 10)[0].size == 0


def test_save_load_round_trip(tmp_path):
    index = build(CORPUS)
    index.remove(np.array([13]))
    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded.params == index.params
    assert len(loaded) == len(index)
    for query in QUERIES + ["四风"]:
        a, b = index.search(query, 10), loaded.search(query, 10)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
    assert 13 not in loaded.search("四风 一岗双责", 10)[0]


def test_saved_files_hold_no_pickles(tmp_path):
    build(CORPUS).save(tmp_path)
    for path in tmp_path.glob("*.npy"):
        np.load(path, allow_pickle=False)  # raises if an object array was written


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta"])
documents = st.lists(words, min_size=0, max_size=8).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    first=st.dictionaries(st.integers(0, 30), documents, min_size=1, max_size=12),
    removed=st.sets(st.integers(0, 30), max_size=10),
    second=st.dictionaries(st.integers(0, 30), documents, max_size=6),
)
def test_any_add_remove_sequence_equals_reference(first, removed, second):
    index = KeywordIndex(tokenizer=str.split)
    index.add(np.array(list(first)), list(first.values()))
    index.search("alpha", 3)
    index.remove(np.array(sorted(removed), dtype=np.int64))
    index.add(np.array(list(second), dtype=np.int64), list(second.values()))
    live = {doc: text for doc, text in first.items() if doc not in removed} | second
    assert len(index) == len(live)
    if not live:
        return
    tokenized = {doc: text.split() for doc, text in live.items()}
    for query in ["alpha", "beta gamma", "zeta eps delta"]:
        expected = reference_bm25(tokenized, query.split(), BM25Params())
        assert as_dict(index.search(query, 50)) == pytest.approx(expected, rel=1e-5)


def _zipf_corpus(n_docs: int, seed: int) -> dict[int, str]:
    """Documents over a skewed vocabulary: a few words in most documents, many rare ones."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, 3001) ** 1.1
    p /= p.sum()
    return {doc: " ".join(rng.choice(vocab, size=rng.integers(5, 40), p=p)) for doc in range(n_docs)}


def test_pruned_search_is_exact_on_a_skewed_corpus():
    docs = _zipf_corpus(3000, seed=21)
    index = KeywordIndex(tokenizer=str.split)
    index.add(np.array(list(docs)), list(docs.values()))
    tokenized = {doc: text.split() for doc, text in docs.items()}
    calls = []
    real = postings._finish_early

    def spy(*args):
        result = real(*args)
        calls.append(result is not None)
        return result

    rng = np.random.default_rng(22)
    allowed = np.array(sorted(rng.choice(3000, 1500, replace=False)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "_finish_early", spy)
        for query in ["w0 w1 w2 w700", "w3 w1500 w2200 w0", "w0 w1", "w5 w6 w7 w8 w9 w1000 w2000"]:
            expected = reference_bm25(tokenized, query.split(), DEFAULT)
            for k in (1, 10, 100):
                ranked = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:k]
                ids, scores = index.search(query, k)
                assert ids.tolist() == [doc for doc, _ in ranked]
                np.testing.assert_allclose(scores, [s for _, s in ranked], rtol=1e-5)
            subset = {doc: s for doc, s in expected.items() if doc in set(allowed.tolist())}
            ranked = sorted(subset.items(), key=lambda item: (-item[1], item[0]))[:10]
            assert index.search(query, 10, allowed=allowed)[0].tolist() == [doc for doc, _ in ranked]
    assert any(calls), "the corpus should let MaxScore skip the common words at least once"
