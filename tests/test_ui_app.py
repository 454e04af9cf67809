"""app.py and the shared UI pieces (AppTest): navigation, the status page, the loader, error display."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import FakeEncoder
from streamlit.testing.v1 import AppTest
from ui_fixtures import (  # noqa: F401 - fixtures
    REPO_APP,
    empty_kb_fixture,
    no_errors,
    page_app,
    page_text,
    ui_kb_fixture,
    write_ui_corpus,
)

from index.hashing import HashingEncoder
from kb.errors import KBError
from kb.library import KnowledgeBase
from kb.ui import common


def test_only_app_py_imports_the_ui_and_only_the_ui_imports_streamlit():
    repo = REPO_APP.parent
    for path in [*(repo / "kb").rglob("*.py"), *(repo / "ingest").rglob("*.py"), *(repo / "index").rglob("*.py")]:
        if "ui" in path.relative_to(repo).parts:
            continue
        imported = {n.module or "" for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Import) for a in n.names}
        assert not any(m == "kb.ui" or m.startswith(("kb.ui.", "streamlit")) for m in imported), path


def test_app_opens_on_the_search_page(ui_kb):
    at = AppTest.from_file(str(REPO_APP), default_timeout=60)
    at.run()
    no_errors(at)
    assert [t.value for t in at.title] == ["专题检索"]
    assert at.pills(key="preset_problem").options  # the five problem fields are offered
    assert "资料库：5 篇文档" in "".join(c.value for c in at.sidebar.caption)


def test_status_page_shows_counts_model_and_last_import(ui_kb):
    ui_kb.lists.create("清单一")
    at = page_app("status_page")
    at.run()
    no_errors(at)
    values = {m.label: m.value for m in at.metric}
    assert values["文档"] == "5" and values["会议纪要"] == "1" and values["理论文章"] == "4"
    assert values["语义模型"] == "hash-64" and values["向量维度"] == "64"
    assert "正在使用：字符散列（测试用，不理解语义）" in page_text(at)  # the model in words, not only its id
    assert values["学习清单"] == "1"
    assert values["索引大小"].endswith("KB")
    assert "新增 5" in page_text(at)


def test_status_page_of_an_empty_knowledge_base(empty_kb):
    at = page_app("status_page")
    at.run()
    no_errors(at)
    assert any("还没有导入过资料" in i.value for i in at.info)


def test_loader_is_shared_and_errors_are_one_line(tmp_path, monkeypatch):
    calls = []

    def broken(path):
        calls.append(path)
        raise KBError("该知识库由模型 a 构建，不能混用模型 b")

    monkeypatch.setenv("KB_DATA", str(tmp_path))
    monkeypatch.setattr(common, "open_knowledge_base", broken)
    common.load_kb.clear()
    at = page_app("search_page")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["该知识库由模型 a 构建，不能混用模型 b"]
    common.load_kb.clear()


def test_the_loader_opens_each_data_directory_once(ui_kb):
    first = common.load_kb(str(ui_kb.data_dir))
    assert common.load_kb(str(ui_kb.data_dir)) is first is ui_kb


def test_an_unexpected_error_shows_a_reference_and_logs_the_details_on_the_server(ui_kb, monkeypatch):
    from kb.ui import status_page

    def boom(kb):
        raise RuntimeError(f"bug near {kb.data_dir}")

    monkeypatch.setattr(status_page, "render", boom)
    at = page_app("status_page")
    at.run()
    [message] = [e.value for e in at.error]
    ref = re.search(r"参考编号 ([0-9A-F]{8})", message).group(1)
    shown = message + "".join(c.value for c in at.code) + "".join(x.label for x in at.expander)
    assert "Traceback" not in shown and "RuntimeError" not in shown and str(ui_kb.data_dir) not in shown
    log = (ui_kb.data_dir / "logs" / "kb-ui.log").read_text(encoding="utf-8")
    assert f"[{ref}]" in log and "Traceback" in log and "RuntimeError: bug near" in log


def test_loader_opens_a_knowledge_base_with_the_model_it_records(tmp_path):
    # What the browser test relies on: a knowledge base the tests built is opened by model name.
    write_ui_corpus(tmp_path / "docs")
    with KnowledgeBase(tmp_path / "kb", encoder=FakeEncoder()) as kb:
        kb.ingest([tmp_path / "docs"])
        built = [hit.chunk_id for hit in kb.search("作风建设 八项规定", k=5)]
    with common.open_knowledge_base(tmp_path / "kb") as kb:
        assert kb.encoder.name == "hash-64" and type(kb.encoder) is HashingEncoder
        assert [hit.chunk_id for hit in kb.search("作风建设 八项规定", k=5)] == built


@pytest.mark.parametrize("module", ["plan_page", "archive_page"])
def test_plan_and_archive_pages_render(ui_kb, module):
    at = page_app(module)
    at.run()
    assert not at.exception
