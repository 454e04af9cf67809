"""Near-duplicate detection (ingest/twins.py) measured on the shared real corpora.

Originals: the 31 provincial work reports (read from their DOCX files), the 88 State Council reports, NPC
resolutions and Party congress reports, and the 107 speeches and articles from 12371.cn. Every original is
indexed; then
- each original is asked for its nearest twin among the others: distinct documents, many on one theme
  (31 reports of one year, 52 reports of one government, 20 near-formulaic resolutions), so any twin found
  is a false positive — except the one real pair the corpora share (the 19th Party Congress report, once
  from Wikisource and once from 12371.cn);
- copies derived from each original (reformatted, retyped with small changes, trimmed, with a header
  and footer inserted, all of these at once, and for some provincial reports a real PDF made from the
  text and read back) must find their original.
tests/test_ingest_twins.py runs this and checks the numbers docs/ingest.md reports.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.pipeline import ReadOptions, read_document  # noqa: E402
from ingest.twins import TWIN_THRESHOLD, TwinIndex, TwinSignature, nearest_twin, signature  # noqa: E402

PROVINCIAL = Path("eval/dev/corpus-provincial-gwr-2025-docx")
GOV = Path("eval/dev/corpus-gov-work-reports")
XI = Path("eval/dev/corpus-xi-speeches-12371")
REAL_TWINS = {frozenset({"cpc-014", "ARTI1509103656574313"})}  # 十九大报告: Wikisource and 12371.cn
SEED = 20250301


@dataclass
class Result:
    """Counts of one run, and the similarities that decide them."""

    originals: int = 0
    copies: Counter = field(default_factory=Counter)  # transform -> copies made
    found: Counter = field(default_factory=Counter)  # transform -> copies whose twin is their original
    wrong: Counter = field(default_factory=Counter)  # transform -> copies matched to another document
    false_twins: list[tuple[str, str, float]] = field(default_factory=list)  # originals flagged as twins
    real_twins_found: list[tuple[str, str, float]] = field(default_factory=list)
    lowest_true: dict[str, float] = field(default_factory=dict)  # transform -> lowest similarity found
    closest_distinct: tuple[str, str, float] = ("", "", 0.0)  # most similar distinct pair, any score
    provincial_flagged: int = 0
    signature_seconds: float = 0.0
    read_seconds: float = 0.0

    @property
    def true_positives(self) -> int:
        return sum(self.found.values())

    @property
    def false_positives(self) -> int:
        return sum(self.wrong.values()) + len(self.false_twins)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        total = sum(self.copies.values())
        return self.true_positives / total if total else 0.0


def originals(shared: Path, result: Result) -> dict[str, str]:
    """id -> text of every original; the provincial reports as read from their DOCX files (timed)."""
    texts: dict[str, str] = {}
    for path in sorted((shared / PROVINCIAL / "original" / "docx").glob("*.docx")):
        started = time.perf_counter()
        doc = read_document(path, options=ReadOptions(ocr=False))
        result.read_seconds += time.perf_counter() - started
        texts[f"prov:{path.stem}"] = doc.text
    for corpus in (GOV, XI):
        for line in (shared / corpus / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts[record["id"]] = record["text"]
    return texts


# ---- derived copies -------------------------------------------------------------------------------

_FULL = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%"}
_PUNCT = str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "“": '"', "”": '"'})


def reformat(text: str, rng: random.Random) -> str:
    """Another layout of the same words: full-width digits and letters, ASCII punctuation, lines re-wrapped
    at 28 characters with indents, blank lines between paragraphs."""
    flowed = "".join(text.split("\n")).translate(_FULL).translate(_PUNCT)
    return "\n\n".join("\u3000\u3000" + flowed[i : i + 28] for i in range(0, len(flowed), 28))


def retype(text: str, rng: random.Random, rate: float = 0.01) -> str:
    """A retyped copy: about `rate` of the characters substituted, dropped, doubled or swapped."""
    pool = [c for c in text if "\u4e00" <= c <= "\u9fff"] or ["的"]
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        roll = rng.random()
        if roll < rate / 4:
            out.append(rng.choice(pool))
        elif roll < rate / 2:
            pass
        elif roll < 3 * rate / 4:
            out += [chars[i], rng.choice(pool)]
        elif roll < rate and i + 1 < len(chars):
            out += [chars[i + 1], chars[i]]
            i += 1
        else:
            out.append(chars[i])
        i += 1
    return "".join(out)


def trim(text: str, rng: random.Random, share: float = 0.2) -> str:
    """A copy missing `share` of the text, split at random between its start and its end."""
    cut = int(len(text) * share)
    head = rng.randint(0, cut)
    return text[head : len(text) - (cut - head)]


def header(text: str, rng: random.Random) -> str:
    """A copy as a website or a unit reposts it: source line, editor's note, and a footer."""
    note = "编者按：为深入学习贯彻党的创新理论，推动学习往深里走、往实里走，现将全文转发，请认真组织学习，" \
           "结合实际抓好贯彻落实。各单位要把学习情况及时报送党委办公室。"
    day = f"2025年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    return f"来源：人民网—人民日报 {day}\n{note[: rng.randint(40, len(note))]}\n{text}\n（责任编辑：王明 李华）"


def combined(text: str, rng: random.Random) -> str:
    return header(retype(trim(text, rng, 0.1), rng, 0.005), rng)


