"""Year plans on the sample corpus: proposals, monthly themes, drafted reading lists, export."""

from __future__ import annotations

import io
import json

import docx
import pytest
from conftest import FakeEncoder

from kb.errors import InvalidInput, NotFound
from kb.export import render_plan
from kb.library import KnowledgeBase
from kb.presets import load_presets
from kb.sample_kb import SAMPLE_CORPUS, build_sample

FACTS = json.loads((SAMPLE_CORPUS.parent / "minutes_facts.json").read_text(encoding="utf-8"))["minutes"]
PRESET_NAMES = {p.name for p in load_presets()}


@pytest.fixture(scope="module")
def kb(module_store_locations):
    with KnowledgeBase(module_store_locations.new("plans"), encoder=FakeEncoder()) as kb:
        build_sample(kb)
        yield kb


def test_proposals_before_any_session_are_the_preset_themes_in_order(kb):
    proposals = kb.plans.propose_themes(2023, distinct=False)
    themes = [p.name for p in load_presets() if p.group == "themes"]
    assert [p.theme for p in proposals] == themes[:12]
    assert all(p.last_covered is None and not p.covered_by for p in proposals)


def test_proposals_put_the_least_recently_studied_first(kb):
    proposals = kb.plans.propose_themes(2026, distinct=False)
    assert len(proposals) == 12 and len({p.theme for p in proposals}) == 12
    assert {p.theme for p in proposals} <= PRESET_NAMES
    # Every preset topic was studied by some sample session; the stalest come first.
    dates = [p.last_covered for p in proposals]
    assert None not in dates and dates == sorted(dates)
    assert all(label[:10] < "2026" for p in proposals for label in p.covered_by)
    # Only sessions before the plan's year count: for 2025 nothing from 2025 is "past".
    for p in kb.plans.propose_themes(2025):
        assert p.last_covered is None or p.last_covered < "2025"
    # The five topics studied most recently are the ones left out of the twelve.
    everything = kb.plans.propose_themes(2026, count=len(load_presets()), distinct=False)
    assert everything[:12] == proposals
    assert max(dates) <= min(p.last_covered for p in everything[12:])


def test_distinct_proposals_do_not_hand_out_the_same_readings(kb):
    proposals = kb.plans.propose_themes(2026)
    assert len({p.theme for p in proposals}) == 12
    picks = [{h.doc_id for h in kb.lists.picks(p.theme, 5, kb.lists.reading_filters())} for p in proposals]
    head = next((i for i, docs in enumerate(picks)
                 if docs and any(len(docs & other) * 2 >= len(docs) for other in picks[:i])), len(picks))
    # Themes after the first repeat are the left-overs, kept only because too few distinct ones remain.
    for i, docs in enumerate(picks[head:], start=head):
        assert any(len(docs & other) * 2 >= len(docs) for other in picks[:head]) or not docs, proposals[i].theme


