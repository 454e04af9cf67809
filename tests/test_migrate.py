"""`kb migrate`: a whole knowledge base moves from SQLite to PostgreSQL and back, and nothing changes:
the same counts in every table and the same hits, scores included, for a sample of searches."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEncoder, StoreLocations
from kb_fixtures import GONGWEN, write_corpus, write_gongwen

from kb.cli import main
from kb.errors import InvalidInput, LoginFailed
from kb.library import GUEST, KnowledgeBase, migrate
from kb.store import open_store
from kb.store.copy import UnknownTables

QUERIES = ["八项规定", "新质生产力", "群众反映强烈的突出问题", "基层治理 网格化", "全面从严治党主体责任"]


@pytest.fixture
def pg(tmp_path):
    locations = StoreLocations("postgresql", tmp_path)
    yield locations
    locations.cleanup()


def build(folder, docs):
    """A small knowledge base with something in every record family."""
    with KnowledgeBase(folder, encoder=FakeEncoder()) as kb:
        kb.ingest([docs, write_gongwen(Path(folder).parent / "gongwen")], tags=["2024年"])
        reposted = write_gongwen(Path(folder).parent / "reposted", "转载.txt", "来源：县委网站\n" + GONGWEN)
        assert kb.ingest([reposted]).near_duplicates  # a near-duplicate linked to its twin
        kb.sync.add(reposted.parent, every=600)  # a synced folder whose file is then gone
        kb.sync.run(reposted.parent)
        reposted.unlink()
        assert kb.sync.run(reposted.parent).gone
        kb.lists.draft("廉政清单", "党风廉政建设", k=3)
        kb.lists.create("空清单", topic="发展")
        kb.plans.create(2025, "全面从严治党", themes=["党风廉政建设", "高质量发展"])
        kb.plans.set_month(2025, 1, list_name="廉政清单")
        minutes = next(d for d in kb.documents() if d.kind == "minutes")
        kb.archive.edit_session(minutes.id, host="李明", attendees=["张建华", "李明"])
        kb.accounts.add("王芳", "admin", "admin-pass-1")
        guest = kb.acting_as(GUEST)
        guest.accounts.login("王芳", "admin-pass-1")  # a session
        with pytest.raises(LoginFailed):
            guest.accounts.login("无此人", "wrong-pass-1")  # a counted failure
        kb.roots.add(docs)
        kb.roster.add_member("李明", post="县长")
        kb.roster.map_name("李县长", "李明")
        kb.roster.sign(minutes.id, "李明", status="请假", reason="出差")
        output = next(d for d in kb.documents() if d.kind == "theory")
        kb.outputs.attribute(output.id, type="心得体会", member="李明", year=2025)
        kb.roster.record_makeup(minutes.id, "李明", date="2099-01-02", reflection=output.id)
        kb.assessment.set_held(2025, 1, None)


def snapshot(location) -> dict:
    """Everything a person could see of a knowledge base, and the rows of every table."""
    with KnowledgeBase(location, encoder=FakeEncoder()) as kb:
        rows = {table: kb.store.backend.fetch_value(f"SELECT count(*) FROM {table}") for table in kb.store.tables()}
        del rows["meta"]  # holds each database's own format version and instance id besides what is copied
        return {
            "rows": rows,
            "audit": [(e.actor, e.action, e.target, e.outcome) for e in kb.store.audit.query()],
            "generation": kb.generation(),
            "documents": [(d.id, d.title, d.tags, d.chunk_count, d.added_at, d.gongwen, d.marks,
                           [(v.document.id, v.similarity) for v in kb.versions(d.id)]) for d in kb.documents()],
            "searches": [[(h.chunk_id, h.doc_id, round(h.score, 5)) for h in kb.search(q, k=5)] for q in QUERIES],
            "lists": [(r.name, [(i.position, i.doc_id, i.title) for i in r.items]) for r in kb.lists.all()],
            "plans": [(p.year, p.main_line, [(m.theme, m.list_name) for m in p.months]) for p in kb.plans.all()],
            "sessions": [(s.doc_id, s.host, s.attendees) for s in kb.archive.sessions()],
            "assessment": kb.assessment.group(2025).to_dict(),
            "sheets": [s.to_dict() for s in kb.roster.sheets()],
            "synced": kb.sync.folders(),
            "settings": (kb.store.meta.model(), kb.store.meta.settings()),
        }


def same_but_the_copy(after: dict, before: dict, copies: int) -> bool:
    """Equal, but for the audit rows each copy itself adds to its target's log (newest first)."""
    made = after["audit"][:copies]
    assert [(who, what, outcome) for who, what, _, outcome in made] == [("本机管理员", "database.copy", "ok")] * copies
    assert after["audit"][copies:] == before["audit"]
    assert after["rows"].pop("audit_log") == before["rows"]["audit_log"] + copies
    return {**after, "audit": None, "rows": after["rows"]} == {
        **before, "audit": None, "rows": {k: v for k, v in before["rows"].items() if k != "audit_log"}}


def test_sqlite_to_postgresql_and_back_changes_nothing(pg, tmp_path, fake_model, capsys):
    corpus = write_corpus(tmp_path / "docs")
    build(tmp_path / "county", corpus["lianzheng"].parent)
    before = snapshot(tmp_path / "county")
    assert all(before["rows"].values()) and all(before["searches"])  # every table has rows to copy

    province = pg.new("province")
    assert main(["migrate", str(tmp_path / "county"), province]) == 0
    assert "迁移完成" in capsys.readouterr().out
    assert same_but_the_copy(snapshot(province), before, copies=1)

    assert main(["migrate", province, str(tmp_path / "back"), "--json"]) == 0
    assert same_but_the_copy(snapshot(tmp_path / "back"), before, copies=2)
    with KnowledgeBase(province, encoder=FakeEncoder()) as kb:  # the copy goes on living: new ids follow the old
        kb.lists.create("迁移后新建")
        more = tmp_path / "more"
        more.mkdir()
        (more / "新文档.txt").write_text("新的一篇文档：学习贯彻党的二十届三中全会精神。", encoding="utf-8")
        assert len(kb.ingest([more]).added) == 1 and kb.count_documents() == 7
        assert kb.lists.names()[0] == "迁移后新建"


def test_a_table_no_record_family_owns_stops_the_copy_before_it_starts(pg, tmp_path, fake_model):
    build(tmp_path / "county", write_corpus(tmp_path / "docs")["lianzheng"].parent)
    store = open_store(tmp_path / "county")
    store.backend.execute("CREATE TABLE roster_extra(id INTEGER PRIMARY KEY, name TEXT)")
    store.close()
    province = pg.new("province")
    with pytest.raises(UnknownTables, match="roster_extra"):
        migrate(tmp_path / "county", province)
    with KnowledgeBase(province, encoder=FakeEncoder()) as kb:
        assert kb.count_documents() == 0 and kb.lists.names() == []


def test_only_into_an_empty_knowledge_base(pg, tmp_path, fake_model):
    corpus = write_corpus(tmp_path / "docs")
    build(tmp_path / "county", corpus["lianzheng"].parent)
    province = pg.new("province")
    with KnowledgeBase(province, encoder=FakeEncoder()) as kb:
        kb.lists.create("已有的清单")
    with pytest.raises(InvalidInput, match="不是空的"):
        migrate(tmp_path / "county", province)
    with pytest.raises(InvalidInput, match="同一个"):
        migrate(province, province)
