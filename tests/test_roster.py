"""The study record on the sample: roster matching (names, aliases, ignored and unmatched names),
sign-in sheets with the organiser's record winning over the minutes, make-up study, study outputs,
the plan held against the sessions, and the 2025 assessment against a table stated by hand."""

from __future__ import annotations

import pytest
from conftest import FakeEncoder

from kb.errors import InvalidInput, NotFound
from kb.library import KnowledgeBase
from kb.records import ABSENT, DONE, LEAVE, MOVED, NOT_DONE, PENDING, PRESENT
from kb.sample_kb import build_sample

# The sample's 2025 (kb/sample/archive/archive.json over the minutes), worked out by hand from the
# minutes' 参加人员 and 发言 lines and the organiser's records:
# name: (due, attended, leave, absent, made up, lead speeches, 心得体会, 研讨发言材料, 调研报告, outcomes)
EXPECTED_2025 = {
    "张建华": (6, 6, 0, 0, 0, 5, 0, 0, 0, 0),  # spoke at all 6; the organiser says 02-20 was no lead speech
    "李明": (6, 6, 0, 0, 0, 4, 0, 0, 1, 1),
    "王芳": (6, 6, 0, 0, 0, 3, 0, 1, 0, 0),
    "刘强": (6, 5, 1, 0, 1, 1, 1, 0, 0, 0),
    "陈静": (6, 5, 1, 0, 1, 2, 1, 0, 0, 0),
    "赵国栋": (6, 6, 0, 0, 0, 2, 1, 0, 0, 0),
    "孙丽": (6, 5, 1, 0, 1, 1, 1, 0, 0, 0),
    "吴海涛": (6, 5, 0, 1, 0, 1, 0, 0, 0, 0),
    "郑红梅": (6, 6, 0, 0, 0, 2, 1, 0, 0, 0),
    "黄志远": (6, 5, 1, 0, 1, 1, 1, 0, 0, 0),
    "马文斌": (6, 5, 1, 0, 0, 3, 0, 0, 0, 0),
}
SHORT_2025 = {
    "张建华": ["全年心得体会、调研报告 0 篇，少于 1 篇"],
    "王芳": ["全年心得体会、调研报告 0 篇，少于 1 篇"],
    "吴海涛": ["2025-06-10 践行绿水青山就是金山银山理念 加强清河流域生态保护：缺席，未补学",
               "全年心得体会、调研报告 0 篇，少于 1 篇"],
    "马文斌": ["2025-10-28 一体推进不敢腐不能腐不想腐 深化群众身边不正之风和腐败问题集中整治：请假，未补学",
               "全年心得体会、调研报告 0 篇，少于 1 篇"],
}


@pytest.fixture(scope="module")
def sample(module_store_locations):
    with KnowledgeBase(module_store_locations.new("sample"), encoder=FakeEncoder()) as kb:
        build_sample(kb)
        yield kb


@pytest.fixture
def fresh(module_store_locations):
    """A sample knowledge base of one's own, to change."""
    with KnowledgeBase(module_store_locations.new("fresh"), encoder=FakeEncoder()) as kb:
        build_sample(kb)
        yield kb


def counts(m):
    return (m.due, m.attended, m.leave, m.absent, m.made_up, m.lead, m.reflections, m.speeches, m.reports, m.outcomes)


def test_the_2025_assessment_equals_the_table_stated_by_hand(sample):
    group = sample.assessment.group(2025)
    assert [m.name for m in group.members] == list(EXPECTED_2025)  # rank order
    assert {m.name: counts(m) for m in group.members} == EXPECTED_2025
    assert {m.name: list(m.shortfalls) for m in group.members if m.shortfalls} == SHORT_2025
    assert group.members[3].rate == pytest.approx(5 / 6)
    assert group.attendance == pytest.approx(60 / 66)
    assert group.per_month == (0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1)
    assert len(group.outputs) == 8 and group.unplanned == ()


