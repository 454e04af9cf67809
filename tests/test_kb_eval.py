"""`kb eval` end to end on a tiny BEIR-layout set the test writes (fake encoder)."""

from __future__ import annotations

import json

import pytest

from kb import cli
from kb.evaluate import RESULT_KEYS, load_beir, run_eval

CORPUS = [
    ("d1", "党风廉政建设", "全面从严治党，落实中央八项规定精神，坚决纠治四风。"),
    ("d2", "高质量发展", "坚持创新驱动，培育新质生产力，优化营商环境，推动产业升级。"),
    ("d3", "乡村振兴", "发展特色产业，壮大村集体经济，建设宜居宜业和美乡村。"),
    ("d4", "生态文明", "践行绿水青山就是金山银山理念，推进河湖长制，守护一河清水。"),
]
QUERIES = [("q1", "八项规定 四风"), ("q2", "新质生产力 营商环境"), ("q3", "村集体经济"), ("q4", "河湖长制")]
RELEVANT = {"q1": "d1", "q2": "d2", "q3": "d3", "q4": "d4"}


@pytest.fixture
def beir_dir(tmp_path):
    folder = tmp_path / "beir"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=False) for i, t, x in CORPUS),
        encoding="utf-8",
    )
    (folder / "queries.jsonl").write_text(
        "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in QUERIES), encoding="utf-8"
    )
    (folder / "qrels.tsv").write_text("".join(f"{q}\t{d}\t1\n" for q, d in RELEVANT.items()), encoding="utf-8")
    return folder


@pytest.fixture
def encoder(fake_model):
    return fake_model


def test_load_beir(beir_dir):
    beir = load_beir(beir_dir)
    assert len(beir.corpus) == 4 and beir.queries["q3"] == "村集体经济" and beir.qrels["q1"] == {"d1": 1.0}


def test_eval_scores_the_pipeline_and_caches_embeddings(beir_dir, encoder, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    result = run_eval(beir_dir, retriever="keyword", cache_path=cache)
    assert tuple(result) == RESULT_KEYS
    # Every query shares a distinctive term with its own document only: keyword search is perfect.
    assert result["ndcg@10"] == result["recall@10"] == result["mrr@10"] == result["recall@100"] == 1.0
    assert (result["queries"], result["documents"]) == (4, 4)
    encoded = encoder.texts_encoded
    hybrid = run_eval(beir_dir, cache_path=cache, max_queries=2)
    assert hybrid["queries"] == 2 and 0 < hybrid["ndcg@10"] <= 1
    # The rerun ingested into a new throw-away knowledge base, but no chunk was encoded again.
    assert encoder.texts_encoded - encoded == 2  # just the two queries
    again = run_eval(beir_dir, cache_path=cache, max_queries=2)
    assert again == {**hybrid, "seconds": again["seconds"]}
    assert encoder.texts_encoded - encoded == 2  # the queries' vectors were cached too


def test_a_title_gets_its_own_line_even_when_the_text_opens_with_it(tmp_path, encoder):
    """cmrc2018 passages mostly open with their title ("锣鼓经是…"): without a title line kb fell back to
    the file name as the title, and lost the title in every chunk after the first."""
    from kb.evaluate import BeirSet, write_corpus
    from kb.library import KnowledgeBase

    beir = BeirSet({"p1": ("锣鼓经", "锣鼓经是传统器乐及戏曲里常用的打击乐记谱方法。" * 20)}, {}, {})
    names = write_corpus(beir, tmp_path / "corpus")
    assert (tmp_path / "corpus" / next(iter(names))).read_text(encoding="utf-8").startswith("锣鼓经\n\n锣鼓经是")
    with KnowledgeBase(tmp_path / "data") as kb:
        kb.ingest([tmp_path / "corpus"])
        (doc,) = kb.documents()
        assert doc.title == "锣鼓经"


def test_eval_cli_json_has_exactly_the_documented_keys(beir_dir, encoder, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CACHE", str(tmp_path / "cache"))
    assert cli.main(["eval", str(beir_dir), "--json", "--retriever", "dense"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == set(RESULT_KEYS)
    assert result["documents"] == 4


def test_eval_on_a_folder_that_is_not_beir(tmp_path, encoder, capsys):
    assert cli.main(["eval", str(tmp_path)]) == 1
    assert "corpus.jsonl" in capsys.readouterr().err


def test_eval_model_option_opens_the_knowledge_base_with_that_model(beir_dir, encoder, monkeypatch, tmp_path):
    from kb.library import KnowledgeBase

    opened = []

    def open_kb(*args, **kwargs):
        opened.append(kwargs.get("model"))
        return KnowledgeBase(*args, **kwargs)

    monkeypatch.setenv("KB_CACHE", str(tmp_path / "cache"))
    result = run_eval(beir_dir, retriever="dense", model="fake-model-name", open_kb=open_kb)
    assert opened == ["fake-model-name"] and result["queries"] == 4
    run_eval(beir_dir, retriever="keyword", open_kb=open_kb)
    assert opened[-1] is None  # no --model: the default of a new knowledge base


def test_queries_are_encoded_as_queries(beir_dir, encoder, monkeypatch, tmp_path):
    """A model with prompts (e5) encodes a search query with its query prompt, not as a passage."""
    queries = []

    def encode_query(texts):
        queries.extend(texts)
        return encoder.encode(texts)

    monkeypatch.setattr(encoder, "encode_query", encode_query, raising=False)
    monkeypatch.setenv("KB_CACHE", str(tmp_path / "cache"))
    run_eval(beir_dir, retriever="dense")
    assert sorted(queries) == sorted(text for _, text in QUERIES)
    from kb.library import KnowledgeBase

    (tmp_path / "doc.txt").write_text("乡村振兴：发展特色产业，壮大村集体经济。", encoding="utf-8")
    with KnowledgeBase(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "doc.txt"])
        assert kb.search("特色产业", retriever="dense")
    assert queries[-1] == "特色产业"  # the search encoded its query through encode_query
