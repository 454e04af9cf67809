"""Which documents a drafted reading list holds: as many as match the topic well, not a fixed count.

A list is drafted from a per-document search, best first. It stops at the first document that is a
weak match (its passage's cosine under the model's measured line, Hit.weak) or whose fused score
falls under `share` of the best document's (the share measured per model on the sample,
kb.calibration): below that the sample's searches return readings written for other topics.

A year plan drafts twelve months from one pool of readings. A reading already given to other months
needs a clearly better match to appear again: each earlier use raises the share it must reach by
REPEAT_STEP, so a reading used twice must be the month's best match, and one used MAX_MONTHS times
is not proposed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kb.records import Hit

REPEAT_STEP = 0.15
MAX_MONTHS = 3


def required_share(share: float, uses: int) -> float:
    """The share of the best score a document used in `uses` other months must reach (>1: never)."""
    if uses >= MAX_MONTHS:
        return float("inf")
    return min(1.0, share + REPEAT_STEP * uses) if uses else share


def choose(hits: Sequence[Hit], *, share: float, limit: int, uses: Mapping[str, int] | None = None) -> list[Hit]:
    """The hits (one per document, best first) a draft keeps: at most `limit`, none weak, each at
    least the share of the best score its earlier uses require."""
    uses = uses or {}
    strong = [h for h in hits if not h.weak]
    if not strong or strong[0].score <= 0:
        return []
    best = strong[0].score
    picked = []
    for hit in strong:
        if hit.score < share * best:
            break  # ranked best first: everything after is weaker still
        if hit.score >= required_share(share, uses.get(hit.doc_id, 0)) * best:
            picked.append(hit)
        if len(picked) == limit:
            break
    return picked
