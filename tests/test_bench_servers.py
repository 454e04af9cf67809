"""`kb bench --servers` end to end at a tiny size: a SQLite process and two PostgreSQL processes under
simulated users, the shared reading lists checked afterwards, and change propagation timed."""

from __future__ import annotations

import os

import pytest
from conftest import POSTGRES_URL, REPO, postgres_unavailable

from bench.servers import ServersOptions, run_servers
from bench.servers_report import servers_markdown, servers_text


@pytest.fixture
def importable_bench(monkeypatch):
    """The app processes import bench and kb from this checkout."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def test_servers_benchmark_runs_every_layout_and_loses_no_list_edit(importable_bench):
    if reason := postgres_unavailable():
        pytest.skip(reason)
    options = ServersOptions(sizes=(1000,), model="hash-64", postgres=POSTGRES_URL, users=3, seconds=3, changes=3,
                             use_shared=False, quick=True, layouts=("sqlite-1", "postgresql-2"),
                             follow_modes=(("notices", None), ("poll", 0.5)))
    result = run_servers(options)
    entry = result["sizes"][0]
    assert entry["build"]["chunks"] == 1000 and entry["migrate"]["rows"]["chunks"] == 1000
    for layout in entry["layouts"]:
        assert layout["requests"] > 0 and layout["search"]["n"] > 0, layout
        assert layout["errors"] == 0 and layout["lists_consistent"], layout
    assert [row["processes"] for row in entry["layouts"]] == [1, 2]
    assert [row["mode"] for row in entry["propagation"]] == ["notices", "poll 0.5s"]
    assert all(row["caught_up"] == row["commits"] == 3 for row in entry["propagation"])
    text, markdown = servers_text(result), servers_markdown(result)
    assert "postgresql-2" in text and "notices" in text and "kb bench --servers" in text
    assert markdown.count("| sqlite-1 |") == 1
