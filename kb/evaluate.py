"""`kb eval`: relevance of the normal ingest + search pipeline on a BEIR-layout retrieval set."""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from index.metrics import evaluate
from kb.config import KBConfig
from kb.errors import InvalidInput

RESULT_KEYS = ("ndcg@10", "recall@10", "mrr@10", "recall@100", "queries", "documents", "seconds")
DEPTH = 100  # documents ranked per query: enough for recall@100


@dataclass(frozen=True)
class BeirSet:
    corpus: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]


def _read_jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        raise InvalidInput(
            f"评测目录缺少 {path.name}：需要 BEIR 格式的 corpus.jsonl、queries.jsonl 和 qrels.tsv"
        ) from None
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{path} 第 {e.lineno} 行不是有效的 JSON") from None


def load_beir(directory: Path) -> BeirSet:
    """Read corpus.jsonl (id/title/text), queries.jsonl (id/text) and qrels.tsv (query, doc, score)."""
    directory = Path(directory)
    rows = _read_jsonl(directory / "corpus.jsonl")
    corpus = {str(r["id"]): (r.get("title") or "", r.get("text") or "") for r in rows}
    queries = {str(r["id"]): r["text"] for r in _read_jsonl(directory / "queries.jsonl")}
    qrels: dict[str, dict[str, float]] = {}
    qrels_path = directory / "qrels.tsv"
    if not qrels_path.exists():
        raise InvalidInput(f"评测目录 {directory} 缺少 qrels.tsv")
    for line in qrels_path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) < 3 or parts[0] in ("query-id", "query_id"):
            continue
        qrels.setdefault(parts[0], {})[parts[1]] = float(parts[2])
    return BeirSet(corpus, queries, qrels)


def _file_name(doc_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", doc_id)[:120] + ".txt"


def write_corpus(beir: BeirSet, folder: Path) -> dict[str, str]:
    """One text file per corpus entry (its title, if any, on the first line); returns file name -> corpus id."""
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for number, (doc_id, (title, text)) in enumerate(beir.corpus.items()):
        name = _file_name(doc_id)
        if name in names:  # two ids that sanitise alike
            name = f"{number}-{name}"
        names[name] = doc_id
        # The title always gets its own first line, as in a real reading, so kb takes it for the title
        # (and gives every chunk its context) even when the text opens with the same words: most
        # cmrc2018 passages do ("锣鼓经是…" under the title 锣鼓经), and without the line kb fell back to
        # the file name as the title (docs/relevance.md, "Where the keyword points went").
        body = f"{title}\n\n{text}" if title else text
        (folder / name).write_text(body, encoding="utf-8")
    return names


def run_eval(
    directory: Path,
    *,
    retriever: str = "hybrid",
    fusion: str | None = None,
    max_queries: int | None = None,
    data_dir: Path | None = None,
    cache_path: Path | None = None,
    model: str | None = None,
    open_kb: Callable | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Ingest the corpus into a knowledge base (throw-away unless data_dir), run every judged query
    through the default search, rank documents by their best chunk, and score the ranking.

    `fusion` replaces the default SearchConfig.fusion (e.g. "rrf" for equal-weight reciprocal rank
    fusion), everything else staying default. Vectors are cached in `cache_path` (default: the
    per-user embedding cache), so a second run on the same set encodes nothing but the queries;
    `model` is the encoder (default: that of a new knowledge base).
    """
    from kb.library import KnowledgeBase, default_cache_path

    config = KBConfig()
    if fusion is not None:
        config = replace(config, search=replace(config.search, fusion=fusion))

    started = time.perf_counter()
    beir = load_beir(directory)
    query_ids = [q for q in beir.queries if q in beir.qrels][: max_queries or None]
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        corpus_dir = Path(tmp) / "corpus"
        names = write_corpus(beir, corpus_dir)
        kb = (open_kb or KnowledgeBase)(
            data_dir or Path(tmp) / "data", config=config, embedding_cache=cache_path or default_cache_path(),
            **({"model": model} if model else {}),
        )
        try:
            progress(f"导入 {len(names)} 篇文档…")
            report = kb.ingest([corpus_dir])
            if report.skipped:
                progress(f"{len(report.skipped)} 篇未能导入：{report.skipped[0].reason}")
            corpus_of = {d.id: names.get(Path(d.path).name) for d in kb.documents()}
            progress(f"检索 {len(query_ids)} 个问题…")
            texts = [beir.queries[q] for q in query_ids]
            vectors = kb.encode_query(texts, cached=True) if retriever != "keyword" and texts else [None] * len(texts)
            run = {}
            for query_id, text, vector in zip(query_ids, texts, vectors, strict=True):
                hits = kb.search(text, k=DEPTH, per_doc=True, retriever=retriever, vector=vector)
                run[query_id] = [name for h in hits if (name := corpus_of.get(h.doc_id))]
            documents = kb.count_documents()
        finally:
            kb.close()
    scores = evaluate(run, {q: beir.qrels[q] for q in query_ids})
    return {
        "ndcg@10": round(scores["ndcg@10"], 4),
        "recall@10": round(scores["recall@10"], 4),
        "mrr@10": round(scores["mrr@10"], 4),
        "recall@100": round(scores["recall@100"], 4),
        "queries": len(query_ids),
        "documents": documents,
        "seconds": round(time.perf_counter() - started, 1),
    }