def test_the_plan_held_against_the_sessions(sample):
    months, unplanned = sample.assessment.completion(2025)
    found = {m.month: (m.status, m.session.date if m.session else None) for m in months}
    assert found == {2: (DONE, "2025-02-20"), 4: (DONE, "2025-04-15"), 6: (DONE, "2025-06-10"),
                     7: (MOVED, "2025-08-19"), 9: (NOT_DONE, None), 10: (DONE, "2025-10-28"),
                     12: (DONE, "2025-12-16")}
    assert unplanned == [] and not any(m.corrected for m in months)
    assert sample.assessment.group(2025).completion == pytest.approx(6 / 7)


def test_the_organiser_corrects_plan_completion(fresh):
    assessment = fresh.assessment
    moved = assessment.set_held(2025, 9, "2025-10-28-minutes.docx")  # say October's session answered September
    assert (moved.status, moved.corrected, moved.session.date) == (MOVED, True, "2025-10-28")
    months = {m.month: m for m in assessment.completion(2025)[0]}
    assert months[10].status == NOT_DONE  # one session answers one month
    assert assessment.set_held(2025, 2, None).status == NOT_DONE  # "not held", whatever the themes say
    assert assessment.set_held(2025, 2, None, reset=True).status == DONE
    with pytest.raises(InvalidInput, match="不是 2025 年"):
        assessment.set_held(2025, 3, "2024-03-19-minutes.txt")


def test_months_still_to_come_are_pending(fresh):
    from kb.assessment import match_months
    sessions = fresh.archive.sessions(year=2025)
    themes = {2: sessions[0].theme, 11: "还没到的主题"}
    months, unplanned = match_months(2025, themes, sessions, {}, fresh.assessment.closeness, "2025-06-01T09:00")
    assert [m.status for m in months] == [DONE, PENDING]
    assert len(unplanned) == len(sessions) - 1


def test_thresholds_are_settings_and_say_who_falls_short(fresh):
    rules = fresh.assessment.set_rules(min_attendance=0.9, min_outputs=0, makeup_required=False)
    assert (rules.min_attendance, rules.min_outputs, rules.makeup_required) == (0.9, 0, False)
    group = fresh.assessment.group(2025)
    short = {m.name: list(m.shortfalls) for m in group.members if m.shortfalls}
    assert set(short) == {"刘强", "陈静", "孙丽", "吴海涛", "黄志远", "马文斌"}
    assert short["吴海涛"] == ["出勤率 83%（5/6），低于 90%"]
    assert fresh.assessment.rules() == rules  # kept
    with pytest.raises(InvalidInput, match="出勤率下限"):
        fresh.assessment.set_rules(min_attendance=80)


def test_names_in_minutes_resolve_by_name_alias_or_not_at_all(fresh):
    roster = fresh.roster
    assert [m.name for m in roster.members(2025)][:3] == ["张建华", "李明", "王芳"]
    assert roster.member("张书记").name == "张建华" and roster.member("李县长").name == "李明"
    # The minutes of 2025-02-20 name the host "张书记" and a guest nobody mapped yet.
    fresh.archive.edit_session("2025-02-20-minutes.txt", host="张书记",
                               attendees="张书记、李明、王芳、刘强、陈静、赵国栋、孙丽、吴海涛、郑红梅、黄志远、马文斌、张科长")
    uses = {u.name: u for u in roster.names(2025)}
    assert (uses["张书记"].member, uses["张书记"].how) == ("张建华", "alias")
    assert (uses["张科长"].how, uses["张科长"].suggestions) == ("unmatched", ("张建华",))
    assert roster.names(2025)[0].name == "张科长"  # unmatched first
    sheet = roster.sheet("2025-02-20-minutes.txt")
    assert sheet.unmatched == ("张科长",)
    assert {r.member: r.status for r in sheet.rows}["张建华"] == PRESENT  # through the alias
    roster.map_name("张科长", None)  # the organiser ignores the guest
    assert roster.sheet("2025-02-20-minutes.txt").unmatched == ()
    assert {u.name: u.how for u in roster.names(2025)}["张科长"] == "ignored"
    with pytest.raises(InvalidInput, match="成员的姓名"):
        roster.map_name("李明", "张建华")
    with pytest.raises(NotFound, match="名册中没有"):
        roster.member("张科长")


