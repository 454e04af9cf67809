"""The archive and plan commands end to end on the sample corpus (fake encoder in place of the model)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from conftest import FakeEncoder
from kb_fixtures import run_cli, sample_cli_data

from kb import embedding
from kb.sample_kb import SAMPLE_CORPUS

FACTS = json.loads((SAMPLE_CORPUS.parent / "minutes_facts.json").read_text(encoding="utf-8"))["minutes"]


@pytest.fixture(scope="module", autouse=True)
def fake_model():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedding, "load_encoder", lambda name: FakeEncoder())
        yield


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return sample_cli_data(tmp_path_factory.mktemp("cli"))


run = run_cli


def test_sessions_and_attendance(capsys, data):
    code, out, _ = run(capsys, data, "sessions", "--year", 2025, "--json")
    found = json.loads(out)
    expected = [f for f in FACTS if f["date"].startswith("2025")]
    assert code == 0 and [s["date"] for s in found] == [f["date"] for f in expected]
    assert [s["speakers"] for s in found] == [f["speakers"] for f in expected]

    code, out, _ = run(capsys, data, "sessions", "--theme", "意识形态")
    assert code == 0 and "2024-10-22" in out and "主持：王芳" in out and len(out.strip().splitlines()) == 2

    code, out, _ = run(capsys, data, "attendance", "--year", 2024, "--json")
    result = json.loads(out)
    assert result["sessions"] == 7
    members = {m["name"]: m for m in result["members"]}
    assert members["王芳"]["hosted"] == 1 and members["王芳"]["attended"] == 7
    assert members["吴海涛"]["missed"] == ["2024-03-19 推进全面从严治党 深化党风廉政建设和反腐败斗争"]
    code, out, _ = run(capsys, data, "attendance", "--year", 2024)
    assert code == 0 and "2024 年共 7 次集体学习" in out and "张建华" in out and "86%" in out


def test_session_edit_and_show(capsys, data):
    doc = json.loads(run(capsys, data, "sessions", "--year", 2024, "--json")[1])[0]["doc_id"]
    code, out, _ = run(capsys, data, "session-edit", doc[:8], "--host", "李明", "--attendees", "张建华、李明")
    assert code == 0 and "已保存更正" in out and "主持：李明" in out and "参加 2 人" in out
    code, out, _ = run(capsys, data, "session-show", doc[:8])
    assert "主持 李明" in out and "已更正 主持人、参加人员" in out
    code, out, _ = run(capsys, data, "session-edit", doc[:8], "--reset", "host", "--reset", "attendees")
    assert code == 0 and "主持：张建华" in out and "参加 10 人" in out
    code, _, err = run(capsys, data, "session-edit", doc[:8], "--date", "去年")
    assert code == 1 and err.startswith("错误：日期")
    code, _, err = run(capsys, data, "session-show", "01-chuangxin-lilun.docx")
    assert code == 1 and "不是会议纪要" in err


def test_coverage(capsys, data):
    code, out, _ = run(capsys, data, "coverage", "落实意识形态工作责任制 网络舆情", "--json")
    found = json.loads(out)
    assert code == 0 and found[0]["date"] == "2024-10-22" and found[0]["covered"]
    code, out, _ = run(capsys, data, "coverage", "落实意识形态工作责任制 网络舆情", "-k", 2)
    lines = out.splitlines()
    assert lines[0].startswith(" 1. 2024-10-22") and "已学过" in lines[0]
    code, out, _ = run(capsys, data, "coverage", "意识形态", "--before", "2024-06")
    assert code == 0 and "2024-10-22" not in out


def test_plan_commands(capsys, data, tmp_path):
    code, out, _ = run(capsys, data, "plans")
    assert out.startswith("2025  2025年度理论学习中心组学习计划") and "已定主题 7/12" in out  # the sample's plan
    code, out, _ = run(capsys, data, "plan-new", 2026, "--main-line", "深入学习贯彻党的创新理论",
                       "--themes-from-presets")
    assert code == 0 and "已创建 2026 年学习计划" in out and "上次学习 2024-" in out
    assert sum(line.strip().startswith(f"{m}月") for line in out.splitlines() for m in range(1, 13)) >= 12
    code, _, err = run(capsys, data, "plan-new", 2026)
    assert code == 1 and "已存在" in err

    code, out, _ = run(capsys, data, "plan-set", 2026, 3, "--theme", "党风廉政建设", "--format", "专题研讨",
                       "--note", "结合警示教育")
    assert code == 0 and " 3月  党风廉政建设  ·  专题研讨" in out and "备注：结合警示教育" in out
    code, _, err = run(capsys, data, "plan-set", 2026, "--theme", "x")
    assert code == 1 and "月份" in err
    code, out, _ = run(capsys, data, "plan-set", 2026, "--main-line", "新的主线")
    assert "全年学习主线：新的主线" in out

    code, out, _ = run(capsys, data, "plan-draft", 2026, "-k", 2)
    assert code == 0 and out.count("项") >= 12 and "未起草清单" not in out
    code, out, _ = run(capsys, data, "plan-show", 2026, "--json", "--readings", "--coverage")
    plan = json.loads(out)
    assert len(plan["months"]) == 12
    assert all(len(m["reading_items"]) <= 2 and m["list"] for m in plan["months"])  # by relevance, at most k
    assert any(m["reading_items"] for m in plan["months"])
    assert plan["months"][2]["list"] == "2026年3月 党风廉政建设"
    assert "2024-03-19" in " ".join(plan["months"][2]["coverage"])
    code, out, _ = run(capsys, data, "plan-show", 2026, "--readings", "--coverage")
    assert "往期：2024-03-19" in out

    target = tmp_path / "计划.docx"
    code, out, _ = run(capsys, data, "plan-export", 2026, "-f", "docx", "-o", target)
    assert code == 0 and target.exists()
    document = docx.Document(str(target))
    assert document.tables[0].rows[3].cells[1].text == "党风廉政建设"
    markdown = tmp_path / "计划.md"
    code, _, _ = run(capsys, data, "plan-export", 2026, "-f", "md", "-o", markdown, "--no-coverage")
    text = Path(markdown).read_text(encoding="utf-8")
    assert code == 0 and "新的主线" in text and "往期学习" not in text
    code, _, err = run(capsys, data, "plan-export", 2026, "-f", "csv", "-o", tmp_path / "x.csv")
    assert code == 1 and "不支持" in err

    code, out, _ = run(capsys, data, "plans")
    assert out.startswith("2026") and "已定主题 12/12" in out
    code, out, _ = run(capsys, data, "plan-delete", 2026)
    assert code == 0 and "学习清单仍保留" in out
    code, _, err = run(capsys, data, "plan-show", 2026)
    assert code == 1 and "还没有 2026 年的学习计划" in err
