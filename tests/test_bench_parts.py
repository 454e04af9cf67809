"""The pieces of `kb bench`: synthetic chunks and queries, passages, percentiles, verdicts, options."""

from __future__ import annotations

import argparse
import json
import shutil

import numpy as np
import pytest
from conftest import FakeEncoder

from bench.cli import sizes_arg
from bench.corpus import passages
from bench.encoding import latency
from bench.machine import load_mark, others_load, peak_rss_mb, rss_mb
from bench.probes import Probes
from bench.run import BenchOptions, command_line, verdicts
from bench.scale import BATCH, all_vectors, bulk_load
from bench.synthetic import DOC_CHUNKS, TextPool, build_pool, make_queries, synthetic_documents
from index.tokenize import tokenize
from ingest.normalize import for_search
from kb.library import KnowledgeBase
from kb.representation import embedding_input

TEXTS = [
    ("推动高质量发展的几点思考",
     "高质量发展是新时代的硬道理。要坚持创新驱动，培育新质生产力。县域经济要立足资源禀赋，发展特色产业集群。"
     "优化营商环境，扩大有效投资，推动产业转型升级和绿色低碳发展。深化重点领域改革，激发市场主体活力。"),
    ("基层治理与群众工作",
     "群众反映强烈的突出问题，往往集中在教育、医疗、住房、养老等民生领域。要健全接诉即办机制，"
     "把矛盾纠纷化解在基层。党员干部要深入一线调查研究，解决群众急难愁盼问题。完善网格化管理和精细化服务。"),
]


@pytest.fixture(scope="module")
def pool() -> TextPool:
    return build_pool(TEXTS, chunk_chars=[60, 90, 120])


def test_pool_keeps_sentences_by_document_with_their_tokens(pool):
    assert pool.titles == [t for t, _ in TEXTS]
    assert pool.doc_start[0] == 0 and pool.doc_start[-1] == len(pool.sentences)
    for sentence, tokens in zip(pool.sentences, pool.tokens, strict=True):
        assert tokens == tokenize(for_search(sentence))
    first_doc = pool.sentences[pool.doc_start[0] : pool.doc_start[1]]
    assert "".join(first_doc) == TEXTS[0][1]


def test_synthetic_documents_are_runs_of_one_documents_sentences(pool, tmp_path):
    docs = list(synthetic_documents(pool, 2 * DOC_CHUNKS + 7, seed=3))
    assert [len(d.chunk_texts) for d in docs] == [DOC_CHUNKS, DOC_CHUNKS, 7]
    for doc in docs:
        source = pool.titles.index(doc.title)
        own = set(pool.sentences[pool.doc_start[source] : pool.doc_start[source + 1]])
        for text, tokens in zip(doc.chunk_texts, doc.chunk_tokens, strict=True):
            assert len(text) >= 60 or len(text) == len("".join(own))  # a target size, or the whole document
            assert tokens[: len(pool.title_tokens[source])] == pool.title_tokens[source]
            rest = tokens[len(pool.title_tokens[source]) :]
            assert sorted(rest) == sorted(tokenize(for_search(text)))
            assert all(t in own for t in _split_known(text, own))
    path = tmp_path / "pool.json"
    pool.save(path)
    again = list(synthetic_documents(TextPool.load(path), 2 * DOC_CHUNKS + 7, seed=3))
    assert again == docs


def _split_known(text: str, sentences: set[str]) -> list[str]:
    """Greedily split text into the given sentences (fails the test's `in` check if it cannot)."""
    out, at = [], 0
    while at < len(text):
        match = next((s for s in sentences if text.startswith(s, at)), text[at:])
        out.append(match)
        at += len(match)
    return out


def test_queries_have_five_to_fifteen_tokens(pool):
    queries = make_queries(pool, 12, presets=["意识形态工作责任制怎么落实", "党建"], seed=1)
    assert len(queries) == 12
    assert all(5 <= len(tokenize(for_search(q))) <= 15 for q in queries)
    assert "党建" not in queries  # a preset with too few tokens is left out


def test_passages_are_cut_to_size_without_whitespace():
    texts = ["甲乙丙丁 戊己庚辛\n" * 40]
    cut = passages(texts, 3, chars=50)
    assert len(cut) == 3 and all(len(p) == 50 and " " not in p for p in cut)
    assert passages(["短文" * 30], 5, chars=50) == ["短文" * 25] * 5  # a small corpus repeats


def test_latency_percentiles_in_milliseconds():
    result = latency([0.001] * 90 + [0.010] * 10)
    assert result["p50_ms"] == 1.0 and 1.0 < result["p95_ms"] <= 10.0 and result["n"] == 100