def test_the_organisers_record_wins_over_the_minutes(fresh):
    roster = fresh.roster
    row = {r.member: r for r in roster.sheet("2025-06-10-minutes.txt").rows}
    assert (row["陈静"].status, row["陈静"].reason, row["陈静"].recorded) == (LEAVE, "带队外出办理案件", True)
    assert (row["吴海涛"].status, row["吴海涛"].makeup) == (ABSENT, None)
    assert row["陈静"].makeup.reflection[1] == "践行绿水青山就是金山银山理念的补学心得"
    # The minutes list 李明 as present; the organiser knows he left for an emergency.
    signed = roster.sign("2025-06-10-minutes.txt", "李明", status="请假", reason="处置突发事件")
    assert (signed.status, signed.lead, signed.recorded) == (LEAVE, False, True)
    assert roster.sign("2025-06-10-minutes.txt", "李明", reset=True).status == PRESENT
    with pytest.raises(InvalidInput, match="只有请假"):
        roster.sign("2025-06-10-minutes.txt", "王芳", reason="事由")
    with pytest.raises(InvalidInput, match="签到状态"):
        roster.sign("2025-06-10-minutes.txt", "王芳", status="迟到")


def test_makeup_study_needs_a_missed_session_and_a_later_date(fresh):
    roster = fresh.roster
    with pytest.raises(InvalidInput, match="无需补学"):
        roster.record_makeup("2025-06-10-minutes.txt", "李明", date="2025-06-20")
    with pytest.raises(InvalidInput, match="早于"):
        roster.record_makeup("2025-06-10-minutes.txt", "吴海涛", date="2025-06-01")
    with pytest.raises(InvalidInput, match="不是学习成果"):
        roster.record_makeup("2025-06-10-minutes.txt", "吴海涛", date="2025-06-20",
                             reflection="10-shengtai-wenming.txt")
    made = roster.record_makeup("2025-06-10-minutes.txt", "吴海涛", date="2025-06-20",
                                studied=["10-shengtai-wenming.txt"], note="自学")
    assert [t for _, t in made.studied] == ["守护一河清水——河湖长制与流域生态保护的清河探索"]
    short = {m.name: m.shortfalls for m in fresh.assessment.group(2025).members}
    assert short["吴海涛"] == ("2025-06-10 践行绿水青山就是金山银山理念 加强清河流域生态保护：补学未提交心得体会",
                              "全年心得体会、调研报告 0 篇，少于 1 篇")
    roster.remove_makeup("2025-06-10-minutes.txt", "吴海涛")
    assert roster.makeups(2025, "吴海涛") == []


def test_members_join_and_leave(fresh):
    roster = fresh.roster
    roster.add_member("钱进", post="县委常委、副县长", joined="2025-07-01")
    assert [s.session.date for s in roster.sheets(2025) if any(r.member == "钱进" for r in s.rows)] == [
        "2025-08-19", "2025-10-28", "2025-12-16"]
    mine = {m.name: m for m in fresh.assessment.group(2025).members}["钱进"]
    assert (mine.due, mine.attended, mine.absent) == (3, 0, 3)  # the minutes never name him
    assert "钱进" not in [m.name for m in roster.members(2024)]
    roster.update_member("马文斌", left="2025-06-30")
    assert {m.name: m.due for m in fresh.assessment.group(2025).members}["马文斌"] == 3
    with pytest.raises(InvalidInput, match="早于任职日期"):
        roster.update_member("钱进", left="2025-01-01")
    with pytest.raises(InvalidInput, match="不能删除"):
        roster.remove_member("吴海涛")  # has records: leaves instead
    roster.remove_member("钱进")
    roster.update_member("王芳", position=1)
    assert [m.name for m in roster.members()][:2] == ["王芳", "张建华"]
    with pytest.raises(InvalidInput, match="已有"):
        roster.add_member("李明")


