"""Reader registry: file suffix -> function(path, data, options, budget) -> Extracted. A new format is one
module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.extracted import Extracted
from ingest.limits import Budget
from ingest.options import ReadOptions
from ingest.readers.doc import read_doc
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.ofd import read_ofd
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_markdown, read_text

# A reader spends the file's Budget (time, paragraphs, pages) as it goes; see ingest/limits.py.
Reader = Callable[[Path, bytes, ReadOptions, Budget], Extracted]

# suffix -> (Document.format, reader)
_REGISTRY: dict[str, tuple[str, Reader]] = {
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
    ".doc": ("doc", read_doc),
    ".wps": ("wps", read_doc),
    ".ofd": ("ofd", read_ofd),
    ".txt": ("txt", read_text),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
}
READERS: dict[str, Reader] = {suffix: reader for suffix, (_, reader) in _REGISTRY.items()}
FORMATS: dict[str, str] = {suffix: fmt for suffix, (fmt, _) in _REGISTRY.items()}
