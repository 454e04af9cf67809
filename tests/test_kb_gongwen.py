"""公文 metadata in the knowledge base: stored at import, shown in hits and listings, filtered and faceted
by issuer, 文种 and year, and cited with its number in exports (on every store backend)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from kb_fixtures import write_corpus, write_gongwen

from kb import cli
from kb.library import KnowledgeBase
from kb.records import Filters

# A joint 通知 of two issuers, from another year: a filter by either issuer finds it.
JOINT = """中共某某县委办公室
某某县人民政府办公室
县委办〔2023〕15号
中共某某县委办公室 某某县人民政府办公室关于做好2023年度基层理论宣讲工作的通知
各乡镇党委、政府，县直各单位：
为推动党的创新理论深入人心，经县委、县政府同意，现就做好2023年度基层理论宣讲工作通知如下。
一、宣讲内容
围绕党的二十大精神，组织宣讲团深入农村、社区、企业、学校开展对象化、分众化、互动化宣讲。
二、工作要求
各单位要精心组织，创新方式方法，确保宣讲工作取得实效。
中共某某县委办公室　　某某县人民政府办公室
2023年6月2日
"""


@pytest.fixture
def kb(kb_location, fake_encoder, tmp_path):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        folder = tmp_path / "docs"
        write_corpus(folder)
        write_gongwen(folder)
        write_gongwen(folder, "宣讲通知.txt", JOINT)
        report = kb.ingest([folder])
        assert len(report.added) == 6 and not report.skipped
        yield kb


def test_the_parts_are_stored_and_read_back(kb):
    doc = kb.document("县委党纪学习教育意见.txt")
    g = doc.gongwen
    assert g is not None
    assert (g.issuers, g.number, g.kind, g.date) == (("中共某某县委",), "某委发〔2024〕3号", "意见", "2024-04-08")
    assert g.recipients == ("各乡镇党委", "县直各单位党组（党委）")
    assert doc.title == g.title == "中共某某县委关于深入开展党纪学习教育的意见"
    assert doc.handling_marks == ("内部资料", "注意保存") and doc.classification is None
    assert doc.marks == ("内部资料", "注意保存")
    assert doc.citation("第3页") == "《中共某某县委关于深入开展党纪学习教育的意见》（某委发〔2024〕3号）第3页"
    joint = kb.document("宣讲通知.txt").gongwen
    assert joint is not None and joint.issuers == ("中共某某县委办公室", "某某县人民政府办公室")
    assert kb.document("高质量发展.txt").gongwen is None  # an article is not a 公文


def test_filters_by_issuer_genre_and_year(kb):
    def titles(**filters) -> list[str]:
        return sorted(d.file_name for d in kb.documents(Filters(**filters)))

    assert titles(issuer="中共某某县委") == ["县委党纪学习教育意见.txt"]
    assert titles(issuer="某某县人民政府办公室") == ["宣讲通知.txt"]  # the second of two joint issuers
    assert titles(genre="通知") == ["宣讲通知.txt"]
    assert titles(genre="意见", year=2024) == ["县委党纪学习教育意见.txt"]
    assert titles(genre="意见", year=2023) == []
    assert "宣讲通知.txt" in titles(year=2023)
    hits = kb.search("理论宣讲 党纪学习", k=10, filters=Filters(issuer="中共某某县委办公室"))
    assert hits and {h.doc_id for h in hits} == {kb.document("宣讲通知.txt").id}


def test_facets_count_the_documents_each_value_keeps(kb):
    facets = kb.facets()
    assert dict(facets.issuers) == {"中共某某县委": 1, "中共某某县委办公室": 1, "某某县人民政府办公室": 1}
    assert dict(facets.genres) == {"意见": 1, "通知": 1}
    years = dict(facets.years)
    assert years[2024] >= 1 and years[2023] >= 1 and list(years) == sorted(years, reverse=True)
    narrowed = kb.facets(Filters(year=2023))
    assert dict(narrowed.genres) == {"通知": 1}


def test_hits_carry_the_parts_the_marks_and_the_citation(kb):
    (hit,) = [h for h in kb.search("党纪学习教育", k=10, per_doc=True) if h.gongwen and h.gongwen.kind == "意见"]
    assert hit.gongwen.number == "某委发〔2024〕3号" and hit.marks == ("内部资料", "注意保存")
    assert hit.citation == "《中共某某县委关于深入开展党纪学习教育的意见》（某委发〔2024〕3号）"
    data = hit.to_dict()
    assert data["gongwen"]["issuers"] == ["中共某某县委"] and data["marks"] == ["内部资料", "注意保存"]


def test_a_reading_list_export_cites_the_number(kb):
    doc = kb.document("县委党纪学习教育意见.txt")
    kb.lists.create("党纪学习")
    kb.lists.add_passage("党纪学习", kb.chunks(doc.id)[0].id)
    kb.lists.add_document("党纪学习", kb.document("高质量发展.txt").id)
    md = kb.lists.export("党纪学习", "md").decode()
    # the title heads the item, the number leads its source line (the organiser exports' layout, issue 19)
    assert "## 1. 中共某某县委关于深入开展党纪学习教育的意见\n\n来源：某委发〔2024〕3号，2024年4月8日" in md
    assert "## 2. 推动经济高质量发展的几点思考\n\n（通读全文）" in md  # no number, no date: no source line
    rows = list(csv.DictReader(io.StringIO(kb.lists.export("党纪学习", "csv").decode("utf-8-sig"))))
    assert [row["发文字号"] for row in rows] == ["某委发〔2024〕3号", ""]


def test_cli_filters_shows_and_facets(tmp_path, fake_model, capsys):
    folder = tmp_path / "docs"
    write_gongwen(folder)
    write_gongwen(folder, "宣讲通知.txt", JOINT)
    data = ["--data", str(tmp_path / "kb")]
    assert cli.main([*data, "ingest", str(folder)]) == 0
    capsys.readouterr()
    assert cli.main([*data, "list", "--genre", "通知", "--facets"]) == 0
    out = capsys.readouterr().out
    assert "宣讲工作的通知（县委办〔2023〕15号）" in out and "党纪学习教育" not in out.split("发文机关")[0]
    assert "文种：通知(1)" in out
    assert cli.main([*data, "show", "县委党纪学习教育意见.txt"]) == 0
    out = capsys.readouterr().out
    assert "标记 【内部资料】【注意保存】" in out
    assert "公文 发文机关 中共某某县委 · 某委发〔2024〕3号 · 文种 意见 · 成文日期 2024-04-08" in out
    assert "引用 《中共某某县委关于深入开展党纪学习教育的意见》（某委发〔2024〕3号）" in out
    assert cli.main([*data, "search", "党纪学习教育", "--issuer", "中共某某县委", "--year", "2024", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["gongwen"]["number"] for h in hits} == {"某委发〔2024〕3号"}
    with pytest.raises(SystemExit):
        cli.main([*data, "search", "党纪学习教育", "--year", "24"])
    assert "四位数字" in capsys.readouterr().err

