"""What near-duplicate detection adds to an import, on the 31 provincial reports in ../shared (DOCX):
reading, signatures, LSH look-ups and inserts, and a whole import with the hash-64 encoder, measured in
one run on this machine. docs/ingest.md ("Near-duplicates") reports its output.

    python scripts/twins_import_cost.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from index.hashing import HashingEncoder
from ingest.pipeline import read_document
from ingest.twins import TwinIndex
from kb.library import KnowledgeBase

REPORTS = Path("eval/dev/corpus-provincial-gwr-2025-docx/original/docx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    files = sorted((Path(parser.parse_args().shared) / REPORTS).glob("*.docx"))
    if not files:
        raise SystemExit("../shared 中没有省级政府工作报告（eval/dev/corpus-provincial-gwr-2025-docx）")
    started = time.perf_counter()
    docs = [read_document(f) for f in files]
    read = time.perf_counter() - started
    started = time.perf_counter()
    signatures = [d.signature for d in docs]
    sign = time.perf_counter() - started
    index = TwinIndex()
    started = time.perf_counter()
    found = 0
    for n, signature in enumerate(signatures):
        found += index.nearest(signature) is not None
        index.add(n, signature)
    lsh = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as data, KnowledgeBase(data, encoder=HashingEncoder(64)) as kb:
        started = time.perf_counter()
        report = kb.ingest(files)
        whole = time.perf_counter() - started
    print(f"{len(files)} reports: read {read:.2f} s, signatures {sign:.2f} s, LSH look-ups and inserts {lsh:.3f} s "
          f"({found} twins), whole import with hash-64 {whole:.2f} s ({len(report.near_duplicates)} linked)")


if __name__ == "__main__":
    main()
