"""The 学习档案 page under Streamlit's AppTest, on the sample corpus with the fake encoder."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FakeEncoder
from streamlit.testing.v1 import AppTest
from ui_fixtures import page_over, sample_data_fixture, sample_dir_fixture, shown, widget  # noqa: F401 - fixtures

from kb.library import KnowledgeBase
from kb.sample_kb import SAMPLE_CORPUS

FACTS = json.loads((SAMPLE_CORPUS.parent / "minutes_facts.json").read_text(encoding="utf-8"))["minutes"]


def app(data: Path) -> AppTest:
    return page_over(data, "archive_page")


def table_with(at: AppTest, column: str):
    """The first table on the page (in any tab) with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_sessions_are_listed_and_filtered(sample_data):
    at = app(sample_data)
    assert not at.exception and at.title[0].value == "学习档案"
    table = at.dataframe[0].value
    assert list(table["日期"]) == sorted(f["date"] for f in FACTS)
    assert list(table["主持人"]) == [f["host"] for f in sorted(FACTS, key=lambda f: f["date"])]
    at.selectbox(key="archive_year").set_value(2024).run()
    assert len(at.dataframe[0].value) == sum(f["date"].startswith("2024") for f in FACTS)
    at.text_input(key="archive_theme").set_value("廉政").run()
    assert list(at.dataframe[0].value["日期"]) == ["2024-03-19"]
    at.text_input(key="archive_theme").set_value("没有这个主题").run()
    assert any("没有符合条件" in i.value for i in at.info)


def test_a_correction_is_saved_and_shown(sample_data):
    at = app(sample_data)
    first = sorted(FACTS, key=lambda f: f["date"])[0]
    widget(at.text_input, "主持人").set_value("李明")
    widget(at.text_area, "参加人员（顿号分隔）").set_value("张建华、李明")
    widget(at.button, "保存更正").click().run()
    assert not at.exception and any("已保存更正" in s.value for s in at.success)
    with KnowledgeBase(sample_data, encoder=FakeEncoder()) as kb:
        s = kb.archive.sessions()[0]
        assert s.date == first["date"] and s.host == "李明" and s.attendees == ("张建华", "李明")
        assert set(s.edited) == {"host", "attendees"}  # untouched fields are not frozen as corrections
    at.run()
    assert at.dataframe[0].value["主持人"][0] == "李明"
    assert at.dataframe[0].value["已更正"][0] == "主持人、参加人员"
    widget(at.button, "恢复为自动识别的值").click().run()
    assert at.dataframe[0].value["主持人"][0] == first["host"]


def test_attendance_tab(sample_data):
    at = app(sample_data)
    at.selectbox(key="archive_attendance_year").set_value(2025).run()
    facts = [f for f in FACTS if f["date"].startswith("2025")]
    assert at.metric[0].value == str(len(facts))
    table = table_with(at, "参加")
    rows = dict(zip(table["姓名"], table["参加"], strict=True))
    for name, count in rows.items():
        assert count == sum(name in f["attendees"] for f in facts), name
    assert at.get("download_button")


def test_coverage_tab(sample_data):
    at = app(sample_data)
    at.text_input(key="archive_topic").set_value("落实意识形态工作责任制").run()
    assert not at.exception
    headings = [shown(m.value) for m in at.markdown if m.value.startswith("**20")]
    assert headings[0].startswith("**2024-10-22") and "已学过" in headings[0]
    # The scale is explained once; no row claims a range its own score and verdict may contradict.
    assert sum("匹配度：专题学过这个主题的一次学习通常在 5～7" in c.value for c in at.caption) == 1
    bars = [p.proto.text for p in at.get("progress")]
    assert len(bars) == len(headings) and not any("5～7" in text for text in bars)


def test_empty_knowledge_base_offers_the_sample(tmp_path):
    at = app(tmp_path / "empty")
    assert not at.exception and any("资料库还是空的" in i.value for i in at.info)
    assert widget(at.button, "导入示例资料")


def test_only_theory_documents(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "文章.txt").write_text("高质量发展\n\n县域经济要立足资源禀赋。", encoding="utf-8")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([tmp_path / "docs"], kind="theory")
    at = app(tmp_path / "data")
    assert any("还没有会议纪要" in i.value for i in at.info)
