"""Tune search defaults offline: dump each retriever's rankings once, then score fusions without re-searching.

    python scripts/tune_relevance.py dump /work/shared/eval/dev/cmrc2018-dev --out /tmp/kb-tune/cmrc.npz
    python scripts/tune_relevance.py fusions /tmp/kb-tune/cmrc.npz /tmp/kb-tune/vcsum.npz
    python scripts/tune_relevance.py subsets|summary|bm25|tokens DUMP...
    python scripts/tune_relevance.py sample

`dump` ingests a BEIR set through the normal pipeline (as `kb eval` does; `--target/--max/--overlap`
override the chunker), then keeps, for every judged query, the dense and the keyword top chunks with
their scores, the chunk -> document map and the chunks' keyword texts (so BM25 variants need no
re-ingest). The other commands replay fusion + best chunk per document on dumps (with the product's
own kb.search.fuse where the fusion is a SearchConfig) and print nDCG@10, recall@10, MRR@10 and
recall@100. docs/relevance.md shows which command gives each table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index import fusion
from index.keyword import BM25Params, KeywordIndex
from index.metrics import evaluate, ndcg_at_k
from index.tokenize import tokenize
from ingest.chunker import ChunkerConfig
from kb.config import KBConfig, SearchConfig
from kb.evaluate import load_beir, write_corpus
from kb.search import normalise_query

DEPTH = 500  # what the search asks each retriever for when it ranks 100 documents (k * 5)
DOCS = 100  # documents ranked per query, as `kb eval`
DAMPING = [SearchConfig().document_damping]  # how documents are scored from their chunks (--damping)


# ---- dumping ------------------------------------------------------------------------------------


def _padded(results: list[tuple[np.ndarray, np.ndarray]], depth: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.full((len(results), depth), -1, dtype=np.int64)
    scores = np.full((len(results), depth), np.nan, dtype=np.float32)
    for row, (i, s) in enumerate(results):
        ids[row, : len(i)] = i
        scores[row, : len(s)] = s
    return ids, scores


def dump(directory: Path, out: Path, chunker: ChunkerConfig, bm25: BM25Params, depth: int = DEPTH,
         model: str | None = None) -> None:
    from kb.library import KnowledgeBase, default_cache_path

    started = time.perf_counter()
    beir = load_beir(directory)
    query_ids = [q for q in beir.queries if q in beir.qrels]
    texts = [beir.queries[q] for q in query_ids]
    config = KBConfig(chunker=chunker, bm25=bm25)
    with tempfile.TemporaryDirectory(prefix="kb-tune-") as tmp:
        names = write_corpus(beir, Path(tmp) / "corpus")
        kb = KnowledgeBase(Path(tmp) / "data", config=config, embedding_cache=default_cache_path(),
                           **({"model": model} if model else {}))
        try:
            kb.ingest([Path(tmp) / "corpus"])
            corpus_of = {d.id: names[Path(d.path).name] for d in kb.documents()}
            print(f"ingested {len(corpus_of)} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            chunk_ids = kb.store.chunks.ids()
            records = kb.store.chunks.get(chunk_ids.tolist())
            chunk_doc = np.array([corpus_of[records[int(c)].doc_id] for c in chunk_ids])
            search_texts = [records[int(c)].search_text for c in chunk_ids]
            vectors = kb.encode_query(texts, cached=True)  # as `kb eval` encodes them (e5: its query prompt)
            kb.refresh_indexes()
            indexes = kb.indexes
            dense = [indexes.dense.search(v, depth) for v in vectors]
            keyword = [indexes.keyword.search(normalise_query(t), depth) for t in texts]
            known = [indexes.keyword.query_terms(normalise_query(t)) for t in texts]
        finally:
            kb.close()
    dense_ids, dense_scores = _padded(dense, depth)
    keyword_ids, keyword_scores = _padded(keyword, depth)
    relevant = [next(iter(beir.qrels[q])) for q in query_ids]  # one relevant document per query here
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        query_ids=np.array(query_ids),
        queries=np.array(texts),
        relevant=np.array(relevant),
        dense_ids=dense_ids,
        dense_scores=dense_scores,
        keyword_ids=keyword_ids,
        keyword_scores=keyword_scores,
        chunk_ids=chunk_ids,
        chunk_doc=chunk_doc,
        search_texts=np.array(search_texts),
        query_known=np.array([len(k) for k in known]),
        config=np.array(json.dumps(config.to_dict())),
    )
    print(f"{out}: {len(query_ids)} queries, {len(chunk_ids)} chunks, {time.perf_counter() - started:.0f} s",
          file=sys.stderr)


# ---- replaying fusions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One query's dumped rankings (chunk ids and scores, best first) and its relevant document."""

    text: str
    relevant: str
    dense: tuple[np.ndarray, np.ndarray]
    keyword: tuple[np.ndarray, np.ndarray]
    distinct: int  # distinct keyword tokens of the query
    known: int  # ... of which the keyword index holds


