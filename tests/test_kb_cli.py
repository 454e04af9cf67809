"""The `kb` CLI end to end on a tiny generated corpus (with the fake encoder in place of the model)."""

from __future__ import annotations

import json
import re

import pytest
from kb_fixtures import write_corpus

from kb import cli


@pytest.fixture(autouse=True)
def model(fake_model):
    return fake_model


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_end_to_end(tmp_path, corpus, capsys):
    data = tmp_path / "data"
    bad = corpus["lianzheng"].parent / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")

    code, out, err = run(capsys, "--data", data, "ingest", corpus["lianzheng"].parent, "--tag", "试点")
    assert code == 0
    assert "新增 4" in out and "跳过 1" in out and "坏文件.pdf" in out

    code, out, _ = run(capsys, "--data", data, "ingest", corpus["lianzheng"].parent)
    assert code == 0 and "未变 4" in out and "新增 0" in out

    code, out, _ = run(capsys, "--data", data, "search", "八项规定", "-k", "3")
    assert code == 0 and "党风廉政建设学习辅导" in out.splitlines()[0] and "【八项规定】" in out

    code, out, _ = run(capsys, "--data", data, "search", "党风廉政建设", "--kind", "minutes", "--json")
    hits = json.loads(out)
    assert hits and {h["kind"] for h in hits} == {"minutes"} and hits[0]["date"] == "2024-04-12"

    code, out, _ = run(capsys, "--data", data, "search", "发展", "--per-doc", "--json", "--tag", "试点")
    hits = json.loads(out)
    assert len({h["doc_id"] for h in hits}) == len(hits) and all("试点" in h["tags"] for h in hits)

    code, out, _ = run(capsys, "--data", data, "list", "--json")
    docs = json.loads(out)
    assert len(docs) == 4
    minutes_id = next(d["id"] for d in docs if d["kind"] == "minutes")

    code, out, _ = run(capsys, "--data", data, "show", minutes_id[:6])
    assert code == 0 and "主持：张建华" in out and "李明" in out

    code, out, _ = run(capsys, "--data", data, "stats", "--json")
    assert json.loads(out)["documents"] == 4
    code, out, _ = run(capsys, "--data", data, "stats")
    (last,) = [line for line in out.splitlines() if line.startswith("上次导入")]
    assert re.match(r"上次导入  \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}：新增 \d+，", last)  # a time as people write it

    code, out, _ = run(capsys, "--data", data, "delete", minutes_id)
    assert code == 0 and "已删除" in out
    code, out, _ = run(capsys, "--data", data, "search", "党风廉政建设", "--kind", "minutes", "--json")
    assert json.loads(out) == []

    code, out, _ = run(capsys, "--data", data, "reindex")
    assert code == 0 and "3 篇文档" in out


def test_cli_exits_1_only_when_nothing_could_be_read(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    code, out, _ = run(capsys, "--data", tmp_path / "data", "ingest", bad)
    assert code == 1 and "empty.txt" in out


def test_cli_user_mistakes_are_one_line_without_traceback(tmp_path, capsys):
    code, _, err = run(capsys, "--data", tmp_path / "data", "show", "不存在的文档")
    assert code == 1 and err.startswith("错误：") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "--data", tmp_path / "data", "ingest", tmp_path / "nowhere")
    assert code == 1 and "路径不存在" in out
    with pytest.raises(SystemExit):
        cli.main(["--data", str(tmp_path / "data"), "search", "x", "--since", "昨天"])
    assert "格式不对" in capsys.readouterr().err
