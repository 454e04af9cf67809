"""Two `kb ingest` processes at once, on different folders and on the same one: both finish, every
document is stored once and searchable, and `kb check` passes. On both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kb.library import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
MODEL = "hash-64"  # the tests' encoder, opened by name in every process


def write_folder(folder: Path, prefix: str, count: int) -> list[str]:
    """`count` small documents, each with a word of its own (returned) to search for."""
    folder.mkdir(parents=True, exist_ok=True)
    words = []
    for i in range(count):
        word = f"{prefix}专题{i:02d}号"
        (folder / f"{prefix}材料{i:02d}.txt").write_text(
            f"{prefix}学习材料第{i}篇\n\n关于{word}的学习体会。" + f"{prefix}第{i}篇的具体论述内容。" * 20,
            encoding="utf-8")
        words.append(word)
    return words


def kb_ingest(location, *folders: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kb.cli", "ingest", *map(str, folders), "--data", str(location)],
                            cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_ingest_processes_on_different_and_the_same_folders(kb_location, tmp_path):
    words = {name: write_folder(tmp_path / name, name, 12) for name in ("甲", "乙", "共")}
    with KnowledgeBase(kb_location, model=MODEL) as kb:  # the knowledge base records the tests' model
        kb.ingest([tmp_path / "甲" / "甲材料00.txt"])
    first = kb_ingest(kb_location, tmp_path / "甲", tmp_path / "共")
    second = kb_ingest(kb_location, tmp_path / "共", tmp_path / "乙")
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err and out.startswith("导入完成")
    with KnowledgeBase(kb_location, model=MODEL) as kb:
        docs = kb.documents()
        assert len(docs) == 36 and len({d.path for d in docs}) == 36  # each stored once
        report = kb.check()
        assert report.ok, report.problems
        assert report.counts["chunks_without_vectors"] == 0
        for word in (w for group in words.values() for w in group):
            hits = kb.search(word, k=1, retriever="keyword")
            assert hits and word in hits[0].text, word
