"""Synthetic chunks at any scale, drawn from real sentences so BM25 posting lists look real.

A synthetic document takes a real document's title and a run of its sentences for each chunk, cut
to lengths drawn from the real chunker's output: words keep their real frequencies and their real
company (a chunk holds neighbouring sentences of one text). With a pool of a few million characters
each sentence recurs in many chunks at 1M chunks, so rare words have longer posting lists than in a
real 1M-chunk library: keyword latencies err on the slow side. Vectors are random unit vectors.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.tokenize import tokenize
from ingest.chunker import sentences
from ingest.normalize import for_search

DOC_CHUNKS = 40  # chunks per synthetic document (the evaluation corpora average 30-100)
_MAX_SENTENCE = 500
_CLAUSE = re.compile(r"[，。；：、！？,;:!?\s]+")
QUERY_TOKENS = (5, 15)  # a query, tokenized as the keyword index does, has this many tokens


@dataclass(frozen=True)
class TextPool:
    """Real sentences with their keyword tokens, grouped by document, and real chunk lengths."""

    titles: list[str]
    title_tokens: list[list[str]]
    sentences: list[str]
    tokens: list[list[str]]
    doc_start: list[int]  # document i owns sentences[doc_start[i]:doc_start[i + 1]]
    chunk_chars: list[int]

    @property
    def characters(self) -> int:
        return sum(len(s) for s in self.sentences)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TextPool:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def build_pool(texts: list[tuple[str, str]], chunk_chars: list[int]) -> TextPool:
    """Split (title, text) pairs into sentences and tokenize each the way the keyword index does."""
    titles, title_tokens, all_sentences, all_tokens, doc_start = [], [], [], [], []
    for title, text in texts:
        kept = []
        for start, end in sentences(text, _MAX_SENTENCE):
            sentence = text[start:end]
            words = tokenize(for_search(sentence))
            if words:
                kept.append((sentence, words))
        if not kept:
            continue
        doc_start.append(len(all_sentences))
        titles.append(title)
        title_tokens.append(tokenize(for_search(title)))
        for sentence, words in kept:
            all_sentences.append(sentence)
            all_tokens.append(words)
    if not all_sentences or not chunk_chars:
        raise ValueError("语料中没有可用的句子，无法合成片段。")
    doc_start.append(len(all_sentences))
    return TextPool(titles, title_tokens, all_sentences, all_tokens, doc_start, list(chunk_chars))


@dataclass(frozen=True)
class SyntheticDocument:
    """One synthetic document: a real title over DOC_CHUNKS runs of that document's sentences."""

    title: str
    chunk_texts: list[str]
    chunk_tokens: list[list[str]]  # keyword tokens of title + chunk text, as Indexes.add would make them


def synthetic_documents(pool: TextPool, chunks: int, seed: int = 0) -> Iterator[SyntheticDocument]:
    """Documents holding `chunks` chunks in all (the last one may be shorter), reproducibly."""
    rng = random.Random(seed)
    made = 0
    while made < chunks:
        doc = rng.randrange(len(pool.titles))
        first, end = pool.doc_start[doc], pool.doc_start[doc + 1]
        texts, token_lists = [], []
        for _ in range(min(DOC_CHUNKS, chunks - made)):
            target = rng.choice(pool.chunk_chars)
            at = rng.randrange(first, end)
            parts: list[str] = []
            words = list(pool.title_tokens[doc])
            size = 0
            while size < target and len(parts) < end - first:
                parts.append(pool.sentences[at])
                words += pool.tokens[at]
                size += len(pool.sentences[at])
                at = at + 1 if at + 1 < end else first
            texts.append("".join(parts))
            token_lists.append(words)
        made += len(texts)
        yield SyntheticDocument(pool.titles[doc], texts, token_lists)


def unit_vectors(count: int, dim: int, seed: int) -> np.ndarray:
    """`count` random float32 unit vectors, the same for the same seed."""
    vectors = np.random.default_rng(seed).standard_normal((count, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def make_queries(pool: TextPool, count: int, presets: list[str], seed: int = 0) -> list[str]:
    """`count` realistic queries of 5-15 keyword tokens: the presets' example queries that fit, then
    phrases of one to three consecutive clauses of real sentences."""
    low, high = QUERY_TOKENS
    rng = random.Random(seed)
    fitting = [q for q in dict.fromkeys(presets) if low <= len(tokenize(for_search(q))) <= high]
    queries = fitting[: count // 4]
    for _ in range(200 * count):
        if len(queries) >= count:
            break
        clauses = [c for c in _CLAUSE.split(rng.choice(pool.sentences)) if c]
        if not clauses:
            continue
        at = rng.randrange(len(clauses))
        phrase = " ".join(clauses[at : at + rng.randint(1, 3)])
        if low <= len(tokenize(for_search(phrase))) <= high and phrase not in queries:
            queries.append(phrase)
    if not queries:
        raise ValueError("无法从语料中生成检索问题。")
    return (queries * (count // len(queries) + 1))[:count]


def query_token_counts(queries: list[str]) -> dict:
    """min / median / max keyword tokens per query."""
    counts = sorted(len(tokenize(for_search(q))) for q in queries)
    return {"min": counts[0], "median": counts[len(counts) // 2], "max": counts[-1]}