def test_a_generated_plan_has_twelve_months_each_with_readings(kb):
    proposals = kb.plans.propose_themes(2026)
    plan = kb.plans.create(2026, "深入学习贯彻党的创新理论", unit="中共清河县委理论学习中心组",
                             themes=[p.theme for p in proposals], formats=kb.plans.proposed_formats())
    assert plan.display_title == "2026年度理论学习中心组学习计划"
    assert [m.month for m in plan.months] == list(range(1, 13))
    assert [m.theme for m in plan.months] == [p.theme for p in proposals]
    assert {m.format for m in plan.months} == {"集中学习", "专题研讨", "现场教学"}
    assert all(m.list_name is None for m in plan.months)

    plan = kb.plans.draft(2026, k=3)
    uses: dict[str, int] = {}
    for m in plan.months:
        # The fake encoder's matches are arbitrary: a month may find no reading left that matches well.
        assert m.list_name == f"2026年{m.month}月 {m.theme}" and 0 <= m.readings <= 3
        lst = kb.lists.get(m.list_name)
        assert lst.topic == m.theme and {item.kind for item in lst.items} <= {"theory"}
        for item in lst.items:
            uses[item.doc_id] = uses.get(item.doc_id, 0) + 1
    assert sum(m.readings > 0 for m in plan.months) >= 6 and max(uses.values()) <= 3
    # Drafting again keeps what is there.
    before = {m.list_name: [i.id for i in kb.lists.get(m.list_name).items] for m in plan.months}
    kb.plans.draft(2026)
    assert {m.list_name: [i.id for i in kb.lists.get(m.list_name).items] for m in plan.months} == before

    model = kb.plans.to_export(kb.plans.get(2026))
    assert len(model.months) == 12 and [bool(m.readings) for m in model.months] == [m.readings > 0 for m in plan.months]
    assert model.unit == "中共清河县委理论学习中心组" and model.main_line == "深入学习贯彻党的创新理论"
    # Each month notes the earlier sessions that studied its theme, with their dates.
    assert all(month.coverage for month in model.months)
    assert all(line[:4] in ("2024", "2025") and "主持" in line for month in model.months for line in month.coverage)

    document = docx.Document(io.BytesIO(render_plan(model, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年度理论学习中心组学习计划" in text and "深入学习贯彻党的创新理论" in text
    table = document.tables[0]
    assert len(table.rows) == 13
    for row, month in zip(table.rows[1:], plan.months, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0] == f"{month.month}月" and cells[1] == month.theme and cells[2] == month.format
        items = kb.lists.get(month.list_name).items
        # The year's table names each reading by its title without the subtitle.
        assert (f"《{items[0].title.split('——')[0]}》" if items else "（待定）") in cells[3]
    markdown = render_plan(model, "md").decode("utf-8")
    assert all(f"### {m.month}月　{m.theme}" in markdown for m in plan.months)


def test_editing_a_month_and_redrafting(kb):
    kb.plans.create(2030, "主线", themes=["党风廉政建设"])
    plan = kb.plans.get(2030)
    assert plan.month(1).theme == "党风廉政建设" and plan.month(2).theme == ""
    assert kb.plans.draft_month(2030, 2) is None  # no theme yet
    drafted = kb.plans.draft_month(2030, 1, k=2)
    assert drafted.name == "2030年1月 党风廉政建设"

    plan = kb.plans.set_month(2030, 1, theme="基层治理与群众工作", format="现场教学", note="赴枫桥式派出所")
    month = plan.month(1)
    assert (month.theme, month.format, month.note) == ("基层治理与群众工作", "现场教学", "赴枫桥式派出所")
    assert month.list_name == "2030年1月 党风廉政建设" and month.stale_list
    redrafted = kb.plans.draft_month(2030, 1, k=2, replace=True)
    assert redrafted.name == "2030年1月 基层治理与群众工作" and redrafted.topic == "基层治理与群众工作"
    assert "2030年1月 党风廉政建设" not in kb.lists.names()  # the superseded draft is gone
    assert not kb.plans.get(2030).month(1).stale_list

    # A list the organiser made and linked is unlinked, not deleted, by a redraft.
    kb.lists.create("我的廉政清单", topic="廉政")
    assert kb.plans.set_month(2030, 3, theme="作风建设", list_name="我的廉政清单").month(3).list_name == "我的廉政清单"
    assert kb.plans.draft_month(2030, 3).name == "我的廉政清单"  # kept without replace
    assert kb.plans.draft_month(2030, 3, replace=True).name == "2030年3月 作风建设"
    assert "我的廉政清单" in kb.lists.names()

    # Deleting a month's list leaves the month without one.
    kb.lists.delete("2030年3月 作风建设")
    assert kb.plans.get(2030).month(3).list_name is None
    kb.plans.set_month(2030, 1, list_name="")
    assert kb.plans.get(2030).month(1).list_name is None
    assert "2030年1月 基层治理与群众工作" in kb.lists.names()
    kb.plans.set_month(2030, 1, note="")
    assert kb.plans.get(2030).month(1).note is None

    model = kb.plans.to_export(kb.plans.get(2030), with_coverage=False)
    assert model.months[1].theme == "（待定）" and model.months[1].readings == ()
    assert all(month.coverage == () for month in model.months)


def test_plan_header_listing_and_delete(kb):
    kb.plans.create(2031)
    plan = kb.plans.update(2031, main_line="全年主线", title="清河县委中心组2031年学习安排", unit="县委")
    assert (plan.main_line, plan.display_title, plan.unit) == ("全年主线", "清河县委中心组2031年学习安排", "县委")
    assert 2031 in kb.plans.years() and any(p.year == 2031 for p in kb.plans.all())
    assert plan.to_dict()["months"][0] == {"month": 1, "theme": "", "format": "集中学习", "note": None,
                                           "list": None, "readings": 0, "stale_list": False}
    kb.plans.set_month(2031, 5, theme="生态文明")
    name = kb.plans.draft_month(2031, 5).name
    kb.plans.delete(2031)
    assert 2031 not in kb.plans.years() and name in kb.lists.names()
    kb.plans.create(2031, themes=["生态文明"])
    kb.plans.draft_month(2031, 1)
    kb.plans.delete(2031, delete_lists=True)
    assert "2031年1月 生态文明" not in kb.lists.names()


def test_plan_mistakes_are_reported_in_chinese(kb):
    kb.plans.create(2032)
    with pytest.raises(InvalidInput, match="已存在"):
        kb.plans.create(2032)
    with pytest.raises(NotFound, match="还没有 2099 年的学习计划"):
        kb.plans.get(2099)
    with pytest.raises(InvalidInput, match="月份"):
        kb.plans.set_month(2032, 13, theme="x")
    with pytest.raises(InvalidInput, match="年份"):
        kb.plans.create(26)
    with pytest.raises(InvalidInput, match="学习形式"):
        kb.plans.set_month(2032, 1, format=" ")
    with pytest.raises(NotFound, match="学习清单"):
        kb.plans.set_month(2032, 1, list_name="没有这个清单")
    with pytest.raises(InvalidInput, match="12"):
        kb.plans.create(2033, themes=["x"] * 13)
