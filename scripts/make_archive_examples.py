"""Regenerate the study-record examples in docs/examples/ from the bundled sample's 2025 archive: the
archive volume (DOCX, PDF), the assessment table (XLSX, CSV), the 学习情况通报 (DOCX), and PNGs of the
volume's first pages and of the assessment sheet.

Usage: python scripts/make_archive_examples.py [--data /tmp/kb-archive-examples] [--model hash-64]
The exports hold facts and counts only, so any model gives the same files (the sample's plan themes
match their sessions' theme lines word for word); hash-64 needs no model files and is fast.
Needs LibreOffice (`soffice`) and poppler-utils (`pdftoppm`) for the PNGs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from render_previews import _need, docx_to_pdf

from kb.export import write_file
from kb.library import KnowledgeBase
from kb.sample_kb import build_sample

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"
YEAR = 2025
SOFFICE_TIMEOUT = 180


def pages_png(pdf: Path, stem: Path, first: int, last: int, dpi: int = 70) -> list[Path]:
    """PNGs of pages first..last of pdf, named <stem>-<n>.png."""
    subprocess.run([_need("pdftoppm", "poppler-utils"), "-png", "-r", str(dpi), "-f", str(first), "-l", str(last),
                    str(pdf), str(stem)], check=True, capture_output=True, timeout=120)
    return sorted(stem.parent.glob(f"{stem.name}-*.png"))


def sheet_png(xlsx: Path, png: Path, dpi: int = 80) -> Path:
    """The first sheet of a workbook as LibreOffice prints it, page 1, as PNG."""
    soffice = _need("soffice", "libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory(prefix="kb-soffice-") as profile, \
            tempfile.TemporaryDirectory(prefix="kb-sheet-") as out:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", out, str(xlsx)], check=True, capture_output=True, timeout=SOFFICE_TIMEOUT)
        pdf = Path(out) / (xlsx.stem + ".pdf")
        subprocess.run([_need("pdftoppm", "poppler-utils"), "-png", "-r", str(dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(pdf), str(png.with_suffix(""))], check=True, capture_output=True,
                       timeout=120)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/kb-archive-examples"))
    parser.add_argument("--model", default="hash-64")
    parser.add_argument("--no-previews", action="store_true", help="skip the PNGs (no LibreOffice)")
    args = parser.parse_args(argv)
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    with KnowledgeBase(args.data, model=args.model) as kb:
        build_sample(kb)
        a = kb.assessment
        written = [
            write_file(a.export_volume(YEAR, "docx"), EXAMPLES / f"archive-volume-{YEAR}.docx"),
            write_file(a.export_volume(YEAR, "pdf"), EXAMPLES / f"archive-volume-{YEAR}.pdf"),
            write_file(a.export_table(YEAR, "xlsx"), EXAMPLES / f"assessment-{YEAR}.xlsx"),
            write_file(a.export_table(YEAR, "csv"), EXAMPLES / f"assessment-{YEAR}.csv"),
            write_file(a.export_bulletin(YEAR), EXAMPLES / f"bulletin-{YEAR}.docx"),
        ]
    if not args.no_previews:
        for old in EXAMPLES.glob("archive-volume-page-*.png"):
            old.unlink()
        written += pages_png(EXAMPLES / f"archive-volume-{YEAR}.pdf", EXAMPLES / "archive-volume-page", 1, 3)
        written.append(sheet_png(EXAMPLES / f"assessment-{YEAR}.xlsx", EXAMPLES / f"assessment-{YEAR}-xlsx.png"))
        with tempfile.TemporaryDirectory(prefix="kb-bulletin-") as tmp:
            pdf = docx_to_pdf(EXAMPLES / f"bulletin-{YEAR}.docx", Path(tmp))
            written += pages_png(pdf, EXAMPLES / f"bulletin-{YEAR}-docx", 1, 1)
    for path in written:
        print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
