"""The session archive on the sample corpus: sessions, filters, corrections, attendance, coverage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import FakeEncoder
from kb_fixtures import MINUTES

from kb.archive import split_names, word_cover
from kb.errors import InvalidInput
from kb.library import KnowledgeBase
from kb.records import SESSION_FIELDS, WORDS_MIN, SessionEdit
from kb.sample_kb import SAMPLE_CORPUS, build_sample

FACTS = json.loads((SAMPLE_CORPUS.parent / "minutes_facts.json").read_text(encoding="utf-8"))["minutes"]


@pytest.fixture(scope="module")
def sample_kb(module_store_locations):
    with KnowledgeBase(module_store_locations.new("sample"), encoder=FakeEncoder()) as kb:
        report = build_sample(kb)
        assert not report.skipped
        yield kb


@pytest.fixture
def kb(kb_location):
    with KnowledgeBase(kb_location, encoder=FakeEncoder()) as kb:
        yield kb


def by_file(found):
    return {Path(s.path).name: s for s in found}


def test_every_sample_minutes_file_is_a_session_with_its_facts(sample_kb):
    found = sample_kb.archive.sessions()
    assert [Path(s.path).name for s in found] == [f["file"] for f in sorted(FACTS, key=lambda f: f["date"])]
    sessions = by_file(found)
    for fact in FACTS:
        s = sessions[fact["file"]]
        assert (s.date, s.host, s.theme) == (fact["date"], fact["host"], fact["theme"]), fact["file"]
        assert list(s.attendees) == fact["attendees"], fact["file"]
        assert list(s.speakers) == fact["speakers"], fact["file"]
        assert s.recorder == "周敏" and s.location and not s.edited
        assert s.year == int(fact["date"][:4])


def test_sessions_filter_by_year_and_theme(sample_kb):
    for year in (2024, 2025):
        expected = sorted(f["file"] for f in FACTS if f["date"].startswith(str(year)))
        assert sorted(by_file(sample_kb.archive.sessions(year=year))) == expected
        assert sorted(by_file(sample_kb.archive.sessions(year=str(year)))) == expected
    assert sample_kb.archive.sessions(year=2019) == []
    found = sample_kb.archive.sessions(theme="廉政")
    assert list(by_file(found)) == ["2024-03-19-minutes.txt"]
    # Theme matching ignores traditional/simplified and full-width differences, as search does.
    assert list(by_file(sample_kb.archive.sessions(theme="腐敗", year=2025))) == ["2025-10-28-minutes.docx"]
    assert sample_kb.archive.sessions(theme="  ") == sample_kb.archive.sessions()


def test_attendance_matches_the_sample_minutes(sample_kb):
    for year in (2024, 2025, None):
        facts = [f for f in FACTS if year is None or f["date"].startswith(str(year))]
        # The facts list hosts and speakers among the attendees: attending means being listed.
        assert all(f["host"] in f["attendees"] and set(f["speakers"]) <= set(f["attendees"]) for f in facts)
        attended = Counter(name for f in facts for name in f["attendees"])
        spoke = Counter(name for f in facts for name in f["speakers"])
        hosted = Counter(f["host"] for f in facts)
        result = sample_kb.archive.attendance(year)
        assert len(result.sessions) == len(facts)
        members = {m.name: m for m in result.members}
        assert set(members) == set(attended)
        for name, member in members.items():
            assert (member.attended, member.spoke, member.hosted) == (attended[name], spoke[name], hosted[name]), name
            assert member.sessions == len(facts)
            missed = sorted(f["date"] for f in facts if name not in f["attendees"])
            assert sorted(label.split(" ")[0] for label in member.missed) == missed
            assert member.rate == pytest.approx(attended[name] / len(facts))
    result = sample_kb.archive.attendance(2024)
    # Members are listed in the minutes' own (rank) order.
    assert [m.name for m in result.members][:3] == ["张建华", "李明", "王芳"]
    assert result.to_dict()["members"][0]["name"] == "张建华"


def test_coverage_ranks_the_session_whose_theme_it_is_first(sample_kb):
    for fact in FACTS:
        found = sample_kb.archive.coverage(fact["theme"], k=3)
        assert Path(found[0].session.path).name == fact["file"], fact["theme"]
        # First by its theme line, and first or second by its passages.
        assert found[0].covered and found[0].relevance >= 0.85
        assert found[0].theme_score > found[1].theme_score
    assert sample_kb.archive.coverage("  ") == []


def test_coverage_respects_before_and_reports_passages(sample_kb):
    found = sample_kb.archive.coverage("党风廉政建设 反腐败斗争", k=13, before="2025")
    assert found and all(c.session.date < "2025" for c in found)
    assert len(found) == sum(f["date"] < "2025" for f in FACTS)
    best = found[0]
    assert best.session.date == "2024-03-19"
    assert best.chunk_id is not None and "【" in best.marked_snippet()
    assert [c.relevance for c in found] == sorted((c.relevance for c in found), reverse=True)
    data = best.to_dict()
    assert data["date"] == "2024-03-19" and data["covered"] is True
    assert sample_kb.archive.coverage("党风廉政建设", before="2024") == []


def test_a_topic_no_session_studied_is_not_reported_as_covered(sample_kb):
    found = sample_kb.archive.coverage("人工智能与数字政府建设", k=5)
    # Rankings always have a first, but its strength is not rescaled to look like a full match.
    assert len(found) == 5 and found[0].relevance < 1.0
    assert not any(c.covered for c in found) and "已学过" not in {c.verdict for c in found}
    assert all(c.word_cover < WORDS_MIN for c in found)
    assert sample_kb.archive.covered_by("人工智能与数字政府建设") == []
    assert word_cover("党风廉政建设", "深化党风廉政建设") == 1.0
    assert word_cover("的", "") == 0.0


def test_session_refuses_a_theory_document(sample_kb):
    theory = next(d for d in sample_kb.documents() if d.kind == "theory")
    with pytest.raises(InvalidInput, match="不是会议纪要"):
        sample_kb.archive.session(theory.id)


# ---- corrections ----------------------------------------------------------------------------------
def write_minutes(folder: Path, text: str = MINUTES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2024年第2次学习纪要.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_edits_override_extracted_fields_and_can_be_reset(kb, tmp_path):
    kb.ingest([write_minutes(tmp_path / "docs")])
    (s,) = kb.archive.sessions()
    assert (s.date, s.host, s.attendees) == ("2024-04-12", "张建华", ("张建华", "李明", "王芳", "刘强"))
    edited = kb.archive.edit_session(s.doc_id[:6], theme="党风廉政建设专题学习", attendees="张建华、李明，王芳 赵国栋",
                                  speakers=["李明", "张建华", "李明"], date="2024-04-13")
    assert edited.theme == "党风廉政建设专题学习" and edited.date == "2024-04-13"
    assert edited.attendees == ("张建华", "李明", "王芳", "赵国栋")
    assert edited.speakers == ("李明", "张建华")
    assert edited.host == "张建华"  # untouched fields still follow the file
    assert set(edited.edited) == {"theme", "attendees", "speakers", "date"}
    # Lists and attendance use the corrected values.
    assert kb.archive.sessions(theme="专题学习") == [edited]
    assert kb.archive.sessions(year=2024) == [edited]
    assert {m.name: m.attended for m in kb.archive.attendance(2024).members}["赵国栋"] == 1
    # A later edit keeps earlier corrections; reset returns a field to what was extracted.
    again = kb.archive.edit_session(s.doc_id, host="李明", reset=["theme"])
    assert again.host == "李明" and again.theme == "党风廉政建设和反腐败工作" and again.date == "2024-04-13"
    cleared = kb.archive.edit_session(s.doc_id, reset=SESSION_FIELDS)
    assert cleared == s
    assert kb.store.sessions.all() == {}
    # Blanking a field is a correction too.
    blank = kb.archive.edit_session(s.doc_id, location="", speakers="")
    assert blank.location is None and blank.speakers == () and set(blank.edited) == {"location", "speakers"}


def test_edit_rejects_bad_input(kb, tmp_path):
    kb.ingest([write_minutes(tmp_path / "docs")])
    (s,) = kb.archive.sessions()
    with pytest.raises(InvalidInput, match="日期"):
        kb.archive.edit_session(s.doc_id, date="4月12日")
    with pytest.raises(InvalidInput, match="无法恢复"):
        kb.archive.edit_session(s.doc_id, reset=["recorder"])
    assert kb.archive.session(s.doc_id) == s


def test_edits_survive_reingest_and_follow_a_changed_file(kb, tmp_path):
    path = write_minutes(tmp_path / "docs")
    kb.ingest([path])
    (s,) = kb.archive.sessions()
    kb.archive.edit_session(s.doc_id, host="王芳", theme="更正后的主题")
    report = kb.ingest([path])
    assert len(report.unchanged) == 1
    assert kb.archive.session(s.doc_id).host == "王芳"
    # A new version of the file has a new id: the corrections move to it.
    path.write_text(MINUTES + "\n附：本次学习共计两小时。\n", encoding="utf-8")
    report = kb.ingest([path])
    assert len(report.updated) == 1
    (new,) = kb.archive.sessions()
    assert new.doc_id != s.doc_id
    assert (new.host, new.theme, new.edited) == ("王芳", "更正后的主题", ("theme", "host"))
    assert list(kb.store.sessions.all()) == [new.doc_id]
    # Deleting the file's document and importing the same content again brings the corrections back.
    kb.delete(new.doc_id)
    assert kb.archive.sessions() == []
    kb.ingest([path])
    assert kb.archive.session(new.doc_id).host == "王芳"


def test_carry_edits_replaces_stale_edits_of_the_new_version(kb):
    store = kb.store
    with store.transaction():
        store.sessions.put(SessionEdit("old", host="甲"))
        store.sessions.put(SessionEdit("new", host="乙"))
        store.sessions.carry("old", "new")
        store.sessions.carry("absent", "new")  # nothing to carry: the new version keeps its own
    assert [(e.doc_id, e.host) for e in store.sessions.all().values()] == [("new", "甲")]


def test_split_names():
    assert split_names("张三、李四,王五；张三  赵六") == ("张三", "李四", "王五", "赵六")
    assert split_names(["甲", " ", "乙", "甲"]) == ("甲", "乙")
    assert split_names("") == ()
