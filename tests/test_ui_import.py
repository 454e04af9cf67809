"""资料导入 page (AppTest): uploads go to the import worker, are saved under <data>/uploads and ingested;
the page shows the queue, then the report; bad files show why."""

from __future__ import annotations

from kb_fixtures import QUNZHONG
from ui_fixtures import (  # noqa: F401 - fixtures
    empty_kb_fixture,
    no_errors,
    page_app,
    page_text,
    shown,
    ui_kb_fixture,
)

from kb.uploads import safe_name

NEW_TEXT = """乡村振兴学习辅导

2025年3月6日

一、产业振兴
发展特色种养业和农产品加工业，带动农民增收致富。
二、人才振兴
引导各类人才投身乡村建设。
"""


def opened():
    at = page_app("import_page")
    at.run()
    no_errors(at)
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def finished(at, kb):
    """Wait for every import the page queued, then draw the page again (as its live queue would)."""
    for job in kb.import_jobs(everyone=True):
        assert not kb.import_job(job.id, wait=120).active
    at.run()
    return at


def test_upload_is_saved_in_the_data_directory_and_ingested(ui_kb):
    at = opened()
    assert at.button(key="import_upload_go").disabled  # nothing chosen yet
    at.file_uploader(key="import_files").upload("乡村振兴辅导.txt", NEW_TEXT.encode("utf-8"), "text/plain")
    at.text_input(key="import_tags").set_value("2025年、农村")
    at.run()
    at.button(key="import_upload_go").click().run()
    no_errors(at)
    assert any("已加入导入队列" in s.value for s in at.success)
    # The uploader starts empty again: the files handed over are not offered a second time.
    assert "import_files" not in [u.key for u in at.get("file_uploader")]
    assert at.button(key="import_upload_go").disabled
    finished(at, ui_kb)
    no_errors(at)
    saved = ui_kb.data_dir / "uploads" / "乡村振兴辅导.txt"
    assert saved.read_text(encoding="utf-8") == NEW_TEXT
    doc = ui_kb.document("乡村振兴辅导.txt")
    assert doc.path == str(saved) and doc.title == "乡村振兴学习辅导" and doc.date == "2025-03-06"
    assert doc.tags == ("2025年", "农村")
    assert metrics(at)["新增"] == "1"
    assert ui_kb.search("特色种养业", k=1)[0].doc_id == doc.id and ui_kb.vectors_pending() == 0
    assert [job.state for job in ui_kb.import_jobs()] == ["finished"]


def test_bad_and_duplicate_uploads_are_reported_with_reasons(ui_kb):
    at = opened()
    uploader = at.file_uploader(key="import_files")
    uploader.upload("空白.txt", b"", "text/plain")
    uploader.upload("旧版记录.doc", b"\xd0\xcf\x11\xe0 old", "application/msword")
    uploader.upload("群众工作副本.md", QUNZHONG.encode("utf-8"), "text/markdown")
    at.run()
    at.button(key="import_upload_go").click().run()
    finished(at, ui_kb)
    no_errors(at)
    assert metrics(at) == {"新增": "0", "更新": "0", "未变化": "0", "重复": "1", "跳过": "2"}
    warnings = [shown(w.value) for w in at.warning]
    assert any("空白.txt" in w and "文件是空的" in w for w in warnings)
    assert any("旧版记录.doc" in w and "不是有效的Word" in w and "另存为DOCX" in w for w in warnings)
    assert ui_kb.count_documents() == 5


def test_only_bad_files_says_nothing_was_imported(ui_kb):
    at = opened()
    at.file_uploader(key="import_files").upload("图片.png", b"\x89PNG\r\n", "image/png")
    at.run()
    at.button(key="import_upload_go").click().run()
    finished(at, ui_kb)
    assert not at.exception  # the page reports the failure itself, with st.error
    assert any("没有文件被导入" in e.value for e in at.error)
    assert any("不支持的文件格式" in shown(w.value) for w in at.warning)


