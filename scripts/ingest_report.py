"""Read the shared DOCX and PDF sample corpora; report characters extracted per file against their references."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import peak_rss_mb  # noqa: E402
from ingest.normalize import for_search  # noqa: E402
from ingest.pipeline import ReadOptions, read_document  # noqa: E402
from ingest.types import Document  # noqa: E402

DOCX_DIR = Path("eval/dev/corpus-provincial-gwr-2025-docx")
PDF_DIR = Path("eval/dev/corpus-pdf-samples")


def comparable(text: str) -> str:
    """Text reduced to what extraction must preserve: no whitespace or format characters, search-folded."""
    return "".join(c for c in for_search(text) if not c.isspace() and unicodedata.category(c) != "Cf")


def non_space(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def read_timed(path: Path, options: ReadOptions) -> tuple[Document, float]:
    started = time.perf_counter()
    doc = read_document(path, options=options)
    return doc, time.perf_counter() - started


def docx_rows(shared: Path, options: ReadOptions) -> list[str]:
    base = shared / DOCX_DIR
    references = {}
    for line in (base / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        references[record["file"]] = record["text"]
    rows = ["| 文件 | 参考字数 | 提取字数 | 非空白字数比 | 内容一致 | 秒 |", "|---|---:|---:|---:|:---:|---:|"]
    total_time = 0.0
    for path in sorted((base / "original" / "docx").glob("*.docx")):
        doc, seconds = read_timed(path, options)
        total_time += seconds
        reference = references[path.name]
        same = comparable(doc.text) == comparable(reference)
        ratio = non_space(doc.text) / max(non_space(reference), 1)
        rows.append(
            f"| {path.name} | {len(reference):,} | {len(doc.text):,} | {ratio:.4f} | {'是' if same else '否'} "
            f"| {seconds:.2f} |"
        )
    rows.append(f"\n共 {len(rows) - 2} 个DOCX，读取总耗时 {total_time:.2f} 秒。")
    return rows


def pdf_rows(shared: Path, options: ReadOptions) -> list[str]:
    base = shared / PDF_DIR
    manifest = {}
    for line in (base / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        manifest[record["file"]] = record
    rows = [
        "| 文件 | 页数 | 参考字数(pypdf) | 提取字数 | 文字层非空白字数 | 提取非空白字数 | 删除页眉页脚页码行 "
        "| 标题 | 日期 | 秒 | 峰值内存MB | 提示 |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---|",
    ]
    for path in sorted((base / "original").iterdir()):
        reference = manifest[path.name]
        doc, seconds = read_timed(path, options)
        notes = "；".join(re.sub(r"（如.*?）", "", w) for w in doc.warnings) or "—"
        layer = int(doc.metadata.get("text_layer_chars", 0))
        rows.append(
            f"| {path.name} | {len(doc.pages)} | {reference['pypdf_chars']:,} | {len(doc.text):,} "
            f"| {layer:,} | {non_space(doc.text):,} | {doc.metadata.get('running_lines_removed', '—')} "
            f"| {doc.title[:24]} | {doc.date or '—'} | {seconds:.1f} | {peak_rss_mb():.0f} | {notes} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="共享数据目录")
    parser.add_argument("--ocr", action="store_true", help="对无文字层的页面做OCR（默认关闭）")
    args = parser.parse_args(argv)
    if not (args.shared / DOCX_DIR).is_dir() or not (args.shared / PDF_DIR).is_dir():
        print(f"找不到评测数据：{args.shared / 'eval/dev'}", file=sys.stderr)
        return 1
    options = ReadOptions(ocr=None if args.ocr else False)
    print("## DOCX（对照 corpus.jsonl）\n")
    print("\n".join(docx_rows(args.shared, options)))
    print("\n## PDF（对照 manifest.jsonl 中 pypdf 的原始提取字数）\n")
    print("\n".join(pdf_rows(args.shared, options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
