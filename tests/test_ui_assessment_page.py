"""The 考核评价 page and the 学习档案 page's study-record tabs under Streamlit's AppTest, on the sample
with the fake encoder: what the organiser sees and changes, and what a member sees of their own."""

from __future__ import annotations

from pathlib import Path

from conftest import FakeEncoder
from streamlit.testing.v1 import AppTest
from ui_fixtures import (  # noqa: F401 - fixtures
    TESTS,
    no_errors,
    page_over,
    page_text,
    sample_data_fixture,
    sample_dir_fixture,
    widget,
)

from kb.library import KnowledgeBase


def table_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_assessment_page_shows_the_year(sample_data):
    at = page_over(sample_data, "assessment_page")
    no_errors(at)
    assert at.title[0].value == "考核评价" and at.selectbox(key="assessment_year").value == 2025
    members = table_with(at, "出勤率")
    assert list(members["姓名"])[:3] == ["张建华", "李明", "王芳"] and list(members["结果"]).count("未达标") == 4
    plan = table_with(at, "完成情况")
    assert list(plan["完成情况"]) == ["按期开展", "按期开展", "按期开展", "调整时间开展", "未开展", "按期开展",
                                     "按期开展"]
    text = page_text(at)
    assert "吴海涛" in text and "缺席，未补学" in text and "计划完成率 86%" in text
    assert len(at.get("download_button")) == 6


def test_the_organiser_changes_the_rules_and_a_months_session(sample_data):
    at = page_over(sample_data, "assessment_page")
    widget(at.number_input, "出勤率下限（%）").set_value(90)
    widget(at.button, "保存").click().run()
    no_errors(at)
    assert list(table_with(at, "出勤率")["结果"]).count("未达标") == 8  # five more below 90%, one already short
    at.selectbox(key="assessment_year").set_value(2025)
    form = at.get("form")
    assert form
    [month] = [s for s in at.selectbox if s.label == "月份"]
    month.set_value(9)
    widget(at.selectbox, "完成该月主题的学习").set_value("（未开展）")
    [save] = [b for b in at.button if b.label == "保存" and "completion_form" in str(b.form_id)]
    save.click().run()
    no_errors(at)
    assert list(table_with(at, "完成情况")["核定"]) == ["", "", "", "", "是", "", ""]
    with KnowledgeBase(sample_data, encoder=FakeEncoder()) as kb:
        assert kb.assessment.rules().min_attendance == 0.9


def test_signin_and_roster_tabs(sample_data):
    with KnowledgeBase(sample_data, encoder=FakeEncoder()) as kb:
        kb.archive.edit_session("2025-12-16-minutes.txt", host="张科长")
    at = page_over(sample_data, "archive_page")
    no_errors(at)
    assert "纪要中有 1 个名字未对应名册：张科长" in page_text(at)
    widget(at.selectbox, "是哪位成员").set_value("（忽略这个名字）")
    [save] = [b for b in at.button if b.label == "保存" and "roster_alias" in str(b.form_id)]
    save.click().run()
    no_errors(at)
    assert "未对应名册" not in page_text(at)
    sheet = table_with(at, "签到")
    assert len(sheet) == 11 and "登记" in set(sheet["来源"])
    at.selectbox(key="signin_session").set_value(next(iter(at.selectbox(key="signin_session").options)))
    [member] = [s for s in at.selectbox if s.label == "成员" and "signin_form" in str(s.form_id)]
    member.set_value("王芳")
    [status] = [s for s in at.selectbox if s.label == "签到"]
    status.set_value("请假")
    widget(at.text_input, "请假事由（请假时填写）").set_value("参加省委全会")
    [record] = [b for b in at.button if b.label == "登记" and "signin_form" in str(b.form_id)]
    record.click().run()
    no_errors(at)
    with KnowledgeBase(sample_data, encoder=FakeEncoder()) as kb:
        rows = {r.member: r for r in kb.roster.sheets(2025)[-1].rows}
        assert (rows["王芳"].status, rows["王芳"].reason) == ("leave", "参加省委全会")


def _as_member(data_dir: str, tests_dir: str) -> None:
    import sys

    sys.path.insert(0, tests_dir)
    from conftest import FakeEncoder

    from kb.library import Actor, KnowledgeBase
    from kb.ui import archive_page

    kb = KnowledgeBase(data_dir, encoder=FakeEncoder())
    archive_page.render(kb.acting_as(Actor("孙丽", "member")))


def test_a_member_sees_their_own_record_and_no_controls(sample_data):
    at = AppTest.from_function(_as_member, args=(str(sample_data), str(TESTS)), default_timeout=60).run()
    no_errors(at)
    assert [t.label for t in at.tabs][-1] == "我的学习记录"
    assert {m.label: m.value for m in at.metric}["请假 / 缺席"] == "1 / 0"
    assert any("已达标" in s.value for s in at.success)
    mine = table_with(at, "学习活动")
    assert list(mine["签到"]).count("请假") == 1 and len(mine) == 6
    assert not [b for b in at.button if b.label in ("登记", "保存")]  # a member changes nothing here


def test_the_page_is_in_the_organisers_navigation_only():
    from kb.access import Actor
    from kb.ui import app as ui_app

    class View:
        def __init__(self, role: str):
            self.actor = Actor("某人", role)

        def can(self, action: str) -> bool:
            from kb.access import allowed
            return allowed(self.actor.role, action)

    def titles(role: str) -> list[str]:
        return [t for group in ui_app.page_specs(View(role)).values() for _, t, _ in group]

    assert "考核评价" not in titles("member") and "考核评价" in titles("organiser")
    assert Path(TESTS).is_dir()
