"""公文 metadata recognised in the shared real corpora, scored against their manifests.

Reads the 31 provincial work reports (DOCX, as filed), the State Council reports, NPC resolutions and
Party congress reports of corpus-gov-work-reports (each record's text written to a .txt named by its id, so
nothing the manifest knows reaches the reader) and the five sample PDFs, and prints the table that
docs/ingest.md shows. tests/test_gongwen_corpus.py runs the same and checks the documented thresholds.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.dates import find_dates  # noqa: E402
from ingest.normalize import for_search  # noqa: E402
from ingest.pipeline import ReadOptions, read_document  # noqa: E402
from ingest.types import Document  # noqa: E402

PROVINCIAL = Path("eval/dev/corpus-provincial-gwr-2025-docx")
GOV = Path("eval/dev/corpus-gov-work-reports")
PDFS = Path("eval/dev/corpus-pdf-samples")
FIELDS = ("title", "issuer", "number", "date", "kind")
LABELS = {"title": "标题", "issuer": "发文机关", "number": "发文字号", "date": "日期（年份）", "kind": "文种"}
TITLE_RATIO = 0.9  # difflib ratio at which a found title is the manifest's title written slightly differently

# What SOURCES.md states about each sample PDF (its manifest has no titles or dates).
PDF_FACTS = {
    "关于中国共产党现代化思想的文献解读.pdf": {"date": "2019", "what": "期刊论文（观察与思考2019年第9期）"},
    "邓小平是真正的“实事求是派”.pdf": {"date": None, "what": "期刊论文（正文引用1961年等旧日期）"},
    "20211224A06_pdf.PDF": {"date": "2021-12-24", "what": "报纸版面（2021-12-24 A06版）"},
    "20160304103242904.pdf": {"date": None, "what": "图书（《毛泽东选集》第二卷）"},
    "20160520161035287.pdf": {"date": None, "what": "图书（《干在实处 走在前列》）"},
}


@dataclass(frozen=True)
class Expected:
    """What a manifest says a document's parts are; None means the document has no such part."""

    title: str | None
    issuer: tuple[str, ...] | None  # any of these words in the found issuer counts
    number: str | None
    date: str | None  # the year (or date) the manifest gives
    kind: str | None


@dataclass
class Scored:
    """One document: what was expected, what was found, and a verdict per field."""

    corpus: str
    name: str
    expected: Expected
    doc: Document
    verdicts: dict[str, str] = field(default_factory=dict)  # field -> hit | miss | wrong | extra | none

    def found(self, name: str) -> str | None:
        info = self.doc.gongwen
        if name == "date":
            return self.doc.date
        if info is None:
            return None
        return {"title": info.title, "issuer": info.issuer, "number": info.number, "kind": info.kind}[name]


def title_matches(found: str, expected: str) -> bool:
    """Same title up to spacing, punctuation and traditional forms, a corpus tag like "(十二大)" or a year
    the corpus put in front; a found title that is the expected one's main part (or its subtitle's) counts."""
    want = _comparable(re.sub(r"\s*[（(][^）)]*[）)]\s*$", "", expected))
    main = _comparable(found.split("——")[0])
    whole = _comparable(found)
    if not main:
        return False
    if main in want or want in whole:
        return True
    return difflib.SequenceMatcher(None, main, want).ratio() >= TITLE_RATIO


def _comparable(text: str) -> str:
    return re.sub(r"[\W_]+", "", for_search(text))