TRANSFORMS: dict[str, Callable[[str, random.Random], str]] = {
    "reformat": reformat,
    "retype": retype,
    "trim": trim,
    "header": header,
    "combined": combined,
}
LABELS = {
    "reformat": "重新排版（全角、标点、换行）",
    "retype": "重新录入（约1%字符改动）",
    "trim": "删去首尾共20%",
    "header": "加来源、编者按和页脚",
    "combined": "以上混合（删10%＋0.5%改动＋加页眉）",
    "pdf": "DOCX正文重排为PDF再读回",
}


def pdf_copy(text: str, folder: Path, name: str) -> str:
    """The text set as a PDF with a running header and page numbers (reportlab, CID font), read back."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = folder / f"{name}.pdf"
    c = canvas.Canvas(str(path))
    lines = [p[i : i + 36] for p in text.split("\n") for i in range(0, max(len(p), 1), 36)]
    for number, start in enumerate(range(0, len(lines), 44), start=1):
        c.setFont("STSong-Light", 9)
        c.drawString(72, 805, "学习资料汇编")
        c.setFont("STSong-Light", 11)
        for row, line in enumerate(lines[start : start + 44]):
            c.drawString(72, 780 - row * 16.5, line)
        c.setFont("STSong-Light", 9)
        c.drawCentredString(297, 40, f"- {number} -")
        c.showPage()
    c.save()
    return read_document(path, options=ReadOptions(ocr=False)).text


# ---- the run ---------------------------------------------------------------------------------------


def evaluate(shared: Path, *, pdf_copies: int = 4) -> Result:
    result = Result()
    texts = originals(shared, result)
    started = time.perf_counter()
    signatures = {key: signature(text) for key, text in texts.items()}
    result.signature_seconds = time.perf_counter() - started
    index = TwinIndex()
    for key, sig in signatures.items():
        index.add(key, sig)
    result.originals = len(index)
    _distinct(result, signatures, index)
    rng = random.Random(SEED)
    for key, text in texts.items():
        if key not in index:
            continue  # too short to have twins
        for name, transform in TRANSFORMS.items():
            _check_copy(result, index, key, name, signature(transform(text, rng)))
    with tempfile.TemporaryDirectory() as folder:
        provincial = [key for key in texts if key.startswith("prov:")][:pdf_copies]
        for n, key in enumerate(provincial):
            _check_copy(result, index, key, "pdf", signature(pdf_copy(texts[key], Path(folder), f"c{n}")))
    return result


def _distinct(result: Result, signatures: dict[str, TwinSignature], index: TwinIndex) -> None:
    """Every original against the others: a twin found is false unless it is the known real pair."""
    for key, sig in signatures.items():
        if key not in index:
            continue
        twin = index.nearest(sig, exclude=key)
        if twin is not None:
            pair = (key, str(twin.key), round(twin.similarity, 3))
            if frozenset({key, str(twin.key)}) in REAL_TWINS:
                result.real_twins_found.append(pair)
            else:
                result.false_twins.append(pair)
                result.provincial_flagged += key.startswith("prov:")
        others = ((k, s) for k, s in signatures.items() if k != key and frozenset({key, k}) not in REAL_TWINS)
        closest = nearest_twin(sig, others, threshold=0.0)
        if closest and closest.similarity > result.closest_distinct[2]:
            result.closest_distinct = (key, str(closest.key), round(closest.similarity, 3))


def _check_copy(result: Result, index: TwinIndex, key: str, name: str, sig: TwinSignature) -> None:
    result.copies[name] += 1
    twin = index.nearest(sig)
    if twin is None:
        return
    if twin.key == key or frozenset({key, str(twin.key)}) in REAL_TWINS:
        result.found[name] += 1
        result.lowest_true[name] = min(result.lowest_true.get(name, 1.0), twin.similarity)
    else:
        result.wrong[name] += 1


def table(result: Result) -> list[str]:
    rows = ["| 副本 | 数量 | 找到原件 | 误配到其他文档 | 召回率 | 最低相似度 |", "|---|---:|---:|---:|---:|---:|"]
    for name, label in LABELS.items():
        n = result.copies[name]
        if n:
            rows.append(
                f"| {label} | {n} | {result.found[name]} | {result.wrong[name]} | {result.found[name] / n:.3f} "
                f"| {result.lowest_true.get(name, 0.0):.3f} |"
            )
    a, b, score = result.closest_distinct
    rows += [
        "",
        f"原件 {result.originals} 篇互查：误报 {len(result.false_twins)} 对"
        f"（其中省级政府工作报告 {result.provincial_flagged}），"
        f"找到两套语料共有的真实重复 {len(result.real_twins_found)} 篇次"
        f"（{'、'.join(f'{x}↔{y} {s:.3f}' for x, y, s in result.real_twins_found) or '无'}）；"
        f"不同文档间最高相似度 {score:.3f}（{a} ↔ {b}），判定阈值 {TWIN_THRESHOLD}。",
        f"精确率 {result.precision:.3f}，召回率 {result.recall:.3f}"
        f"（{result.true_positives} 对正确，{result.false_positives} 对误报）。",
        f"签名耗时 {result.signature_seconds:.2f} 秒（{result.originals} 篇）；"
        f"读取31个DOCX耗时 {result.read_seconds:.2f} 秒。",
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="共享数据目录")
    parser.add_argument("--pdf-copies", type=int, default=4, help="制成PDF再读回的省级报告篇数")
    args = parser.parse_args(argv)
    if not (args.shared / PROVINCIAL).is_dir():
        print(f"找不到评测数据：{args.shared / 'eval/dev'}", file=sys.stderr)
        return 1
    print("\n".join(table(evaluate(args.shared, pdf_copies=args.pdf_copies))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
