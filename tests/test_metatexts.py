"""Texts that list the preset problem fields are noted at import (or by kb reindex) and lowered in
hybrid search, so a reading about one field outranks an article that names them all."""

from __future__ import annotations

from dataclasses import replace

from conftest import FakeEncoder

from kb import metatexts
from kb.library import KnowledgeBase
from kb.metatexts import METADATA_KEY, PENALTY, down_weight

LISTING = ("如何发现问题\n\n要聚焦思想领域中的焦点、改革发展稳定的难点、经济社会中的热点、党建工作中的重点、"
           "群众反映强烈的突出问题，经济社会中的热点尤其要关注就业、医疗、养老。")
READING = "民生热点问题学习辅导\n\n经济社会中的热点集中在就业、医疗、养老，要办好民生实事。"


def test_the_penalty_reorders_only_listing_documents():
    ranked = [(1, 5.0), (2, 4.0), (3, 3.5)]
    doc_of = {1: "listing", 2: "reading", 3: "other"}
    assert down_weight(ranked, doc_of, {"listing"}) == [(2, 4.0), (3, 3.5), (1, 5.0 - PENALTY)]
    assert down_weight(ranked, doc_of, set()) == ranked


def test_a_listing_text_is_noted_at_import_and_lowered_in_hybrid_search(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "如何发现问题.txt").write_text(LISTING, encoding="utf-8")
    (docs / "民生热点.txt").write_text(READING, encoding="utf-8")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([docs])
        listing = kb.document("如何发现问题.txt")
        assert listing.metadata[METADATA_KEY] == "5"
        assert kb.document("民生热点.txt").metadata[METADATA_KEY] == "1"  # names one: it is about it
        def scores() -> dict[str, float]:
            return {h.title: h.score for h in kb.search("经济社会中的热点", k=2, per_doc=True)}

        lowered = scores()
        monkeypatch.setattr(metatexts, "PENALTY", 0.0)
        plain = scores()
        assert lowered["如何发现问题"] == plain["如何发现问题"] - PENALTY
        assert lowered["民生热点问题学习辅导"] == plain["民生热点问题学习辅导"]
        monkeypatch.setattr(metatexts, "PENALTY", 100.0)
        assert [h.title for h in kb.search("经济社会中的热点", k=2, per_doc=True)][-1] == "如何发现问题"
        keyword = kb.search("经济社会中的热点", k=2, per_doc=True, retriever="keyword")  # raw BM25: not lowered
        assert min(h.score for h in keyword) > 0
        # A document imported before the note existed gets it from kb reindex.
        kb.store.documents.set_metadata(listing.id, {})
        kb.reindex()
        assert kb.document(listing.id).metadata[METADATA_KEY] == "5"


def test_minutes_naming_every_field_and_a_model_measured_not_to_need_it_are_left_alone(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "如何发现问题.txt").write_text(LISTING, encoding="utf-8")
    (docs / "民生热点.txt").write_text(READING, encoding="utf-8")
    minutes = tmp_path / "minutes"
    minutes.mkdir()
    (minutes / "第3次集体学习会议纪要.txt").write_text(
        "中心组集体学习会议纪要\n\n时间：2024年4月25日\n主持人：张建国\n\n会议逐一研讨了思想领域中的焦点、改革发展稳定的难点、"
        "党建工作中的重点和群众反映强烈的突出问题，重点交流了经济社会中的热点：乡镇卫生院人手不足，"
        "农村养老服务点运营困难，返乡青年就业渠道窄，会议明确由分管领导牵头调研。", encoding="utf-8")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([docs])
        kb.ingest([minutes], kind="minutes")
        def scores() -> dict[str, float]:
            return {h.doc_id: h.score for h in kb.search("经济社会中的热点", k=3, per_doc=True)}

        lowered = scores()
        monkeypatch.setattr(metatexts, "PENALTY", 0.0)
        plain = scores()
        monkeypatch.undo()
        record = kb.document("第3次集体学习会议纪要.txt")
        assert record.metadata[METADATA_KEY] == "5" and lowered[record.id] == plain[record.id]  # a session record
        listing = kb.document("如何发现问题.txt").id
        assert lowered[listing] == plain[listing] - PENALTY
        kb.config = replace(kb.config, search=replace(kb.config.search, listing_penalty=0.0))  # e5-small's measure
        assert scores() == plain
