"""Optional OCR of PDF pages without a text layer (the kb[ocr] extra: rapidocr-onnxruntime + pypdfium2)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

INSTALL_HINT = 'pip install -e ".[ocr]"'
RENDER_SCALE = 2.0  # 144 dpi: small Chinese print stays legible to the recogniser
MIN_SCORE = 0.5  # boxes the recogniser is less sure of are mostly noise (stamps, lines, specks)


def ocr_available() -> bool:
    """Whether the OCR extra is installed (checked without importing the heavy packages)."""
    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr_onnxruntime", "pypdfium2"))


@lru_cache(maxsize=1)
def _engine() -> Any:  # rapidocr_onnxruntime.RapidOCR (untyped)
    from rapidocr_onnxruntime import RapidOCR  # ships its own Chinese PP-OCR models: no download

    return RapidOCR()


def ocr_pdf_pages(
    data: bytes, indexes: Iterable[int], before_page: Callable[..., None] = lambda page: None
) -> dict[int, list[str]]:
    """Render the given 0-based pages of a PDF and recognise their text, as lines top to bottom;
    `before_page(page=number)` runs before each page (the reader's time budget check)."""
    import numpy as np
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        lines: dict[int, list[str]] = {}
        for index in indexes:
            before_page(page=index + 1)
            page = document[index]
            try:
                image = page.render(scale=RENDER_SCALE).to_pil().convert("RGB")
            finally:
                page.close()
            result, _ = _engine()(np.asarray(image))
            lines[index] = _lines_from_boxes(result or [])
        return lines
    finally:
        document.close()


def _lines_from_boxes(result: list) -> list[str]:
    """Group recognised boxes into visual lines (boxes whose vertical centres are close), left to right."""
    boxes = []
    for box, text, score in result:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        ys = [point[1] for point in box]
        xs = [point[0] for point in box]
        boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), str(text)))
    boxes.sort()
    lines: list[list[tuple[float, str]]] = []
    last_centre, last_height = None, 0.0
    for centre, height, left, text in boxes:
        if last_centre is not None and abs(centre - last_centre) < 0.5 * max(height, last_height):
            lines[-1].append((left, text))
        else:
            lines.append([(left, text)])
            last_centre, last_height = centre, height
    return [" ".join(text for _, text in sorted(line)) for line in lines]