def score(item: Scored) -> Scored:
    expected = item.expected
    for name in FIELDS:
        want = getattr(expected, name)
        got = item.found(name)
        if want is None:
            item.verdicts[name] = "extra" if got and name != "date" else "none"
        elif not got:
            item.verdicts[name] = "miss"
        elif name == "title":
            item.verdicts[name] = "hit" if title_matches(got, want) else "wrong"
        elif name == "issuer":
            item.verdicts[name] = "hit" if any(word in got for word in want) else "wrong"
        elif name == "date":
            item.verdicts[name] = "hit" if got.startswith(want) else "wrong"
        else:
            item.verdicts[name] = "hit" if got == want else "wrong"
    return item


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def provincial(shared: Path) -> Iterator[Scored]:
    base = shared / PROVINCIAL
    for record in _records(base / "corpus.jsonl"):
        region = record["region"]
        core = re.sub(r"(?:省|市|自治区)$", "", region)
        expected = Expected(record["title"], (f"{core}",), None, str(record["date"]), "报告")
        doc = read_document(base / "original" / "docx" / record["file"], options=ReadOptions(ocr=False))
        item = score(Scored("provincial", record["file"], expected, doc))
        if item.verdicts["issuer"] == "hit" and not (item.found("issuer") or "").endswith("人民政府"):
            item.verdicts["issuer"] = "wrong"  # a region's work report speaks for its 人民政府
        yield item


_GOV_KINDS = {"gwr_report": "报告", "npc_resolution": "决议", "cpc_congress_report": "报告"}


def _gov_issuer(record: dict) -> tuple[str, ...]:
    if record["type"] == "gwr_report":
        return ("国务院",)
    if record["type"] == "npc_resolution":
        return ("全国人民代表大会",)
    if record.get("congress") == 1:  # the first congress heard reports of the local groups
        return (re.sub(r"\s*\(.*\)$", "", record["title"]).removesuffix("的报告").removesuffix("報告"),)
    return ("中央委员会",)


def gov(shared: Path, folder: Path) -> Iterator[Scored]:
    """Each record's text as a UTF-8 .txt named by its id, read like any imported file."""
    for record in _records(shared / GOV / "corpus.jsonl"):
        path = folder / f"{record['id']}.txt"
        path.write_text(record["text"], encoding="utf-8")
        expected = Expected(
            record["title"], _gov_issuer(record), None, str(record["date"]), _GOV_KINDS[record["type"]]
        )
        yield score(Scored(record["type"], record["id"], expected, read_document(path)))


def pdfs(shared: Path, names: set[str] | None = None) -> Iterator[Scored]:
    base = shared / PDFS
    for record in _records(base / "manifest.jsonl"):
        if names is not None and record["file"] not in names:
            continue
        facts = PDF_FACTS.get(record["file"], {})
        expected = Expected(None, None, None, facts.get("date"), None)
        doc = read_document(base / "original" / record["file"], options=ReadOptions(ocr=False))
        yield score(Scored("pdf", record["file"], expected, doc))


def evaluate(shared: Path, *, with_pdfs: bool = True) -> list[Scored]:
    with tempfile.TemporaryDirectory() as folder:
        items = [*provincial(shared), *gov(shared, Path(folder))]
    if with_pdfs:
        items.extend(pdfs(shared))
    return items


GROUPS = (
    ("provincial", "31省区市政府工作报告（DOCX）"),
    ("gwr_report", "国务院政府工作报告（TXT）"),
    ("npc_resolution", "全国人大关于政府工作报告的决议（TXT）"),
    ("cpc_congress_report", "党的全国代表大会报告（TXT）"),
    ("pdf", "PDF样本（期刊、报纸、图书）"),
)


def counts(items: list[Scored], corpus: str, name: str) -> dict[str, int]:
    found: dict[str, int] = {"hit": 0, "miss": 0, "wrong": 0, "extra": 0, "none": 0}
    for item in items:
        if item.corpus == corpus:
            found[item.verdicts[name]] += 1
    return found


def cell(c: dict[str, int]) -> str:
    expected = c["hit"] + c["miss"] + c["wrong"]
    text = f"{c['hit']}/{expected}" if expected else "—"
    notes = [f"错{c['wrong']}" for _ in [0] if c["wrong"]] + [f"多出{c['extra']}" for _ in [0] if c["extra"]]
    return text + (f"（{'，'.join(notes)}）" if notes else "")