def test_all_vectors_regenerates_the_indexed_batches():
    vectors = all_vectors(BATCH + 5, 8, seed=2)
    assert vectors.shape == (BATCH + 5, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(all_vectors(BATCH + 5, 8, seed=2), vectors)


def _entry(size: int, hybrid_p95: float, search_p95: float, steady: float, layout: str = "flat") -> dict:
    def lat(p95: float) -> dict:
        return {"p50_ms": p95 / 2, "p95_ms": p95, "mean_ms": p95 / 2, "n": 100}

    return {"size": size, "latency": {"hybrid_given_vector": lat(search_p95), "hybrid": lat(hybrid_p95)},
            "memory": {"steady_mb": steady, "peak_mb": steady + 100}, "dense_layout": layout,
            "dense_layouts": {"flat": {"recall@10": 1.0}, "flat16": {"recall@10": 0.97}}}


def test_verdicts_compare_each_target_with_the_measured_figure():
    result = {"scale": [_entry(100_000, 60.0, 20.0, 1500.0), _entry(1_000_000, 150.0, 150.0, 5000.0, "flat16"),
                        {"size": 10_000, "error": "子进程退出码 -9"}]}
    found = {(v["target"], v["met"]) for v in verdicts(result)}
    met = {target for target, ok in found if ok}
    missed = {target for target, ok in found if not ok}
    # The target is the search a user waits for, query encoding included (60 ms > 50 ms), not the
    # search given a vector (20 ms).
    assert any("100,000" in t and "KnowledgeBase.search" in t for t in missed)
    assert any("1,000,000" in t and "KnowledgeBase.search" in t for t in met)
    assert any("常驻" in t for t in met) and any("峰值" in t for t in met)
    assert any("flat16" in t for t in missed)  # recall 0.97 < 0.98


def test_command_line_repeats_the_options():
    options = BenchOptions(sizes=(2000,), quick=True, use_shared=False, queries=50)
    assert command_line(options) == "kb bench --sizes 2000 --quick --no-shared --queries 50"
    assert command_line(BenchOptions()) == "kb bench --sizes 10000,100000,1000000"


def test_sizes_argument():
    assert sizes_arg("10_000,100000") == (10_000, 100_000)
    for bad in ("", "十万", "50"):
        with pytest.raises(argparse.ArgumentTypeError):
            sizes_arg(bad)


def test_memory_and_load_readings():
    mark = load_mark()
    sum(range(200_000))
    load = others_load(mark)
    assert load["seconds"] >= 0 and load["others_cores"] >= 0 and load["own_cores"] >= 0
    assert peak_rss_mb() >= rss_mb() > 0


def test_a_bulk_loaded_knowledge_base_is_an_ordinary_one(pool, tmp_path):
    """bench.scale.bulk_load commits through the store and indexes with known tokens: what it leaves is
    what an import leaves — vectors stored (rebuilding the indexes encodes nothing), indexes saved at
    the store's generation, and KnowledgeBase.search finds a chunk by its own words."""
    encoder = FakeEncoder()
    docs = list(synthetic_documents(pool, DOC_CHUNKS + 10, seed=1))
    with KnowledgeBase(tmp_path / "kb", encoder=encoder) as kb:
        first = 0
        for number, doc in enumerate(docs):
            vectors = encoder.encode([embedding_input(doc.title, (), t) for t in doc.chunk_texts])
            ids = bulk_load(kb, [doc], first, vectors, seed=1)
            assert len(ids) == len(doc.chunk_texts) and number == first
            first += 1
        kb.refresh_indexes()
        generation = kb.generation()
    assert json.loads((tmp_path / "kb" / "index" / "manifest.json").read_text())["generation"] == generation
    target = docs[1].chunk_texts[3]
    query = embedding_input(docs[1].title, (), target)  # what was embedded for it: cosine 1 with itself

    def top_hit(kb: KnowledgeBase) -> tuple[str, str]:
        hit = kb.search(query, k=1, retriever="dense")[0]
        return hit.text, hit.title

    with KnowledgeBase(tmp_path / "kb", encoder=encoder) as kb:
        assert kb.count_chunks() == DOC_CHUNKS + 10 and kb.count_documents() == 2
        assert top_hit(kb) == (target, docs[1].title)
        assert kb.search(target, k=3, retriever="keyword")  # the keyword index holds the known tokens
    shutil.rmtree(tmp_path / "kb" / "index")
    calls = encoder.texts_encoded
    with KnowledgeBase(tmp_path / "kb", encoder=encoder) as kb:
        assert top_hit(kb) == (target, docs[1].title)  # indexes rebuilt from the store
        assert encoder.texts_encoded == calls + 1  # the query only: every chunk vector was stored


def test_probes_time_the_real_calls_and_put_everything_back():
    import bench.synthetic as module

    class Base:
        def inherited(self, x: int) -> int:
            return x + 1

    class Child(Base):
        def own(self, x: int) -> int:
            return self.inherited(x) * 2

    original = module.unit_vectors
    targets = [("own", Child, "own"), ("(inherited)", Child, "inherited"), ("vectors", module, "unit_vectors")]
    with Probes(targets, keep=("own",)) as probes:
        assert Child().own(1) == 4 and Child().own(2) == 6
        probes.new_round()
        assert module.unit_vectors(2, 3, seed=0).shape == (2, 3)
    assert probes.calls == {"own": 2, "(inherited)": 2, "vectors": 1}
    assert probes.results["own"] == [4, 6] and len(probes.durations["own"]) == 2
    assert len(probes.per_round("own")) == 1 and probes.seconds("vectors") > 0
    assert module.unit_vectors is original and "inherited" not in vars(Child) and Child().own(1) == 4
    with pytest.raises(AttributeError), Probes([("gone", Child, "no_such_step")]):
        pass