@dataclass(frozen=True)
class Dump:
    name: str
    queries: list[Query]
    doc_of: dict[int, str]  # chunk id -> corpus id
    chunk_ids: np.ndarray
    search_texts: list[str]


def load_dump(path: Path) -> Dump:
    data = np.load(path)
    doc_of = dict(zip(data["chunk_ids"].tolist(), data["chunk_doc"].tolist(), strict=True))

    def result(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = ids >= 0
        return ids[keep], scores[keep].astype(np.float64)

    queries = [
        Query(str(text), str(rel), result(di, ds), result(ki, ks), len(set(tokenize(normalise_query(str(text))))),
              int(known))
        for text, rel, di, ds, ki, ks, known in zip(
            data["queries"], data["relevant"], data["dense_ids"], data["dense_scores"], data["keyword_ids"],
            data["keyword_scores"], data["query_known"], strict=True)
    ]
    return Dump(path.stem, queries, doc_of, data["chunk_ids"], [str(t) for t in data["search_texts"]])


Fusion = Callable[[Query], list[tuple[int, float]]]


def ranked_documents(ranked: list[tuple[int, float]], doc_of: dict[int, str]) -> list[str]:
    """The documents in order of their best chunk, the first DOCS of them (as `kb eval` ranks them)."""
    seen: dict[str, None] = {}
    for chunk, _ in ranked:
        seen.setdefault(doc_of[chunk])
        if len(seen) >= DOCS:
            break
    return list(seen)


def rankings(dump: Dump, fuse_one: Fusion) -> list[list[str]]:
    """Each query's documents, scored as `kb eval` scores them (kb.search.rank_documents, the default
    SearchConfig.document_damping unless --damping says otherwise)."""
    if DAMPING[0] <= 0:
        return [ranked_documents(fuse_one(q), dump.doc_of) for q in dump.queries]
    return documents_by(dump, fuse_one, DAMPING[0])


def metrics(found: list[list[str]], relevant: list[str]) -> dict[str, float]:
    """nDCG@10, recall@10, MRR@10 and recall@100 (index.metrics, as `kb eval`), one relevant document a query."""
    scores = evaluate({str(i): docs for i, docs in enumerate(found)},
                      {str(i): {doc: 1.0} for i, doc in enumerate(relevant)})
    return {key: scores[key] for key in ("ndcg@10", "recall@10", "mrr@10", "recall@100")}


def rank_of_relevant(docs: list[str], relevant: str) -> int:
    """1-based rank of the relevant document, DOCS + 1 when it is not among them."""
    return docs.index(relevant) + 1 if relevant in docs else DOCS + 1


def replay(dump: Dump, fuse_one: Fusion) -> dict[str, float]:
    return metrics(rankings(dump, fuse_one), [q.relevant for q in dump.queries])


def with_keyword(dump: Dump, params: BM25Params, tokenizer: Callable[[str], list[str]] = tokenize) -> Dump:
    """The dump with its keyword rankings redone by a BM25 index built with other parameters or tokens."""
    index = KeywordIndex(params, tokenizer)
    index.add(dump.chunk_ids, dump.search_texts)
    queries = [
        replace(q, keyword=tuple(np.asarray(a, dtype=np.float64 if n else np.int64)
                                 for n, a in enumerate(index.search(normalise_query(q.text), DEPTH))))
        for q in dump.queries
    ]
    return replace(dump, queries=queries)


def only(retriever: str) -> Fusion:
    """One retriever's own ranking."""
    return lambda q: list(zip(getattr(q, retriever)[0].tolist(), getattr(q, retriever)[1].tolist(), strict=True))


def cut(q: Query, depth: int) -> Query:
    dense, keyword = (q.dense[0][:depth], q.dense[1][:depth]), (q.keyword[0][:depth], q.keyword[1][:depth])
    return replace(q, dense=dense, keyword=keyword)


def via_search_config(config: SearchConfig) -> Fusion:
    """The product's own dispatch (kb.search.fuse), on lists as deep as `kb eval` gets them."""
    from kb.search import fuse

    depth = max(DEPTH, config.candidates)
    return lambda q: fuse(*(lambda c: (c.dense, c.keyword))(cut(q, depth)), config)


def _top_z(scores: np.ndarray) -> float:
    """How far a list's best score stands above the list (its z-score): a retriever's confidence."""
    std = float(scores.std()) if len(scores) > 1 else 0.0
    return max(float(scores[0] - scores.mean()) / std, 0.0) if std > 0 else 0.0


def confidence_rrf(q: Query) -> list[tuple[int, float]]:
    """RRF weighted per query by each retriever's confidence (the z-score of its best hit)."""
    q = cut(q, DEPTH)
    return fusion.reciprocal_rank_fusion([q.dense[0], q.keyword[0]], [_top_z(q.dense[1]), _top_z(q.keyword[1])])


def matched_share_rrf(q: Query) -> list[tuple[int, float]]:
    """RRF with the keyword weight = share of the query's distinct tokens the index holds (dense: the rest)."""
    q = cut(q, DEPTH)
    share = q.known / max(q.distinct, 1)
    return fusion.reciprocal_rank_fusion([q.dense[0], q.keyword[0]], [1.0 - share + 1e-3, share])


def returned_only_zscore(q: Query) -> list[tuple[int, float]]:
    """index.fusion.score_fusion with z-scores of the returned scores only (no common candidate depth)."""
    q = cut(q, DEPTH)
    return fusion.score_fusion([q.dense, q.keyword], normalization=fusion.ZSCORE)


def fusions() -> dict[str, Fusion]:
    """Every fusion tried, by the name docs/relevance.md gives it."""
    tried: dict[str, Fusion] = {"keyword": only("keyword"), "dense": only("dense")}
    tried["RRF k=60, equal weights"] = via_search_config(SearchConfig(fusion="rrf"))
    for weight in (0.5, 0.3, 0.1):
        tried[f"RRF k=60, dense weight {weight}"] = via_search_config(SearchConfig(fusion="rrf", dense_weight=weight))
    tried["RRF, weights = top-1 z-score per query"] = confidence_rrf
    tried["RRF, keyword weight = matched share"] = matched_share_rrf
    tried["min-max sum, equal"] = via_search_config(SearchConfig(fusion="score", candidates=DEPTH))
    tried["min-max sum, dense weight 0.5"] = via_search_config(
        SearchConfig(fusion="score", candidates=DEPTH, dense_weight=0.5))
    tried["z-score sum, returned scores only"] = returned_only_zscore
    for depth in (100, 300, 500, 1000):
        tried[f"zscore, candidates {depth}"] = via_search_config(SearchConfig(fusion="zscore", candidates=depth))
    for weight in (0.5, 0.7, 1.5, 2.0):
        tried[f"zscore, candidates 500, dense weight {weight}"] = via_search_config(
            SearchConfig(fusion="zscore", candidates=DEPTH, dense_weight=weight))
    return tried


SUMMARY = ("keyword", "dense", "RRF k=60, equal weights", "zscore, candidates 500")
SUBSETS = (*SUMMARY, "RRF, keyword weight = matched share")


def _row(label: str, values: list[str]) -> str:
    return f"| {label} | " + " | ".join(values) + " |"


def print_fusions(dumps: list[Dump], names: tuple[str, ...] | None = None) -> None:
    tried = fusions()
    print(_row("fusion", [f"{d.name} nDCG@10 / R@10 / MRR@10 / R@100" for d in dumps]))
    for name in names or tuple(tried):
        if name.endswith("candidates 1000") and any(len(q.dense[0]) < 1000 for q in dumps[0].queries[:1]):
            continue  # needs a dump made with --depth 1000
        cells = []
        for d in dumps:
            m = replay(d, tried[name])
            cells.append(" / ".join(f"{m[key]:.4f}" for key in ("ndcg@10", "recall@10", "mrr@10", "recall@100")))
        print(_row(name, cells), flush=True)


def print_subsets(dumps: list[Dump]) -> None:
    """nDCG@10 on query subsets where the keyword index is weak, and how often the fused top chunk differs."""
    tried = fusions()
    chosen = {name: tried[name] for name in SUBSETS}
    for d in dumps:
        found = {name: rankings(d, f) for name, f in chosen.items()}
        relevant = [q.relevant for q in d.queries]
        keyword = np.array([rank_of_relevant(docs, r) for docs, r in zip(found["keyword"], relevant, strict=True)])
        dense = np.array([rank_of_relevant(docs, r) for docs, r in zip(found["dense"], relevant, strict=True)])
        confidence = np.array([_top_z(cut(q, DEPTH).keyword[1]) for q in d.queries])
        subsets = {
            "all": np.arange(len(d.queries)),
            "dense ranks the answer higher than keyword": np.flatnonzero(dense < keyword),
            "keyword's top document is wrong": np.flatnonzero(keyword > 1),
            "keyword's least confident 10%": np.flatnonzero(confidence <= np.percentile(confidence, 10)),
        }
        print(_row(d.name, ["queries", *chosen]))
        for label, rows in subsets.items():
            cells = [str(len(rows))]
            for name in chosen:
                subset = metrics([found[name][i] for i in rows], [relevant[i] for i in rows])
                cells.append(f"{subset['ndcg@10']:.3f}" if len(rows) else "-")
            print(_row(label, cells))
        fused = chosen["zscore, candidates 500"]
        tops = [fused(q)[0][0] for q in d.queries]
        pairs = list(zip(tops, d.queries, strict=True))
        same_keyword = np.mean([len(q.keyword[0]) > 0 and t == q.keyword[0][0] for t, q in pairs])
        same_dense = np.mean([t == q.dense[0][0] for t, q in pairs])
        every_token = np.mean([q.known == q.distinct for q in d.queries])
        for retriever in ("dense", "keyword"):
            right = [d.doc_of[int(getattr(cut(q, DEPTH), retriever)[0][0])] == q.relevant
                     if len(getattr(q, retriever)[0]) else False for q in d.queries]
            z = np.array([_top_z(getattr(cut(q, DEPTH), retriever)[1]) for q in d.queries])
            print(f"{d.name}: median z-score of {retriever}'s top hit: {np.median(z[np.array(right)]):.1f} when it is "
                  f"right, {np.median(z[~np.array(right)]):.1f} when it is wrong")
        print(f"\n{d.name}: the zscore top chunk is keyword's top chunk for {same_keyword:.1%} of queries, "
              f"dense's for {same_dense:.1%}; the keyword index holds every query token for {every_token:.1%}\n")


def print_bm25(dumps: list[Dump], k1s: list[float], bs: list[float]) -> None:
    tried = fusions()
    print(_row("BM25", [f"{d.name} keyword / zscore nDCG@10" for d in dumps]))
    for k1 in k1s:
        for b in bs:
            redone = [with_keyword(d, BM25Params(k1, b)) for d in dumps]
            cells = [f"{replay(d, tried['keyword'])['ndcg@10']:.4f} / "
                     f"{replay(d, tried['zscore, candidates 500'])['ndcg@10']:.4f}" for d in redone]
            print(_row(f"k1={k1}, b={b}", cells), flush=True)


_QUESTION_WORDS = frozenset(
    "什么 哪 哪个 哪些 哪里 哪儿 谁 多少 几 怎么 怎样 怎么样 如何 为什么 为何 是否 何 何时 什么样 吗 呢 啥 "
    "哪一年 哪年 多久 多长 多大 什么时候".split()
)


def _tokenizers() -> dict[str, Callable[[str], list[str]]]:
    """Keyword tokenisations tried (the segmenter is index.tokenize's own, with its Party-term dictionary)."""
    from index.tokenize import _segmenter, default_stopwords

    def words(cut: Callable[[str], object]) -> Callable[[str], list[str]]:
        stop = default_stopwords()
        return lambda text: [w for w in cut(text) if any(c.isalnum() for c in w) and w not in stop]

    def with_characters(text: str) -> list[str]:
        stop = default_stopwords()
        return tokenize(text) + [c for c in text if "\u4e00" <= c <= "\u9fff" and c not in stop]

    return {
        "jieba + every inner dictionary word (current)": tokenize,
        "jieba cut only": words(lambda text: _segmenter().cut(text, HMM=True)),
        "jieba cut_for_search": words(lambda text: _segmenter().cut_for_search(text, HMM=True)),
        "current + single characters": with_characters,
        "current, no stopwords": lambda text: tokenize(text, stopwords=frozenset()),
    }


def print_tokens(dumps: list[Dump]) -> None:
    tried = fusions()
    print(_row("keyword tokens", [f"{d.name} keyword / zscore nDCG@10" for d in dumps]))
    variants = [(name, [with_keyword(d, BM25Params(), tok) for d in dumps]) for name, tok in _tokenizers().items()]
    dropped = []
    for d in dumps:  # documents tokenised as now; the query loses its question words
        index = KeywordIndex(BM25Params())
        index.add(d.chunk_ids, d.search_texts)
        index._tokenize = lambda text: [t for t in tokenize(text) if t not in _QUESTION_WORDS]
        queries = [replace(q, keyword=index.search(normalise_query(q.text), DEPTH)) for q in d.queries]
        dropped.append(replace(d, queries=queries))
    variants.append(("query without question words (什么, 哪, 谁, 多少…)", dropped))
    for name, redone in variants:
        cells = [f"{replay(d, tried['keyword'])['ndcg@10']:.4f} / "
                 f"{replay(d, tried['zscore, candidates 500'])['ndcg@10']:.4f}" for d in redone]
        print(_row(name, cells), flush=True)


def sample_searches() -> list[tuple[str, str, tuple[str, ...]]]:
    """(query, kind, expected) for every preset query: the readings each preset was written for (by
    title) and the minutes that discussed it (by file name)."""
    from kb.presets import load_presets

    return [(query, kind, expected)
            for preset in load_presets()
            for kind, expected in (("theory", preset.expected_titles), ("minutes", preset.expected_minutes))
            for query in ((preset.query, *preset.queries) if expected else ())]


def print_sample(model: str | None = None) -> None:
    """nDCG@5 of each preset query on the bundled sample corpus, against the preset's expected documents."""
    from kb.library import KnowledgeBase
    from kb.records import Filters
    from kb.sample_kb import build_sample

    configs = {
        "keyword": ("keyword", SearchConfig(document_damping=0)),
        "dense": ("dense", SearchConfig(document_damping=0)),
        "RRF equal, 100 candidates (old default)": ("hybrid", SearchConfig(fusion="rrf", candidates=100,
                                                                           document_damping=0)),
        "min-max sum": ("hybrid", SearchConfig(fusion="score", document_damping=0)),
        "zscore, best chunk": ("hybrid", SearchConfig(document_damping=0)),
    }
    for damping in DAMPINGS[1:]:
        for retriever in ("keyword", "dense", "hybrid"):
            configs[f"{retriever}, best + {damping} damped share"] = (retriever, SearchConfig(document_damping=damping))
    gains: dict[str, dict[str, list[float]]] = {name: {"theory": [], "minutes": []} for name in configs}
    with tempfile.TemporaryDirectory(prefix="kb-tune-") as tmp, \
            KnowledgeBase(Path(tmp), **({"model": model} if model else {})) as kb:
        build_sample(kb)
        default = kb.config
        searches = sample_searches()
        vectors = kb.encode_query([query for query, _, _ in searches])
        for (query, kind, expected), vector in zip(searches, vectors, strict=True):
            for name, (retriever, search) in configs.items():
                kb.config = replace(default, search=search)
                hits = kb.search(query, k=5, per_doc=True, filters=Filters(kind=kind), retriever=retriever,
                                 vector=vector)
                found = [h.title if kind == "theory" else Path(h.path).name for h in hits]
                gains[name][kind].append(ndcg_at_k(found, dict.fromkeys(expected, 1.0), 5))
    print(_row("sample, nDCG@5", ["readings", "minutes", "all"]))
    for name, by_kind in gains.items():
        every = by_kind["theory"] + by_kind["minutes"]
        print(_row(name, [f"{np.mean(by_kind['theory']):.4f} ({len(by_kind['theory'])})",
                          f"{np.mean(by_kind['minutes']):.4f} ({len(by_kind['minutes'])})",
                          f"{np.mean(every):.4f} ({len(every)})"]))



# ---- documents: best chunk or a damped share of the next ones (issue 20) ----------------------------


def documents_by(dump: Dump, fuse_one: Fusion, damping: float, scale: str = "z") -> list[list[str]]:
    """Documents ranked by kb.search.rank_documents (scale "z"), by the raw scores' damped sum ("raw"),
    or ("z>T") counting only next chunks more than T standard deviations above the candidates' mean."""
    from kb.search import rank_documents

    found = []
    for q in dump.queries:
        ranked = fuse_one(q)
        if scale == "z":
            found.append([dump.doc_of[c] for c, _ in rank_documents(ranked, dump.doc_of, damping)[:DOCS]])
            continue
        scores = np.array([score for _, score in ranked]) if ranked else np.zeros(1)
        floor = 0.0 if scale == "raw" else float(scores.mean() + float(scale[2:]) * scores.std())
        per: dict[str, float] = {}
        weight: dict[str, float] = {}
        for chunk, score in ranked:
            doc = dump.doc_of[chunk]
            if doc not in per:
                per[doc], weight[doc] = score, damping
            elif score > floor:
                per[doc] += weight[doc] * (score - floor)
                weight[doc] *= damping
        found.append(sorted(per, key=lambda d: -per[d])[:DOCS])
    return found


DAMPINGS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


def print_documents(dumps: list[Dump], default: SearchConfig) -> None:
    """nDCG@10 of keyword, dense and the default hybrid with each document scored by its chunks."""
    tried = {"keyword": only("keyword"), "dense": only("dense"), "hybrid": via_search_config(default)}
    print(_row("retriever, document score", [f"{d.name} nDCG@10" for d in dumps]))
    for name, fuse_one in tried.items():
        for scale in ("z", "raw", "z>1", "z>2"):
            for damping in DAMPINGS:
                if damping == 0 and scale != "z":
                    continue
                label = "best chunk" if damping == 0 else f"best + {damping} damped share ({scale})"
                found = [metrics(documents_by(d, fuse_one, damping, scale), [q.relevant for q in d.queries])
                         for d in dumps]
                cells = [f"{m['ndcg@10']:.4f}" for m in found]
                print(_row(f"{name}, {label}", cells), flush=True)


# ---- the keyword side against plain whole-passage BM25 (issue 20) ------------------------------------


def _plain_tokens(text: str) -> list[str]:
    """The reference's tokens: jieba's own search-mode words that hold a letter or digit."""
    import jieba

    return [w for w in jieba.lcut_for_search(text) if any(c.isalnum() for c in w)]


def _own_dictionary_tokens(text: str) -> list[str]:
    """kb's word rule (index.tokenize) over jieba's own dictionary, without kb's Party terms or stopwords."""
    import jieba

    from index.tokenize import _search_terms

    return [term for word in jieba.cut(text) if any(c.isalnum() for c in word)
            for term in _search_terms(word, jieba.dt.FREQ)]


def print_keyword(directory: Path, damping: float) -> None:
    """Plain bm25s over whole passages, then kb's keyword side one difference at a time (nDCG@10)."""
    import bm25s

    from ingest.chunker import chunk_document
    from ingest.normalize import for_search
    from ingest.pipeline import read_document
    from kb.representation import keyword_input

    beir = load_beir(directory)
    query_ids = [q for q in beir.queries if q in beir.qrels]
    qrels = {q: beir.qrels[q] for q in query_ids}
    ids = list(beir.corpus)

    def score(found: dict[str, list[str]]) -> str:
        return f"{evaluate(found, qrels)['ndcg@10']:.4f}"

    retriever = bm25s.BM25()  # k1 1.5, b 0.75, Lucene's idf
    retriever.index([_plain_tokens(f"{t} {x}") for t, x in beir.corpus.values()], show_progress=False)
    plain = {}
    for q in query_ids:
        rows, _ = retriever.retrieve([_plain_tokens(beir.queries[q])], k=min(DOCS, len(ids)), show_progress=False)
        plain[q] = [ids[i] for i in rows[0]]
    print(_row("plain bm25s (k1 1.5), jieba lcut_for_search, title + text", [score(plain)]), flush=True)
    once = {}
    for q in query_ids:  # kb counts a word the query repeats once; bm25s, like Lucene, each time
        tokens = list(dict.fromkeys(_plain_tokens(beir.queries[q])))
        rows, _ = retriever.retrieve([tokens], k=min(DOCS, len(ids)), show_progress=False)
        once[q] = [ids[i] for i in rows[0]]
    print(_row("... each query word counted once", [score(once)]), flush=True)

    def run(units: list[tuple[str, str]], tokenizer: Callable[[str], list[str]] = tokenize,
            params: BM25Params = BM25Params(), damping: float = 0.0) -> str:
        from kb.search import rank_documents

        index = KeywordIndex(params, tokenizer)
        index.add(np.arange(len(units), dtype=np.int64), [text for _, text in units])
        doc_of = dict(enumerate(doc for doc, _ in units))
        found = {}
        for q in query_ids:
            chunk_ids, scores = index.search(normalise_query(beir.queries[q]), DEPTH)
            ranked = list(zip(chunk_ids.tolist(), scores.tolist(), strict=True))
            found[q] = [doc_of[c] for c, _ in rank_documents(ranked, doc_of, damping)[:DOCS]]
        return score(found)

    whole = [(doc, for_search(f"{t} {x}")) for doc, (t, x) in beir.corpus.items()]
    print(_row("kb's BM25 code, same tokens, k1 1.5, text in search form",
               [run(whole, _plain_tokens, BM25Params(1.5))]))
    print(_row("... k1 1.2 (kb's)", [run(whole, _plain_tokens)]))
    print(_row("... kb's word rule (every dictionary word inside a word) on jieba's own dictionary",
               [run(whole, _own_dictionary_tokens)]))
    print(_row("... kb's tokenizer (+ the Party-term dictionary), stopwords kept",
               [run(whole, lambda text: tokenize(text, stopwords=()))]))
    print(_row("... kb's tokenizer (dictionary words inside words, stopwords out)", [run(whole)]), flush=True)

    def read(always_title: bool) -> dict[str, object]:
        with tempfile.TemporaryDirectory(prefix="kb-tune-") as tmp:
            if always_title:
                names = write_corpus(beir, Path(tmp))
            else:  # how kb eval wrote them before: no title line when the text opens with the title
                names = {}
                for n, (doc, (title, text)) in enumerate(beir.corpus.items()):
                    names[f"{n}.txt"] = doc
                    body = f"{title}\n\n{text}" if title and not text.startswith(title) else text
                    (Path(tmp) / f"{n}.txt").write_text(body, encoding="utf-8")
            return {doc: read_document(Path(tmp) / name) for name, doc in names.items()}

    for always_title in (False, True):
        docs = read(always_title)
        how = "title line always written" if always_title else "as kb eval wrote files before (title line dropped)"
        print(_row(f"kb's documents, {how}: whole document",
                   [run([(d, keyword_input(doc.title, (), doc.text)) for d, doc in docs.items()])]))
        chunks = [(d, keyword_input(doc.title, c.section, c.text))
                  for d, doc in docs.items() for c in chunk_document(doc, ChunkerConfig())]
        print(_row(f"kb's documents, {how}: chunks, best chunk", [run(chunks)]))
        print(_row(f"kb's documents, {how}: chunks, best + {damping} damped share", [run(chunks, damping=damping)]),
              flush=True)


# ---- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dump", help="ingest a BEIR set and keep every query's dense and keyword rankings")
    p.add_argument("dir", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--target", type=int, help="ChunkerConfig.target_chars")
    p.add_argument("--max", type=int, help="ChunkerConfig.max_chars")
    p.add_argument("--overlap", type=int, help="ChunkerConfig.overlap_chars")
    p.add_argument("--depth", type=int, default=DEPTH, help="chunks kept per retriever and query")
    p.add_argument("--model", help="the encoder (default: that of a new knowledge base)")
    for name, text in (("fusions", "every fusion tried"),
                       ("subsets", "fusions on the queries keyword search finds hard"),
                       ("summary", "keyword, dense, equal RRF and the default, nDCG@10 only")):
        p = sub.add_parser(name, help=text)
        p.add_argument("dumps", type=Path, nargs="+")
        p.add_argument("--damping", type=float, default=DAMPING[0],
                       help="SearchConfig.document_damping for the replay (0: best chunk)")
    p = sub.add_parser("sample", help="a check outside the dev sets: the presets on the bundled sample corpus")
    p.add_argument("--model", help="the encoder (default: that of a new knowledge base)")
    p = sub.add_parser("documents", help="document scores: best chunk or a damped share of the next ones")
    p.add_argument("dumps", type=Path, nargs="+")
    p = sub.add_parser("keyword", help="plain whole-passage BM25 (bm25s), then kb's keyword side step by step")
    p.add_argument("dir", type=Path)
    p.add_argument("--damping", type=float, default=0.1)
    p = sub.add_parser("tokens", help="keyword tokenisations, rebuilt from the dumped chunk texts")
    p.add_argument("dumps", type=Path, nargs="+")
    p = sub.add_parser("bm25", help="BM25 k1 and b, rebuilt from the dumped chunk texts")
    p.add_argument("dumps", type=Path, nargs="+")
    p.add_argument("--k1", type=float, nargs="+", default=[0.9, 1.2, 1.5, 2.0])
    p.add_argument("--b", type=float, nargs="+", default=[0.5, 0.75, 0.9])
    args = parser.parse_args(argv)
    if args.command == "sample":
        print_sample(args.model)
        return 0
    if args.command == "keyword":
        print_keyword(args.dir, args.damping)
        return 0
    if args.command == "dump":
        changes = {"target_chars": args.target, "max_chars": args.max, "overlap_chars": args.overlap}
        chunker = replace(ChunkerConfig(), **{k: v for k, v in changes.items() if v is not None})
        dump(args.dir, args.out, chunker, BM25Params(), args.depth, args.model)
        return 0
    dumps = [load_dump(path) for path in args.dumps]
    if getattr(args, "damping", None) is not None and args.command in ("fusions", "subsets", "summary"):
        DAMPING[0] = args.damping
    if args.command == "fusions":
        print_fusions(dumps)
    elif args.command == "subsets":
        print_subsets(dumps)
    elif args.command == "summary":
        for d in dumps:
            tried = fusions()
            print(_row(d.name, [f"{name} {replay(d, tried[name])['ndcg@10']:.4f}" for name in SUMMARY]), flush=True)
    elif args.command == "documents":
        print_documents(dumps, SearchConfig())
    elif args.command == "tokens":
        print_tokens(dumps)
    else:
        print_bm25(dumps, args.k1, args.b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
