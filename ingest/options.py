"""Options for reading files (re-exported by ingest.pipeline): OCR, and the limits on hostile input."""

from __future__ import annotations

from dataclasses import dataclass

_MB = 1024 * 1024


@dataclass(frozen=True)
class ReadOptions:
    """How files are read. The limits keep one hostile or absurd file from stalling an import or
    exhausting memory; a file over any of them is skipped with its reason (docs/ingest.md, "Limits")."""

    max_bytes: int = 200 * _MB  # the file itself
    ocr: bool | None = None  # None: OCR when the kb[ocr] extra is installed; False: never
    # Zip containers (DOCX, OFD), checked from the central directory before anything is unpacked.
    max_zip_entries: int = 10_000
    max_zip_entry_bytes: int = 256 * _MB  # one entry, unpacked
    max_unpacked_bytes: int = 512 * _MB  # all entries, unpacked
    max_compression_ratio: float = 100.0  # unpacked / packed, for an entry of at least ratio_floor_bytes
    ratio_floor_bytes: int = 8 * _MB  # smaller entries may compress as well as they like
    # Work per file, checked as the reader goes.
    max_paragraphs: int = 200_000
    max_pages: int = 5_000
    max_seconds: float = 300.0
