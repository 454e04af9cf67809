"""The bundled sample knowledge base with the real default model: every preset topic finds the readings
written for it, and the minutes of the sessions that studied it; document scores that count more than the
best passage rank them at least as well as the best passage alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.metrics import ndcg_at_k
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


def _sample_ndcg(kb: KnowledgeBase) -> dict[str, float]:
    """Mean nDCG@5 of every preset query (the preset's own search and each example query) against the
    readings the preset was written for and the minutes of the sessions that studied it."""
    gains: dict[str, list[float]] = {"theory": [], "minutes": []}
    for preset in PRESETS:
        for kind, expected in (("theory", preset.expected_titles), ("minutes", preset.expected_minutes)):
            for query in (preset.query, *preset.queries) if expected else ():
                hits = kb.search(query, k=5, per_doc=True, filters=Filters(kind=kind))
                found = [h.title if kind == "theory" else Path(h.path).name for h in hits]
                gains[kind].append(ndcg_at_k(found, dict.fromkeys(expected, 1.0), 5))
    return {kind: float(np.mean(values)) for kind, values in gains.items()}


def test_document_scores_find_the_readings_a_preset_was_written_for(sample_kb):
    """The document-level check of issue 20 (docs/relevance.md, "Document scores"): a reading written
    for a topic treats it throughout, so ranking documents by more than their best passage must not
    rank the expected readings and minutes lower than the best passage alone does."""
    default = sample_kb.config
    assert default.search.document_damping > 0
    try:
        scored = _sample_ndcg(sample_kb)
        sample_kb.config = replace(default, search=replace(default.search, document_damping=0.0))
        best_passage = _sample_ndcg(sample_kb)
    finally:
        sample_kb.config = default
    for kind in ("theory", "minutes"):
        assert scored[kind] >= best_passage[kind], (kind, scored, best_passage)
        assert scored[kind] >= 0.95, (kind, scored)
