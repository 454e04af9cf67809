"""专题检索 page (AppTest): presets search, filters narrow, snippets are escaped, hits go to a list."""

from __future__ import annotations

from ui_fixtures import empty_kb_fixture, html_bodies, no_errors, page_app, page_text, ui_kb_fixture  # noqa: F401 - fixtures

from kb.ui import search_page


def searched(preset_id: str = "dangfeng_lianzheng"):
    at = page_app("search_page")
    at.run()
    at.pills(key=search_page.THEME).set_value(preset_id).run()
    return at


def result_titles(at) -> list[str]:
    """Titles of the result cards, in rank order."""
    titles = []
    for body in html_bodies(at):
        if body.startswith("<div><b>") and "《" in body:
            titles.append(body.split("《", 1)[1].split("》", 1)[0])
    return titles


def test_preset_fills_the_query_and_returns_grouped_hits(ui_kb):
    at = searched("dangfeng_lianzheng")
    no_errors(at)
    assert at.text_input(key=search_page.QUERY).value.startswith("党风廉政建设")
    titles = result_titles(at)
    assert titles and titles[0] == "党风廉政建设学习辅导"
    assert len(titles) == len(set(titles))  # grouped: one card per document
    assert any(s.value.startswith(f"找到 {len(titles)} 篇相关文档") for s in at.subheader)
    assert any("<mark>" in body for body in html_bodies(at))


def test_choosing_a_problem_field_clears_the_theme(ui_kb):
    at = searched("dangfeng_lianzheng")
    at.pills(key=search_page.PROBLEM).set_value("qunzhong_wenti").run()
    no_errors(at)
    assert at.pills(key=search_page.THEME).value is None
    assert at.text_input(key=search_page.QUERY).value.startswith("群众反映强烈的突出问题")
    assert result_titles(at)[0] == "群众工作与基层治理"


def test_typing_a_new_query_unmarks_the_preset(ui_kb):
    at = searched("dangfeng_lianzheng")
    at.pills(key=search_page.EXAMPLE).set_value("以案为鉴的警示教育和典型案例").run()
    assert at.pills(key=search_page.THEME).value == "dangfeng_lianzheng"  # a wording of the same preset
    at.text_input(key=search_page.QUERY).set_value("基层治理 网格化").run()
    no_errors(at)
    assert at.pills(key=search_page.THEME).value is None
    assert result_titles(at)[0] == "群众工作与基层治理"


def test_kind_filter_keeps_only_minutes(ui_kb):
    at = searched("dangfeng_lianzheng")
    before = result_titles(at)
    at.segmented_control(key=search_page.KIND).set_value("minutes").run()
    no_errors(at)
    after = result_titles(at)
    assert after == ["中共清河县委理论学习中心组2024年第2次集体学习会议纪要"]
    assert len(after) < len(before)


def test_date_range_filter_drops_documents_outside_it(ui_kb):
    at = searched("zuofeng_jianshe")
    assert "关于作风建设的学习体会" in result_titles(at)  # dated 2023-05-10
    slider = at.select_slider(key=search_page.MONTHS)
    assert slider.options[0] == "2023-05" and slider.options[-1] == "2024-04"
    slider.set_range("2024-01", "2024-04").run()
    no_errors(at)
    titles = result_titles(at)
    assert titles and "关于作风建设的学习体会" not in titles
    slider = at.select_slider(key=search_page.MONTHS).set_range("2023-05", "2023-06").run()
    assert result_titles(at) == ["关于作风建设的学习体会"]


def test_tag_filter_and_an_unknown_combination_shows_advice(ui_kb):
    ui_kb.ingest([ui_kb.document("群众工作与基层治理").path], tags=["基层"])
    at = searched("jiceng_zhili")
    at.multiselect(key=search_page.TAGS).set_value(["基层"]).run()
    no_errors(at)
    assert result_titles(at) == ["群众工作与基层治理"]
    at.segmented_control(key=search_page.KIND).set_value("minutes").run()
    assert not result_titles(at)
    assert any("没有找到相关内容" in w.value for w in at.warning)


def test_passage_mode_lists_passages_with_citation(ui_kb):
    at = searched("dangfeng_lianzheng")
    at.segmented_control(key=search_page.MODE).set_value(search_page.BY_PASSAGE).run()
    no_errors(at)
    header = next(s.value for s in at.subheader if s.value.startswith("找到"))
    assert "个相关段落" in header
    assert any('class="kb-meta">理论文章 · 日期不详' in body for body in html_bodies(at))


def test_snippets_and_context_are_html_escaped(ui_kb):
    at = page_app("search_page")
    at.run()
    at.text_input(key=search_page.QUERY).set_value("作风建设 纪律").run()
    no_errors(at)
    bodies = html_bodies(at)
    assert not any("<script>" in body for body in bodies)
    assert any("&lt;script&gt;" in body for body in bodies)
    assert any("kb-passage" in body for body in bodies)  # the context view around the hit


def test_empty_and_nonsense_queries_get_advice_not_errors(ui_kb):
    at = page_app("search_page")
    at.run()
    no_errors(at)
    assert any("请在上方选择" in i.value for i in at.info)
    at.text_input(key=search_page.QUERY).set_value("？？！！……").run()
    no_errors(at)
    assert any("没有文字" in w.value for w in at.warning)
    at.text_input(key=search_page.QUERY).set_value("qwzxv").run()
    no_errors(at)
    assert any("仅供参考" in i.value for i in at.info)


def test_query_from_the_address_bar(ui_kb):
    at = page_app("search_page")
    at.query_params["preset"] = "qunzhong_wenti"
    at.run()
    no_errors(at)
    assert at.pills(key=search_page.PROBLEM).value == "qunzhong_wenti"
    assert result_titles(at)[0] == "群众工作与基层治理"


def test_add_passage_and_document_to_a_new_list(ui_kb):
    at = searched("dangfeng_lianzheng")
    assert not ui_kb.lists.names()
    next(b for b in at.button if b.label == "＋ 片段加入清单").click().run()
    no_errors(at)
    name = "党风廉政建设 学习清单"
    assert ui_kb.lists.names() == [name]
    items = ui_kb.lists.get(name).items
    assert len(items) == 1 and items[0].is_passage and items[0].title == "党风廉政建设学习辅导"
    assert at.selectbox(key="target_list_widget").value == name
    assert any(b.label == "已在清单" and b.disabled for b in at.button)
    next(b for b in at.button if b.label == "＋ 整篇加入清单").click().run()
    assert [i.is_passage for i in ui_kb.lists.get(name).items] == [True, False]


def test_draft_a_list_from_the_results(ui_kb):
    at = searched("dangfeng_lianzheng")
    at.button(key="draft_from_search").click().run()
    no_errors(at)
    (name,) = ui_kb.lists.names()
    items = ui_kb.lists.get(name).items
    assert items and items[0].title == "党风廉政建设学习辅导"
    assert "已起草" in page_text(at) or at.toast


def test_empty_knowledge_base_offers_the_sample(empty_kb):
    at = page_app("search_page")
    at.run()
    no_errors(at)
    assert any("资料库还是空的" in i.value for i in at.info)
    at.button(key="import_sample").click().run(timeout=120)
    no_errors(at)
    assert empty_kb.count_documents() >= 20
    assert at.pills(key=search_page.PROBLEM)  # the search page proper is shown now
