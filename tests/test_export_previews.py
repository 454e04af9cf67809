"""scripts/render_previews.py: the first page of a PDF (and, slowly, a DOCX) becomes a PNG with ink on it."""

import shutil
from pathlib import Path

import pytest
from conftest import load_script
from PIL import Image

from kb.export import export_list
from kb.export.demo import demo_list


def _ink(png: Path) -> float:
    """Share of pixels that are clearly darker than the white page."""
    gray = Image.open(png).convert("L")
    histogram = gray.histogram()
    return sum(histogram[:160]) / (gray.width * gray.height)


def test_pdf_preview_has_ink(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("未安装 poppler-utils（pdftoppm）")
    pdf = export_list(demo_list(), "pdf", tmp_path / "demo.pdf")
    png = load_script("render_previews").preview(pdf, tmp_path / "out", dpi=40)
    assert png == tmp_path / "out" / "demo-pdf.png"
    assert Image.open(png).size[0] > 200
    assert _ink(png) > 0.005


@pytest.mark.slow
def test_docx_preview_through_libreoffice_has_ink(tmp_path):
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        pytest.skip("未安装 LibreOffice（soffice）或 poppler-utils（pdftoppm）")
    docx = export_list(demo_list(), "docx", tmp_path / "demo.docx")
    png = load_script("render_previews").preview(docx, tmp_path / "out", dpi=40)
    assert _ink(png) > 0.005
