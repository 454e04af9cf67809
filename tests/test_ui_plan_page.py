"""The 学习计划 page under Streamlit's AppTest, on the sample corpus with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEncoder
from streamlit.testing.v1 import AppTest
from ui_fixtures import page_over, sample_data_fixture, sample_dir_fixture, shown, widget  # noqa: F401 - fixtures

from kb.library import KnowledgeBase

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def planned(sample_data):
    """The sample knowledge base with a 2027 plan: three themes, the first two drafted."""
    with KnowledgeBase(sample_data, encoder=FakeEncoder()) as kb:
        kb.plans.create(2027, "全年主线", themes=["党的创新理论", "乡村振兴", "生态文明"])
        kb.plans.draft_month(2027, 1, k=2)
        kb.plans.draft_month(2027, 2, k=2)
    return sample_data


def app(data: Path) -> AppTest:
    return page_over(data, "plan_page", timeout=120)


def open_kb(data: Path) -> KnowledgeBase:
    return KnowledgeBase(data, encoder=FakeEncoder())


def test_creating_a_plan_from_presets_drafts_every_month(sample_data):
    at = app(sample_data)
    assert not at.exception and at.title[0].value == "学习计划"
    assert at.selectbox(key="plan_year_choice").value == 2025  # the sample's plan
    at.selectbox(key="plan_year_choice").set_value("＋ 新建计划").run()
    widget(at.number_input, "年份").set_value(2026)
    widget(at.text_input, "全年学习主线").set_value("深入学习贯彻党的创新理论")
    widget(at.button, "创建计划").click().run()
    assert not at.exception
    assert at.selectbox(key="plan_year_choice").value == 2026
    assert at.subheader[0].value == "2026年度理论学习中心组学习计划"
    table = at.dataframe[0].value
    # Drafted by relevance with the fake encoder: most months find readings, none pads to a count.
    assert len(table) == 12 and "未起草" not in set(table["学习清单"]) and sum(table["材料数"] >= 1) >= 6
    with open_kb(sample_data) as kb:
        plan = kb.plans.get(2026)
        proposed = [p.theme for p in kb.plans.propose_themes(2026)]
    assert plan.main_line == "深入学习贯彻党的创新理论"
    assert [m.theme for m in plan.months] == proposed
    assert list(table["学习主题"]) == [m.theme for m in plan.months]


def test_editing_months_and_redrafting(planned):
    at = app(planned)
    assert at.selectbox(key="plan_year_choice").value == 2027
    at.text_input(key="plan_theme_2027_2").set_value("基层治理与群众工作")
    at.selectbox(key="plan_format_2027_2").set_value("现场教学")
    at.text_input(key="plan_note_2027_4").set_value("待定")
    widget(at.button, "保存各月安排").click().run()
    assert not at.exception
    with open_kb(planned) as kb:
        plan = kb.plans.get(2027)
    assert (plan.month(2).theme, plan.month(2).format) == ("基层治理与群众工作", "现场教学")
    assert plan.month(4).note == "待定" and plan.month(1).theme == "党的创新理论"
    assert plan.month(2).stale_list

    at.selectbox(key="plan_month_2027").set_value(2).run()
    assert any("主题已修改" in w.value for w in at.warning)
    widget(at.button, "重新起草本月清单").click().run()
    with open_kb(planned) as kb:
        month = kb.plans.get(2027).month(2)
        assert month.list_name == "2027年2月 基层治理与群众工作" and not month.stale_list
        items = kb.lists.get(month.list_name).items
    assert any(m.value.startswith("**学习清单《2027年2月 基层治理与群众工作》") for m in at.markdown)
    widget(at.button, "移除").click().run()
    with open_kb(planned) as kb:
        assert len(kb.lists.get(month.list_name).items) == len(items) - 1


def test_month_detail_shows_readings_and_past_sessions(planned):
    at = app(planned)
    at.selectbox(key="plan_month_2027").set_value(3).run()
    assert any("本月还没有学习清单" in c.value for c in at.caption)
    assert any(shown(m.value).startswith("- 2025-06-10") for m in at.markdown)  # the 生态文明 session
    widget(at.button, "起草本月清单").click().run()
    with open_kb(planned) as kb:
        assert kb.plans.get(2027).month(3).list_name == "2027年3月 生态文明"
    at.selectbox(key="plan_month_2027").set_value(5).run()
    assert any("请先为这个月填写学习主题" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("为未起草")]  # every themed month has a list


def test_header_export_and_delete(planned):
    at = app(planned)
    widget(at.text_area, "全年学习主线").set_value("新的主线")
    widget(at.text_input, "制定单位").set_value("中共清河县委理论学习中心组")
    widget(at.button, "保存").click().run()
    assert not at.exception
    with open_kb(planned) as kb:
        plan = kb.plans.get(2027)
    assert (plan.main_line, plan.unit) == ("新的主线", "中共清河县委理论学习中心组")
    assert any("新的主线" in m.value for m in at.markdown)

    at.radio(key="plan_export_format_2027").set_value("md").run()
    widget(at.button, "生成导出文件").click().run()
    assert not at.exception
    fmt, sample_data = at.session_state["plan_export_2027"]
    text = sample_data.decode("utf-8")
    assert fmt == "md" and "新的主线" in text and "### 1月　党的创新理论" in text
    assert at.get("download_button")

    at.checkbox(key="plan_delete_sure_2027").check().run()
    widget(at.button, "删除").click().run()
    assert not at.exception
    assert at.selectbox(key="plan_year_choice").value == 2025  # the sample's plan remains
    with open_kb(planned) as kb:
        assert kb.plans.years() == [2025] and "2027年1月 党的创新理论" in kb.lists.names()


def test_a_duplicate_year_is_an_error_not_a_crash(planned):
    at = app(planned)
    at.selectbox(key="plan_year_choice").set_value("＋ 新建计划").run()
    widget(at.number_input, "年份").set_value(2027)
    widget(at.button, "创建计划").click().run()
    assert not at.exception and any("已存在" in e.value for e in at.error)


def test_empty_knowledge_base(tmp_path):
    at = app(tmp_path / "empty")
    assert not at.exception and any("资料库还是空的" in i.value for i in at.info)