def test_study_outputs_are_a_third_kind_attributed_and_searchable(fresh):
    outputs = fresh.outputs.all(2025)
    assert {(o.member, o.type) for o in outputs} >= {("李明", "调研报告"), ("王芳", "研讨发言材料")}
    report = next(o for o in outputs if o.type == "调研报告")
    assert (report.month, report.session_label) == (4, None)
    assert report.outcome == "县政府出台《清河县支持农产品加工业发展的若干措施》"
    assert fresh.count_documents("output") == 8 and fresh.outputs.unattributed() == []
    hits = fresh.search("农产品冷链集配中心", k=3)
    assert hits[0].kind == "output" and hits[0].title == "关于清河县特色农产品加工业发展情况的调研报告"
    fresh.outputs.set_outcome(report.doc_id, "")
    assert {m.name: m.outcomes for m in fresh.assessment.group(2025).members}["李明"] == 0
    with pytest.raises(InvalidInput, match="会议纪要"):
        fresh.outputs.attribute("2025-04-15-minutes.txt", type="心得体会", member="孙丽")
    with pytest.raises(InvalidInput, match="学习成果类型"):
        fresh.outputs.attribute(report.doc_id, type="读书笔记", member="李明")
    fresh.outputs.forget(report.doc_id)
    assert [d.title for d in fresh.outputs.unattributed()] == [report.title]


def test_a_member_sees_their_own_record_only(fresh):
    from kb.access import Actor
    from kb.errors import PermissionDenied
    me = fresh.acting_as(Actor("孙丽", "member"))
    assessment, rows, outputs = me.assessment.member("孙丽", 2025)
    assert (assessment.attended, assessment.leave, assessment.made_up) == (5, 1, 1) and assessment.passed
    assert [r.status for _, r in rows].count(LEAVE) == 1 and len(outputs) == 1
    with pytest.raises(PermissionDenied, match="查看考核结果"):
        me.assessment.member("李明", 2025)
    with pytest.raises(PermissionDenied):
        me.assessment.group(2025)
    organiser = fresh.acting_as(Actor("周敏", "organiser"))
    assert organiser.assessment.member("李明", 2025)[0].reports == 1


def test_a_member_reads_every_sign_in_but_only_their_own_leave_reason(fresh):
    from kb.access import Actor
    fresh.roster.sign("2025-06-10-minutes.txt", "孙丽", status="请假", reason="参加省委党校培训")
    def reasons(actor: Actor) -> dict[str, str | None]:
        rows = fresh.acting_as(actor).roster.sheet("2025-06-10-minutes.txt").rows
        return {r.member: r.reason for r in rows if r.status == LEAVE}
    organiser = reasons(Actor("周敏", "organiser"))
    assert organiser["陈静"] == "带队外出办理案件" and organiser["孙丽"] == "参加省委党校培训"
    member = reasons(Actor("孙丽", "member"))
    assert member.keys() == organiser.keys()  # who was on leave stays visible
    assert member["孙丽"] == "参加省委党校培训" and member["陈静"] is None


def test_sample_archive_is_filed_once(fresh):
    before = fresh.store.roster.signins()
    build_sample(fresh)  # a rerun: the roster is there, nothing is filed again
    assert fresh.store.roster.signins() == before and len(fresh.roster.members()) == 11


def test_short_preset_themes_are_matched_by_what_the_minutes_studied(sample):
    """A plan drafted from presets names short themes (乡村振兴) that no session's theme line repeats:
    the archive's coverage of the minutes finds the sessions (numbers: scripts/measure_plan_matching.py)."""
    from kb.assessment import match_months
    sessions = sample.archive.sessions(year=2025)
    short = {2: "作风建设", 4: "乡村振兴", 6: "生态文明", 7: "新质生产力", 9: "意识形态工作", 10: "党风廉政建设",
             12: "保障和改善民生"}
    months, _ = match_months(2025, short, sessions, {}, sample.assessment.closeness, "2026-01")
    found = {m.month: (m.status, m.session.date if m.session else None) for m in months}
    assert found == {2: (NOT_DONE, None), 4: (DONE, "2025-04-15"), 6: (DONE, "2025-06-10"),
                     7: (MOVED, "2025-08-19"), 9: (NOT_DONE, None), 10: (DONE, "2025-10-28"),
                     12: (DONE, "2025-12-16")}
