"""The bundled sample knowledge base with the real default model: every preset topic finds the readings
written for it, and the minutes of the sessions that studied it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.library import KnowledgeBase
from kb.presets import load_presets
from kb.records import Filters
from kb.sample_kb import SAMPLE_CORPUS, build_sample

pytestmark = pytest.mark.slow
PRESETS = load_presets()


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory):
    with KnowledgeBase(tmp_path_factory.mktemp("sample") / "data") as kb:
        report = build_sample(kb)
        assert not report.skipped, [s.reason for s in report.skipped]
        yield kb


def test_sample_corpus_is_complete(sample_kb):
    readings = [d for d in sample_kb.documents() if d.kind == "theory"]
    minutes = [d for d in sample_kb.documents() if d.kind == "minutes"]
    assert len(readings) == len(list((SAMPLE_CORPUS / "readings").iterdir())) == 12
    assert len(minutes) == len(list((SAMPLE_CORPUS / "minutes").iterdir())) == 13
    assert {d.format for d in readings} == {"docx", "pdf", "txt", "md"}
    assert all(d.tags == ("示例",) for d in readings + minutes)


def test_rebuilding_the_sample_is_a_no_op(sample_kb):
    report = build_sample(sample_kb)
    assert len(report.unchanged) == 25 and report.encoded == 0


@pytest.mark.parametrize("preset", PRESETS, ids=[p.id for p in PRESETS])
def test_preset_topic_finds_its_readings(sample_kb, preset):
    hits = sample_kb.search(preset.query, k=5, per_doc=True, filters=Filters(kind="theory"))
    titles = [h.title for h in hits]
    depth = len(preset.expected_titles) + 2  # what an organiser sees first, with room for one neighbour each
    for expected in preset.expected_titles:
        assert expected in titles[:depth], f"{preset.name}: {expected} not in top {depth} of {titles}"


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.expected_minutes], ids=lambda p: p.id)
def test_preset_topic_finds_the_sessions_that_covered_it(sample_kb, preset):
    hits = sample_kb.search(preset.query, k=5, per_doc=True, filters=Filters(kind="minutes"))
    files = [Path(h.path).name for h in hits]
    covered = len(preset.expected_minutes)
    for expected in preset.expected_minutes:
        assert expected in files[: covered + 1], f"{preset.name}: {expected} not in {files}"
