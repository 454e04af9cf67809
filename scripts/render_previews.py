"""Render the first page of DOCX/PDF exports to PNG, for docs screenshots and eyeballing CJK output.

Usage:
    python scripts/render_previews.py FILE.docx FILE.pdf ... [--out-dir DIR] [--dpi 80]
    python scripts/render_previews.py --demo DIR      # export an invented list and plan, then preview them

Needs LibreOffice (`soffice`, Debian: libreoffice-writer-nogui) for DOCX and poppler-utils
(`pdftoppm`) for every file.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kb.export import export_list, export_plan
from kb.export.demo import demo_list, demo_plan

SOFFICE_TIMEOUT = 180


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"错误: 找不到 {tool}，请先安装 {package}（Debian: apt-get install -y {package}）")
    return path


def docx_to_pdf(docx: Path, out_dir: Path) -> Path:
    """Convert with LibreOffice headless; a private profile keeps it clear of any running instance."""
    soffice = _need("soffice", "libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="kb-soffice-") as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out_dir), str(docx)],
            check=True, capture_output=True, timeout=SOFFICE_TIMEOUT,
        )
    pdf = out_dir / (docx.stem + ".pdf")
    if not pdf.exists():
        sys.exit(f"错误: LibreOffice 未能转换 {docx}")
    return pdf


def first_page_png(pdf: Path, png: Path, dpi: int = 80) -> Path:
    """Rasterise page 1 of pdf to png with pdftoppm."""
    pdftoppm = _need("pdftoppm", "poppler-utils")
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         str(pdf), str(png.with_suffix(""))],
        check=True, capture_output=True, timeout=120,
    )
    return png


def preview(path: Path, out_dir: Path, dpi: int = 80) -> Path:
    """PNG of the first page of a .docx or .pdf, written to out_dir as <stem>-<suffix>.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{path.stem}-{path.suffix.lstrip('.').lower()}.png"
    if path.suffix.lower() == ".docx":
        with tempfile.TemporaryDirectory(prefix="kb-preview-") as tmp:
            return first_page_png(docx_to_pdf(path, Path(tmp)), png, dpi)
    if path.suffix.lower() == ".pdf":
        return first_page_png(path, png, dpi)
    sys.exit(f"错误: 只能预览 .docx 或 .pdf 文件：{path}")


def demo(out_dir: Path, dpi: int) -> list[Path]:
    """Export a small invented reading list and year plan as DOCX and PDF, and preview each."""
    lst, plan = demo_list(), demo_plan()
    files = [
        export_list(lst, "docx", out_dir / "demo-list.docx"),
        export_list(lst, "pdf", out_dir / "demo-list.pdf"),
        export_plan(plan, "docx", out_dir / "demo-plan.docx"),
        export_plan(plan, "pdf", out_dir / "demo-plan.pdf"),
    ]
    return [preview(path, out_dir, dpi) for path in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把 DOCX/PDF 导出文件的第一页渲染为 PNG 预览图")
    parser.add_argument("files", nargs="*", type=Path, help=".docx 或 .pdf 文件")
    parser.add_argument("--out-dir", type=Path, default=Path("."), help="PNG 输出目录（默认当前目录）")
    parser.add_argument("--dpi", type=int, default=80, help="分辨率（默认 80）")
    parser.add_argument("--demo", type=Path, metavar="DIR", help="在 DIR 中导出示例清单和计划并生成预览")
    args = parser.parse_args(argv)
    if not args.files and args.demo is None:
        parser.error("请给出要预览的文件，或使用 --demo DIR")
    pngs = demo(args.demo, args.dpi) if args.demo is not None else []
    pngs += [preview(path, args.out_dir, args.dpi) for path in args.files]
    for png in pngs:
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
