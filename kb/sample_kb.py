"""The bundled sample knowledge base: original readings and minutes shipped in kb/sample/corpus."""

from __future__ import annotations

from pathlib import Path

SAMPLE_CORPUS = Path(__file__).with_name("sample") / "corpus"
SAMPLE_TAG = "示例"


def build_sample(kb, progress=None):
    """Ingest the sample corpus (a no-op when it is already in); returns the ingest report."""
    return kb.ingest([SAMPLE_CORPUS], tags=[SAMPLE_TAG], progress=progress)
