"""资料库 page (AppTest): facets, sorting, the document view, the minutes timeline, deleting."""

from __future__ import annotations

from collections import Counter

from ui_fixtures import empty_kb_fixture, no_errors, page_app, page_text, ui_kb_fixture  # noqa: F401 - fixtures

from kb.ui import library_page as lib


def opened():
    at = page_app("library_page")
    at.run()
    no_errors(at)
    return at


def table_titles(at) -> list[str]:
    return list(at.dataframe[0].value["标题"])


def test_lists_every_document_with_counts(ui_kb):
    at = opened()
    assert "共 5 篇" in page_text(at)
    assert sorted(table_titles(at)) == sorted(d.title for d in ui_kb.documents())


def test_the_count_line_names_study_outputs_too(ui_kb, tmp_path):
    output = tmp_path / "学习体会.txt"
    output.write_text("学习党风廉政建设的体会\n\n学习了党风廉政建设有关文件，体会很深。\n", encoding="utf-8")
    ui_kb.ingest([output], kind="output")
    at = opened()
    counts = Counter(d.kind for d in ui_kb.documents())
    assert counts["output"] == 1
    assert (f"**共 6 篇**（理论文章 {counts['theory']} 篇，会议纪要 {counts['minutes']} 篇，学习成果 1 篇）"
            in page_text(at))
    at.segmented_control(key=lib.KIND).set_value("output").run()
    assert "**共 1 篇**（学习成果 1 篇）" in page_text(at)


def test_facets_narrow_the_table(ui_kb):
    at = opened()
    at.segmented_control(key=lib.KIND).set_value("minutes").run()
    no_errors(at)
    assert table_titles(at) == ["中共清河县委理论学习中心组2024年第2次集体学习会议纪要"]
    at.segmented_control(key=lib.KIND).set_value("all").run()
    at.multiselect(key=lib.YEARS).set_value(["2023"]).run()
    assert table_titles(at) == ["关于作风建设的学习体会"]
    at.multiselect(key=lib.YEARS).set_value([]).run()
    at.text_input(key=lib.TITLE).set_value("群众").run()
    assert table_titles(at) == ["群众工作与基层治理"]
    at.text_input(key=lib.TITLE).set_value("没有这样的标题").run()
    no_errors(at)
    assert "没有符合筛选条件的文档" in page_text(at)


def test_sorting_by_title(ui_kb):
    at = opened()
    by_date = table_titles(at)
    assert by_date[0] == "中共清河县委理论学习中心组2024年第2次集体学习会议纪要"  # newest first
    at.selectbox(key=lib.SORT).set_value("title").run()
    assert table_titles(at) == [d.title for d in ui_kb.documents(order="title")]


def test_document_view_shows_chunks_and_minutes_facts(ui_kb):
    at = opened()
    minutes = ui_kb.document("2024年第2次学习纪要.txt")
    at.selectbox(key=lib.OPEN).set_value(minutes.id).run()
    no_errors(at)
    text = page_text(at)
    assert f"《{minutes.title}》" in [s.value for s in at.subheader]
    assert "**主持人**：张建华" in text
    assert "李明" in text and "周敏" in text  # a speaker and the recorder
    chunk_cards = [b for b in at.get("html") if "片段 1" in b.proto.body]
    assert chunk_cards, "the 分段 tab lists the document's chunks"
    assert len([b for b in at.button if b.label == "＋ 片段加入清单"]) == minutes.chunk_count


def test_add_a_chunk_from_the_document_view(ui_kb):
    ui_kb.lists.create("第二次学习")
    at = opened()
    next(b for b in at.button if b.label == "＋ 片段加入清单").click().run()
    no_errors(at)
    (item,) = ui_kb.lists.get("第二次学习").items
    assert item.is_passage


def test_timeline_shows_sessions_and_opens_minutes(ui_kb):
    at = opened()
    at.segmented_control(key=lib.VIEW).set_value(lib.TIMELINE).run()
    no_errors(at)
    text = page_text(at)
    assert "共 1 次集体学习" in text
    assert "党风廉政建设和反腐败工作" in text and "主持：张建华" in text
    at.button(key=f"timeline-{ui_kb.document('2024年第2次学习纪要.txt').id}").click().run()
    no_errors(at)
    assert at.segmented_control(key=lib.VIEW).value == lib.DOCS
    assert "**学习主题**：党风廉政建设和反腐败工作" in page_text(at)


def test_delete_needs_confirmation(ui_kb):
    at = opened()
    doc_id = at.selectbox(key=lib.OPEN).value
    delete = at.button(key=f"delete-{doc_id}")
    assert delete.disabled
    at.checkbox(key=f"sure-{doc_id}").check().run()
    at.button(key=f"delete-{doc_id}").click().run()
    no_errors(at)
    assert ui_kb.count_documents() == 4
    assert "共 4 篇" in page_text(at)


def test_empty_library_says_how_to_import(empty_kb):
    at = page_app("library_page")
    at.run()
    no_errors(at)
    assert any("资料导入" in i.value for i in at.info)


def test_a_wrong_date_is_corrected_in_the_document_view(ui_kb):
    doc = next(d for d in ui_kb.documents() if d.kind == "theory")
    at = opened()
    at.selectbox(key=lib.OPEN).set_value(doc.id).run()
    at.text_input(key=f"date-{doc.id}").set_value("2023-13-40").run()
    at.button(key=f"date-save-{doc.id}").click().run()
    assert ui_kb.document(doc.id).date == doc.date  # refused: no such day
    at.text_input(key=f"date-{doc.id}").set_value("2024-05").run()
    at.button(key=f"date-save-{doc.id}").click().run()
    no_errors(at)
    assert ui_kb.document(doc.id).date == "2024-05"
    assert "2024-05 · " in page_text(at)  # the document's facts line
