"""Options for reading files (re-exported by ingest.pipeline)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    """How files are read: a size limit, and whether to OCR pages that have no text layer."""

    max_bytes: int = 200 * 1024 * 1024
    ocr: bool | None = None  # None: OCR when the kb[ocr] extra is installed; False: never
