"""The 资料库 and 专题检索 pages with 公文 (AppTest): the 发文机关/文种 facets, the 公文 facts and citation of
a document, first-page marks as badges, and the number beside a hit's title."""

from __future__ import annotations

from kb_fixtures import write_gongwen
from ui_fixtures import no_errors, page_app, page_text, ui_kb_fixture  # noqa: F401 - fixtures

from kb.ui import library_page as lib
from kb.ui import search_page as search


def with_gongwen(ui_kb, tmp_path):
    path = write_gongwen(tmp_path / "gongwen")
    (entry,) = ui_kb.ingest([path]).added
    return ui_kb.document(entry.doc_id)


def test_library_facets_and_document_facts(ui_kb, tmp_path):
    doc = with_gongwen(ui_kb, tmp_path)
    at = page_app("library_page")
    at.run()
    no_errors(at)
    table = at.dataframe[0].value
    assert "发文字号" in table.columns and "标记" in table.columns
    at.selectbox(key=lib.ISSUER).set_value("中共某某县委").run()
    no_errors(at)
    assert list(at.dataframe[0].value["标题"]) == [doc.title]
    at.selectbox(key=lib.ISSUER).set_value(None).run()
    at.selectbox(key=lib.GENRE).set_value("意见").run()
    assert list(at.dataframe[0].value["发文字号"]) == ["某委发〔2024〕3号"]
    at.selectbox(key=lib.OPEN).set_value(doc.id).run()
    no_errors(at)
    text = page_text(at)
    assert "**发文机关**：中共某某县委" in text and "**文种**：意见" in text
    assert "**引用格式**：《中共某某县委关于深入开展党纪学习教育的意见》（某委发〔2024〕3号）" in text
    assert ":red-badge[内部资料]" in text


def test_library_without_gongwen_has_no_official_facets(ui_kb):
    at = page_app("library_page")
    at.run()
    no_errors(at)
    assert lib.ISSUER not in [s.key for s in at.selectbox]
    assert "发文字号" not in at.dataframe[0].value.columns


def test_search_hits_show_number_issuer_and_badges(ui_kb, tmp_path):
    with_gongwen(ui_kb, tmp_path)
    at = page_app("search_page")
    at.run()
    at.text_input(key=search.QUERY).set_value("党纪学习教育").run()
    no_errors(at)
    at.selectbox(key=search.GENRE).set_value("意见").run()
    no_errors(at)
    text = page_text(at)
    assert "（某委发〔2024〕3号）" in text and "中共某某县委 · 某委发〔2024〕3号 · 意见" in text
    assert '<span class="kb-badge">内部资料</span>' in text
    assert "找到 1 篇相关文档" in text


def test_a_hostile_official_title_stays_text(ui_kb, tmp_path):
    from kb_fixtures import GONGWEN

    hostile = "中共某某县委关于[点我](http://x.example)<b>加粗</b>的意见"
    path = write_gongwen(tmp_path / "hostile", "hostile.txt",
                         GONGWEN.replace("中共某某县委关于深入开展党纪学习教育的意见", hostile))
    (entry,) = ui_kb.ingest([path]).added
    doc = ui_kb.document(entry.doc_id)
    assert doc.gongwen.title == hostile
    at = page_app("library_page")
    at.run()
    at.selectbox(key=lib.OPEN).set_value(doc.id).run()
    no_errors(at)
    facts = next(m.value for m in at.markdown if "引用格式" in m.value)
    assert "](http" not in facts and "<b>" not in facts  # escaped: shown as written, never a link or markup
    at = page_app("search_page")
    at.run()
    at.text_input(key=search.QUERY).set_value("党纪学习教育").run()
    no_errors(at)
    bodies = [b.proto.body for b in at.get("html")]
    assert any("&lt;b&gt;加粗&lt;/b&gt;" in b for b in bodies) and not any("<b>加粗</b>" in b for b in bodies)