def reasons(items: list[Scored]) -> list[str]:
    """Misses per corpus and field, split by whether the document's opening states the part at all."""
    rows = ["| 语料 | 项 | 未识别 | 其中开头无此项 | 识别错误 |", "|---|---|---:|---:|---:|"]
    for corpus, label in GROUPS:
        for name in FIELDS:
            missed = [i for i in items if i.corpus == corpus and i.verdicts[name] == "miss"]
            wrong = sum(1 for i in items if i.corpus == corpus and i.verdicts[name] == "wrong")
            if missed or wrong:
                absent = sum(1 for i in missed if not in_text(i, name))
                rows.append(f"| {label} | {LABELS[name]} | {len(missed)} | {absent} | {wrong} |")
    return rows


def table(items: list[Scored]) -> list[str]:
    rows = [
        "| 语料 | 文档数 | " + " | ".join(LABELS[name] for name in FIELDS) + " |",
        "|---|---:|" + "---:|" * len(FIELDS),
    ]
    for corpus, label in GROUPS:
        n = sum(1 for item in items if item.corpus == corpus)
        if n:
            rows.append(f"| {label} | {n} | " + " | ".join(cell(counts(items, corpus, f)) for f in FIELDS) + " |")
    return rows


def in_text(item: Scored, name: str) -> bool:
    """Whether the document's opening states what the manifest expects at all: a line among its first ten
    that carries the title (for the kind: the title's last word); the issuer in its first 2,000 characters;
    a full date of the expected year in its first ten lines or last five."""
    want = getattr(item.expected, name)
    lines = item.doc.text.split("\n")
    if name in ("title", "kind"):
        title = re.sub(r"\s*[（(][^）)]*[）)]\s*$", "", item.expected.title or "")
        core = re.sub(r"^\d{4}年", "", _comparable(title))
        return bool(core) and any(
            core[-8:] in _comparable(line) and len(line) <= 1.5 * len(title) + 10 and not line.endswith("。")
            for line in lines[:10]
        )
    if name == "issuer":
        return any(word in for_search(item.doc.text[:2000]) for word in want)
    if name == "date":
        ends = lines[:10] + lines[-5:]
        return any(d.startswith(want[:4]) and p == 3 for line in ends for _, d, p in find_dates(line))
    return False


def details(items: list[Scored]) -> list[str]:
    """Every document with a miss, a wrong or an extra part: what was expected, what was found, and
    whether the document's opening contains the expected part at all."""
    rows = ["| 文档 | 项 | 清单 | 识别结果 | 开头有无 |", "|---|---|---|---|---|"]
    for item in items:
        for name in FIELDS:
            verdict = item.verdicts[name]
            if verdict in ("miss", "wrong", "extra"):
                want = getattr(item.expected, name)
                shown = "、".join(want) if isinstance(want, tuple) else (want or "（无）")
                got = item.found(name) or "（未识别）"
                source = item.doc.metadata.get("date_source", "") if name == "date" else ""
                rows.append(
                    f"| {item.name} | {LABELS[name]}{'（' + verdict + '）'} | {shown[:30]} "
                    f"| {got[:40]}{'（来源：' + source + '）' if source else ''} "
                    f"| {'有' if verdict != 'extra' and in_text(item, name) else '无'} |"
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="共享数据目录")
    parser.add_argument("--no-pdf", action="store_true", help="不读PDF样本（两本书约需20秒）")
    parser.add_argument("--details", action="store_true", help="列出每一处未识别、识别错误和多出的项")
    args = parser.parse_args(argv)
    if not (args.shared / PROVINCIAL).is_dir():
        print(f"找不到评测数据：{args.shared / 'eval/dev'}", file=sys.stderr)
        return 1
    items = evaluate(args.shared, with_pdfs=not args.no_pdf)
    print("\n".join(table(items)))
    print()
    print("\n".join(reasons(items)))
    if args.details:
        print()
        print("\n".join(details(items)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
