"""Convert the shared DOCX reports to .doc/.wps (LibreOffice) and the shared PDF samples to OFD (easyofd),
read every converted file, and report its text against the original's and the reading time.

There are no real .doc/.wps/OFD files in ../shared, so the third-party converters make them. Needs
`soffice` (Debian libreoffice-writer-nogui) and the test extra (easyofd); a missing converter skips
its part. Usage: python scripts/legacy_formats_report.py [--pdf-pages N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.pipeline import ReadOptions, read_document  # noqa: E402

SHARED = REPO.parent / "shared"
DOCX_DIR = SHARED / "eval/dev/corpus-provincial-gwr-2025-docx/original/docx"
PDF_DIR = SHARED / "eval/dev/corpus-pdf-samples/original"
OPTIONS = ReadOptions(ocr=False)


def timed_read(path: Path):
    started = time.perf_counter()
    doc = read_document(path, options=OPTIONS)
    return doc, time.perf_counter() - started


def libreoffice(sources: list[Path], target: str, outdir: Path) -> list[Path]:
    program = shutil.which("soffice")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([program, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                        "--outdir", str(outdir), *map(str, sources)], check=True, capture_output=True)
    suffix = "." + target.split(":")[0]
    return [outdir / (source.stem + suffix) for source in sources]


def easyofd(pdf: Path, target: Path) -> float:
    script = ("import sys; from pathlib import Path; from easyofd.ofd import OFD; Path(sys.argv[2]).write_bytes("
              "OFD().pdf2ofd(Path(sys.argv[1]).read_bytes(), optional_text=True))")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-c", script, str(pdf), str(target)], cwd=scratch, check=True,
                       capture_output=True, env={**os.environ, "LOGURU_LEVEL": "WARNING"})
    return time.perf_counter() - started


def word_rows(work: Path) -> list[str]:
    originals = sorted(DOCX_DIR.glob("*.docx"))
    rows = ["| format | files | same text as the DOCX | same headings | read s (all) | DOCX read s (all) |",
            "|---|---:|---:|---:|---:|---:|"]
    docx_docs, docx_seconds = zip(*(timed_read(path) for path in originals), strict=True)
    for target in ("doc:MS Word 97", "wps:MS Word 97"):
        converted = libreoffice(originals, target, work)
        docs, seconds = zip(*(timed_read(path) for path in converted), strict=True)
        same_text = sum(a.text == b.text for a, b in zip(docx_docs, docs, strict=True))
        same_headings = sum([h.title for h in a.headings] == [h.title for h in b.headings]
                            for a, b in zip(docx_docs, docs, strict=True))
        rows.append(f"| .{target[:3]} | {len(docs)} | {same_text} | {same_headings} | {sum(seconds):.2f} "
                    f"| {sum(docx_seconds):.2f} |")
    return rows


def ofd_rows(work: Path, max_pages: int) -> list[str]:
    rows = ["| PDF | pages | convert s | OFD read s | PDF read s | OFD chars | PDF chars | same text |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for pdf in sorted(PDF_DIR.iterdir()):
        from_pdf, pdf_seconds = timed_read(pdf)
        if len(from_pdf.pages) > max_pages:
            continue
        target = work / (pdf.stem + ".ofd")
        convert_seconds = easyofd(pdf, target)
        from_ofd, ofd_seconds = timed_read(target)
        chars = [sum(not c.isspace() for c in doc.text) for doc in (from_ofd, from_pdf)]
        rows.append(f"| {pdf.name} | {len(from_ofd.pages)} | {convert_seconds:.1f} | {ofd_seconds:.2f} | "
                    f"{pdf_seconds:.2f} | {chars[0]:,} | {chars[1]:,} | {from_ofd.text == from_pdf.text} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdf-pages", type=int, default=300, help="skip PDFs with more pages (conversion is slow)")
    parser.add_argument("--keep", type=Path, help="keep the converted files in this folder")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit("../shared is absent")
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        if shutil.which("soffice"):
            print("\n".join(word_rows(work)), end="\n\n")
        else:
            print("soffice not installed: .doc/.wps skipped\n")
        if importlib.util.find_spec("easyofd") is None:
            print("easyofd not installed: OFD skipped")
        else:
            print("\n".join(ofd_rows(work, args.pdf_pages)))


if __name__ == "__main__":
    main()
