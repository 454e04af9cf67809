"""Real text for the benchmark: the evaluation corpus in ../shared when present, else the bundled sample."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest.chunker import ChunkerConfig, chunk_document
from ingest.types import Document
from kb.sample_kb import SAMPLE_CORPUS

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCX_SET = Path("corpus-provincial-gwr-2025-docx/original/docx")
PDF_SET = Path("corpus-pdf-samples/original")
SMALL_PDF_BYTES = 512 * 1024  # the 8-page articles; the 300- and 800-page books would dominate the run
# Plain-text corpora that widen the vocabulary the synthetic chunks are drawn from.
TEXT_SETS = ("corpus-gov-work-reports", "corpus-xi-speeches-12371", "corpus-mao-selected-works")
PASSAGE_CHARS = 280


def shared_eval_dir(repo_root: Path = REPO_ROOT) -> Path | None:
    """../shared/eval/dev next to the repository, or None when this checkout has none."""
    path = repo_root.parent / "shared" / "eval" / "dev"
    return path if (path / DOCX_SET).is_dir() else None


@dataclass(frozen=True)
class Corpus:
    """The files the ingest measurements read, and where they come from."""

    label: str
    paths: tuple[Path, ...]
    shared: Path | None  # the evaluation folder, when that is the source


def bench_corpus(shared: Path | None) -> Corpus:
    """Provincial work reports (DOCX) and small PDFs from `shared`; the sample corpus without it."""
    if shared is None:
        files = sorted(p for p in SAMPLE_CORPUS.rglob("*") if p.is_file())
        return Corpus("示例语料 kb/sample/corpus", tuple(files), None)
    docx = sorted((shared / DOCX_SET).glob("*.docx"))
    pdfs = sorted(p for p in (shared / PDF_SET).iterdir() if p.suffix.lower() == ".pdf"
                  and p.stat().st_size <= SMALL_PDF_BYTES)
    label = f"../shared/eval/dev：{DOCX_SET.parts[0]} {len(docx)} 个 DOCX + {PDF_SET.parts[0]} {len(pdfs)} 个小 PDF"
    return Corpus(label, tuple(docx + pdfs), shared)


def chunk_sizes(documents: list[Document], config: ChunkerConfig) -> list[int]:
    """Characters per chunk when the chunker cuts these documents: the sizes synthetic chunks copy."""
    return [len(chunk.text) for doc in documents for chunk in chunk_document(doc, config)]


def extra_texts(shared: Path | None, max_chars: int) -> list[tuple[str, str]]:
    """(title, text) from the plain-text corpora in `shared`, up to about max_chars characters."""
    out: list[tuple[str, str]] = []
    if shared is None:
        return out
    total = 0
    for name in TEXT_SETS:
        path = shared / name / "corpus.jsonl"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as f:
            for line in f:
                if total >= max_chars:
                    return out
                record = json.loads(line)
                text = record.get("text") or ""
                out.append((record.get("title") or "", text))
                total += len(text)
    return out


def passages(texts: list[str], count: int, chars: int = PASSAGE_CHARS) -> list[str]:
    """`count` passages of `chars` characters cut one after another from the texts (whitespace removed)."""
    out: list[str] = []
    for text in texts:
        flat = "".join(text.split())
        out += [flat[i : i + chars] for i in range(0, len(flat) - chars + 1, chars)]
        if len(out) >= count:
            return out[:count]
    if not out:
        raise ValueError("语料中没有足够长的文字，无法切出测速段落。")
    return (out * (count // len(out) + 1))[:count]  # a small corpus repeats its passages
