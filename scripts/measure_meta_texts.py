"""Measure down-weighting documents that enumerate the preset problem fields (issue 19, docs/relevance.md).

    python scripts/measure_meta_texts.py SAMPLE_DATA [BEIR_SET ...]

For a built sample knowledge base: first places and MRR of the preset searches (theory documents)
when a document naming three or more of the five problem fields loses λ from its fused score; for
each BEIR set (corpus.jsonl), how many of its documents such a penalty would touch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kb.library import KnowledgeBase
from kb.presets import load_presets
from kb.records import Filters

PRESETS = load_presets()
FIELDS = [p.name for p in PRESETS if p.group == "problem_fields"]


def enumerates(text: str) -> bool:
    return sum(name in text for name in FIELDS) >= 3


def sample(data: str) -> None:
    with KnowledgeBase(data) as kb:
        flagged = {d.id for d in kb.documents(Filters(kind="theory")) if enumerates(kb.text(d.id))}
        print("documents enumerating the problem fields:", [kb.document(i).title for i in flagged])
        hits = {p.id: kb.search(p.query, k=12, per_doc=True, filters=Filters(kind="theory")) for p in PRESETS}
    for penalty in (0, 1, 2, 3, 4):
        first = mrr = 0.0
        for p in PRESETS:
            ranked = sorted(hits[p.id], key=lambda h: -(h.score - penalty * (h.doc_id in flagged)))
            titles = [h.title for h in ranked]
            first += titles[0] in p.expected_titles
            mrr += sum(1 / (titles.index(t) + 1) for t in p.expected_titles if t in titles) / len(p.expected_titles)
        print(f"λ={penalty}: first places {int(first)}/{len(PRESETS)}, MRR {mrr / len(PRESETS):.3f}")


def beir(folder: str) -> None:
    lines = Path(folder, "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    docs = [json.loads(line) for line in lines if line.strip()]
    touched = sum(enumerates(d.get("title", "") + d.get("text", "")) for d in docs)
    print(f"{Path(folder).name}: {touched} of {len(docs)} documents enumerate three or more problem fields")


if __name__ == "__main__":
    sample(sys.argv[1])
    for path in sys.argv[2:]:
        beir(path)
