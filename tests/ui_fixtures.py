"""UI test helpers: a small generated knowledge base behind the app's cached loader, and page runners."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus
from streamlit.testing.v1 import AppTest

from kb.library import KnowledgeBase
from kb.sample_kb import build_sample
from kb.ui import common

TESTS = Path(__file__).resolve().parent
REPO_APP = TESTS.parent / "app.py"

# A dated theory text whose body would be markup if it were not escaped.
ZUOFENG = """关于作风建设的学习体会

2023年5月10日

一、<script>alert(1)</script> 作风建设 & 纪律
作风建设永远在路上，要坚持不懈纠治四风，落实中央八项规定精神。
"""


def write_ui_corpus(folder: Path) -> dict[str, Path]:
    """kb_fixtures' four documents plus one dated text with markup characters."""
    files = write_corpus(folder)
    files["zuofeng"] = folder / "作风建设学习体会.txt"
    files["zuofeng"].write_text(ZUOFENG, encoding="utf-8")
    return files


def serve_on(monkeypatch: pytest.MonkeyPatch, address: str | None = "127.0.0.1") -> None:
    """As if Streamlit listened on `address` (`kb serve` passes 127.0.0.1 in 本机模式; AppTest has none)."""
    from streamlit import config

    monkeypatch.setattr(config.get_config_options()["server.address"], "_get_val_func", lambda: address)


def use_kb(kb: KnowledgeBase | None, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Make the app's cached loader hand out `kb` (or open data_dir with a FakeEncoder), served in
    本机模式 on loopback."""
    monkeypatch.setenv("KB_DATA", str(data_dir))
    monkeypatch.delenv("KB_UI_MODE", raising=False)
    serve_on(monkeypatch)
    monkeypatch.setattr(common, "open_knowledge_base",
                        (lambda path: kb) if kb else (lambda path: KnowledgeBase(path, encoder=FakeEncoder())))
    common.load_kb.clear()


# Fixtures are named through `name=` so that test modules import the *_fixture functions (which
# pytest then finds) without their parameters shadowing the import.
@pytest.fixture(name="ui_kb")
def ui_kb_fixture(tmp_path, monkeypatch):
    """A knowledge base of five small documents (tag 测试) that the app under test uses."""
    write_ui_corpus(tmp_path / "docs")
    kb = KnowledgeBase(tmp_path / "data", encoder=FakeEncoder())
    kb.ingest([tmp_path / "docs"], tags=["测试"])
    use_kb(kb, monkeypatch, tmp_path / "data")
    yield kb
    common.load_kb.clear()
    kb.close()


@pytest.fixture(name="empty_kb")
def empty_kb_fixture(tmp_path, monkeypatch):
    kb = KnowledgeBase(tmp_path / "empty", encoder=FakeEncoder())
    use_kb(kb, monkeypatch, tmp_path / "empty")
    yield kb
    common.load_kb.clear()
    kb.close()


def _page_script(module: str) -> None:
    from kb.ui.common import run_page

    run_page(module)


def page_app(module: str) -> AppTest:
    """One page of the app (as the navigation would run it), ready to .run()."""
    return AppTest.from_function(_page_script, kwargs={"module": module}, default_timeout=60)


def no_errors(at: AppTest) -> None:
    """The run raised nothing and showed no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def html_bodies(at: AppTest) -> list[str]:
    """The HTML of every st.html element (hit cards, snippets, contexts)."""
    return [element.proto.body for element in at.get("html")]


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """Markdown source as its text reads once backslash escapes are undone (kb.ui.text.plain escapes
    every punctuation mark of untrusted text)."""
    return _ESCAPED.sub(r"\1", markdown).replace("\u2060", "")  # and the invisible joiners that stop autolinks


def page_text(at: AppTest) -> str:
    """Markdown, captions, headers and HTML of the page, as one string to search in (as shown)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [t.value for t in at.title] + [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join([shown(p) for p in parts] + html_bodies(at))


def _page_over(data_dir: str, tests_dir: str, module: str) -> None:
    import importlib
    import sys

    import streamlit as st

    sys.path.insert(0, tests_dir)
    from conftest import FakeEncoder

    from kb.library import KnowledgeBase

    @st.cache_resource
    def load(path: str) -> KnowledgeBase:
        return KnowledgeBase(path, encoder=FakeEncoder())

    importlib.import_module(f"kb.ui.{module}").render(load(data_dir))


def page_over(data: Path, module: str, timeout: float = 60) -> AppTest:
    """Page kb.ui.<module> alone over the knowledge base in `data` (opened with a FakeEncoder), run once."""
    return AppTest.from_function(_page_over, args=(str(data), str(TESTS), module), default_timeout=timeout).run()


def widget(elements, label: str):
    """The element of `elements` (e.g. at.selectbox) with this label."""
    return next(e for e in elements if e.label == label)


@pytest.fixture(name="sample_dir", scope="module")
def sample_dir_fixture(tmp_path_factory):
    """The sample knowledge base, built once per test module with the fake encoder."""
    path = tmp_path_factory.mktemp("ui-sample") / "data"
    with KnowledgeBase(path, encoder=FakeEncoder()) as kb:
        build_sample(kb)
    return path


@pytest.fixture(name="sample_data")
def sample_data_fixture(sample_dir, tmp_path):
    """A copy of the sample knowledge base each test may change."""
    return shutil.copytree(sample_dir, tmp_path / "data")