def test_reupload_of_a_corrected_file_updates_it(ui_kb):
    at = opened()
    at.file_uploader(key="import_files").upload("辅导.txt", NEW_TEXT.encode("utf-8"), "text/plain")
    at.run()
    at.button(key="import_upload_go").click().run()
    finished(at, ui_kb)
    at = opened()
    at.file_uploader(key="import_files").upload("辅导.txt", (NEW_TEXT + "三、文化振兴\n").encode("utf-8"),
                                                "text/plain")
    at.run()
    at.button(key="import_upload_go").click().run()
    finished(at, ui_kb)
    no_errors(at)
    assert metrics(at)["更新"] == "1"
    assert ui_kb.count_documents() == 6


def test_folder_import_and_a_missing_folder(ui_kb, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "乡村振兴.txt").write_text(NEW_TEXT, encoding="utf-8")
    at = opened()
    at.selectbox(key="import_kind").set_value("minutes")
    at.text_input(key="import_folder").set_value(str(tmp_path / "nowhere")).run()
    at.button(key="import_folder_go").click().run()
    assert any("找不到" in e.value for e in at.error)
    at.text_input(key="import_folder").set_value(str(folder)).run()
    at.button(key="import_folder_go").click().run()
    finished(at, ui_kb)
    no_errors(at)
    assert ui_kb.document("乡村振兴.txt").kind == "minutes"
    assert metrics(at)["新增"] == "1"


def test_safe_name_keeps_only_the_file_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\资料\\学习:材料?.docx") == "学习_材料_.docx"
    assert safe_name("..") == "未命名文件"


def test_sample_import_from_an_empty_knowledge_base(empty_kb):
    at = page_app("import_page")
    at.run()
    at.button(key="import_sample_tab").click().run(timeout=120)
    no_errors(at)
    assert empty_kb.count_documents() >= 20
    assert int(metrics(at)["新增"]) == empty_kb.count_documents()
    assert "导入结果" in page_text(at)


def test_progress_never_counts_past_the_total():
    from kb.records import Progress
    assert [Progress(done, 2, "", "read").reading for done in range(3)] == ["1/2", "2/2", "2/2"]
    assert Progress(5, 4, "", "vectors").fraction == 1.0 and Progress(0, 0, "", "read").fraction == 1.0


def test_the_sidebar_count_follows_an_import_of_the_sample(empty_kb):
    at = opened()
    assert any("资料库：0 篇文档" in c.value for c in at.sidebar.caption)
    at.button(key="import_sample_tab").click().run()
    no_errors(at)
    count = empty_kb.count_documents()
    assert count > 20 and any(f"资料库：{count} 篇文档" in c.value for c in at.sidebar.caption)


def test_the_queue_shows_an_import_under_way_to_whoever_started_it(ui_kb, monkeypatch):
    import threading

    from kb.reading import ChildReader

    reading, release = threading.Event(), threading.Event()
    read = ChildReader.prepare

    def held_read(reader, path, *args):
        reading.set()
        assert release.wait(60)
        return read(reader, path, *args)

    monkeypatch.setattr(ChildReader, "prepare", held_read)
    at = opened()
    at.file_uploader(key="import_files").upload("乡村振兴辅导.txt", NEW_TEXT.encode("utf-8"), "text/plain")
    at.run()
    at.button(key="import_upload_go").click().run()
    assert reading.wait(60)
    at.run()  # as the page's live queue redraws itself
    no_errors(at)
    assert "导入队列" in [s.value for s in at.subheader]
    [bar] = at.get("progress")
    assert "上传 1 个文件（正在导入）" in bar.proto.text and "正在读取第 1/1 个文件" in bar.proto.text
    assert ui_kb.search("八项规定", k=1)  # the knowledge base answers meanwhile
    release.set()
    finished(at, ui_kb)
    no_errors(at)
    assert metrics(at)["新增"] == "1" and not at.get("progress")


def test_the_status_page_says_how_many_passages_still_wait_for_their_vectors(ui_kb):
    at = page_app("status_page")
    at.run()
    assert not [i for i in at.info if "语义向量正在计算" in i.value]
    ui_kb.store.backend.execute("DELETE FROM embeddings")  # as after an import interrupted before its vectors
    at.run()
    no_errors(at)
    [line] = [i.value for i in at.info if "语义向量正在计算" in i.value]
    assert f"还有 {ui_kb.count_chunks():,} 个片段" in line and "已可按关键词检索" in line
