"""学习清单 page (AppTest): create, draft, rename, reorder, annotate, remove, delete, export."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from ui_fixtures import no_errors, page_app, page_text, ui_kb_fixture  # noqa: F401 - fixtures

from kb.ui import lists_page


class Downloads(dict):
    """File name -> bytes of every st.download_button payload the app registers; a payload made only
    when clicked (a callable) is made when the test reads it, as a click would."""

    def __getitem__(self, name: str) -> bytes:
        value = super().__getitem__(name)
        return value() if callable(value) else value


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    seen = Downloads()
    original = MemoryMediaFileStorage.load_and_get_id
    deferred = MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return seen


@pytest.fixture
def filled(ui_kb):
    """A list of three items: two passages and a whole document."""
    ui_kb.lists.create("第一次学习", topic="党风廉政建设")
    for hit in ui_kb.search("党风廉政建设", k=2):
        ui_kb.lists.add_passage("第一次学习", hit.chunk_id)
    ui_kb.lists.add_document("第一次学习", ui_kb.document("群众工作与基层治理").id)
    return ui_kb


def opened():
    at = page_app("lists_page")
    at.run()
    no_errors(at)
    return at


def titles(kb, name="第一次学习") -> list[str]:
    return [i.title for i in kb.lists.get(name).items]


def test_no_lists_yet_explains_and_offers_drafting(ui_kb):
    at = opened()
    assert "还没有学习清单" in page_text(at)
    at.selectbox(key="draft_preset").set_value("dangfeng_lianzheng").run()
    assert at.text_input(key="draft_topic").value.startswith("党风廉政建设")
    at.button(key="draft_go").click().run()
    no_errors(at)
    (name,) = ui_kb.lists.names()
    assert name == "党风廉政建设 学习清单"
    assert titles(ui_kb, name)[0] == "党风廉政建设学习辅导"
    assert f"《{name}》" in [s.value for s in at.subheader]


def test_a_draft_hands_out_readings_not_a_members_study_output(ui_kb, tmp_path):
    """The page's default source is the readings: a member's 心得体会 on the very topic stays out of
    the draft (it is still there when the organiser asks for every kind)."""
    output = tmp_path / "党风廉政建设心得.txt"
    output.write_text("党风廉政建设学习心得\n\n党风廉政建设关系党的生死存亡。学习党风廉政建设，落实主体责任和监督责任，"
                      "党风廉政建设永远在路上。\n", encoding="utf-8")
    mine = ui_kb.ingest([output], kind="output").added[0].doc_id
    assert mine in {h.doc_id for h in ui_kb.search("党风廉政建设", k=10, per_doc=True)}
    at = opened()
    at.text_input(key="draft_topic").set_value("党风廉政建设").run()
    at.button(key="draft_go").click().run()
    no_errors(at)
    drafted = ui_kb.lists.get("党风廉政建设 学习清单").items
    assert drafted and all(i.doc_id != mine for i in drafted)
    assert {i.kind for i in drafted} == {"theory"}
    at.text_input(key="draft_topic").set_value("党风廉政建设").run()
    at.selectbox(key="draft_kind").set_value("all").run()
    at.text_input(key="draft_name").set_value("全部类型").run()
    at.button(key="draft_go").click().run()
    no_errors(at)
    assert mine in {i.doc_id for i in ui_kb.lists.get("全部类型").items}


def test_create_an_empty_list(ui_kb):
    at = opened()
    at.text_input(key="new_list_name").set_value("2025年第3次集体学习").run()
    at.button(key="new_list_go").click().run()
    no_errors(at)
    assert ui_kb.lists.names() == ["2025年第3次集体学习"]
    assert "清单还是空的" in page_text(at)
    at.text_input(key="new_list_name").set_value("2025年第3次集体学习").run()
    at.button(key="new_list_go").click().run()
    assert ui_kb.lists.names() == ["2025年第3次集体学习"]  # the duplicate name was refused


def test_reorder_annotate_and_remove_items(filled):
    first, second, third = filled.lists.get("第一次学习").items
    at = opened()
    assert at.button(key=f"up-{first.id}").disabled  # the first item cannot move up
    assert at.button(key=f"down-{third.id}").disabled
    at.button(key=f"down-{first.id}").click().run()
    no_errors(at)
    assert [i.id for i in filled.lists.get("第一次学习").items] == [second.id, first.id, third.id]
    at.text_input(key=f"note-{third.id}").set_value("会前通读").run()
    no_errors(at)
    assert filled.lists.get("第一次学习").items[2].note == "会前通读"
    at.button(key=f"remove-{second.id}").click().run()
    no_errors(at)
    assert [i.id for i in filled.lists.get("第一次学习").items] == [first.id, third.id]


def test_rename_and_delete_a_list(filled):
    at = opened()
    at.text_input(key="edit-name-第一次学习").set_value("廉政专题学习")
    at.text_area(key="edit-desc-第一次学习").set_value("4月集体学习用")
    at.button(key="save-第一次学习").click().run()
    no_errors(at)
    renamed = filled.lists.get("廉政专题学习")
    assert renamed.description == "4月集体学习用" and len(renamed.items) == 3
    assert "《廉政专题学习》" in [s.value for s in at.subheader]
    at.checkbox(key="sure-list-廉政专题学习").check().run()
    at.button(key="delete-廉政专题学习").click().run()
    no_errors(at)
    assert filled.lists.names() == []


@pytest.mark.parametrize("fmt", ["docx", "md", "csv", "pdf"])
def test_export_each_format(filled, downloads, fmt):
    at = opened()
    at.segmented_control(key="export_fmt").set_value(fmt).run()
    no_errors(at)
    button = at.get("download_button")[0]
    assert lists_page.FORMAT_LABELS[fmt] in button.label
    name = f"关于第一次学习的学习材料.{fmt}"  # the plain title, not "…-学习材料清单"
    data = downloads[name]
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(data)) as docx:
            body = docx.read("word/document.xml").decode("utf-8")
        assert "群众工作与基层治理" in body
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
    else:
        assert "群众工作与基层治理" in data.decode("utf-8-sig")


def test_missing_document_is_flagged(filled):
    filled.delete("群众工作与基层治理")
    at = opened()
    assert any("原文已从资料库删除" in w.value for w in at.warning)


def test_added_hits_from_search_show_up_here(ui_kb):
    search = page_app("search_page")
    search.run()
    search.pills(key="preset_theme").set_value("jiceng_zhili").run()
    next(b for b in search.button if b.label == "＋ 整篇加入清单").click().run()
    at = opened()
    assert "1. 《群众工作与基层治理》" in "".join(b.proto.body for b in at.get("html"))


def test_a_removal_can_be_undone(filled):
    first, second, third = filled.lists.get("第一次学习").items
    filled.lists.annotate("第一次学习", second.id, "会上领学")
    at = opened()
    at.button(key=f"remove-{second.id}").click().run()
    no_errors(at)
    assert [i.id for i in filled.lists.get("第一次学习").items] == [first.id, third.id]
    assert any(f"已移除第 2 项《{second.title}》" in i.value for i in at.info)
    at.button(key="undo_remove").click().run()
    no_errors(at)
    items = filled.lists.get("第一次学习").items
    assert [(i.doc_id, i.start, i.position) for i in items] == [(x.doc_id, x.start, n) for n, x in
                                                               enumerate((first, second, third), start=1)]
    assert items[1].note == "会上领学" and items[1].text == second.text
    assert "undo_remove" not in [b.key for b in at.button]


def test_a_plans_month_lists_are_grouped_under_it_in_month_order(filled):
    filled.plans.create(2026, "主线", themes=["党风廉政建设"] * 12)
    for month in (12, 10, 2, 1, 11):  # drafted out of order, as a person might
        filled.plans.draft_month(2026, month)
    names = [f"2026年{m}月 党风廉政建设" for m in (1, 2, 10, 11, 12)]
    groups = filled.plans.list_groups()
    assert groups == [("学习清单", ["第一次学习"]), ("2026年度理论学习中心组学习计划", names)]
    at = opened()
    no_errors(at)  # the list changed last is shown first: one of the plan's, in its group
    assert at.selectbox(key="lists_group").value == "2026年度理论学习中心组学习计划"
    assert at.radio(key="lists_current").options == names
    at.selectbox(key="lists_group").set_value("学习清单").run()
    no_errors(at)
    assert at.radio(key="lists_current").options == ["第一次学习"]
    assert at.radio(key="lists_current").value == "第一次学习"
    assert "《第一次学习》" in [s.value for s in at.subheader]
