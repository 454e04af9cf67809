"""Generators of small test files (PDF, scanned PDF, DOCX, HTML, text) and a sample of session minutes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed
WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei

MINUTES_SAMPLE = """中共清河县委理论学习中心组2024年第3次集体学习会议纪要

时间：2024年3月18日上午9:00
地点：县委常委会议室
主持人：张建华（县委书记）
参加人员：张建华、李明、王芳、刘强、陈静、赵国栋、孙丽
列席人员：县委办公室、县委宣传部负责同志
记录人：周敏
学习主题：深入学习贯彻党的二十届三中全会精神

一、学习内容
会议集中学习了党的二十届三中全会公报和《中共中央关于进一步全面深化改革、推进中国式现代化的决定》。
会议观看了专题辅导视频。

二、发言摘要
张建华同志：党的二十届三中全会是在新时代新征程上召开的一次十分重要的会议。我们要把学习贯彻全会精神作为当前和今后一个时期的重大政治任务。
要坚持学用结合，推动改革举措落地见效。
李明同志：要聚焦经济体制改革这个重点，持续优化营商环境，激发各类经营主体活力。
王芳同志：要把全会精神落实到民生领域，办好教育、医疗、养老等群众身边的实事。

三、下步要求
会议要求，各级党组织要迅速掀起学习宣传贯彻全会精神的热潮。
"""

MINUTES_EXPECTED = {
    "date": "2024-03-18",
    "location": "县委常委会议室",
    "host": "张建华",
    "attendees": ("张建华", "李明", "王芳", "刘强", "陈静", "赵国栋", "孙丽"),
    "recorder": "周敏",
    "theme": "深入学习贯彻党的二十届三中全会精神",
    "speakers": ("张建华", "李明", "王芳"),
}


def wrap(text: str, width: int) -> list[str]:
    """Cut a paragraph into lines of `width` characters, as a layout program would."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    header: str | None = None,
    page_numbers: bool = False,
    title: str | None = None,
    font_size: float = 12,
    indent: Sequence[bool] | None = None,
    encrypt: str | None = None,
    owner_password: str | None = None,
) -> Path:
    """A Chinese PDF with one line of text per item of each page; optionally a running header and a
    centred page number at the foot of every page, a metadata title, a user or owner password."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    protection = None
    if encrypt or owner_password:
        protection = pdfencrypt.StandardEncryption(encrypt or "", ownerPassword=owner_password)
    c = canvas.Canvas(str(path), encrypt=protection)
    if title:
        c.setTitle(title)
    for number, lines in enumerate(pages, start=1):
        if header:
            c.setFont(CJK_FONT, 9)
            c.drawString(72, 800, header)
        c.setFont(CJK_FONT, font_size)
        y = 770
        for i, line in enumerate(lines):
            x = 72 + (2 * font_size if indent and indent[i] else 0)
            c.drawString(x, y, line)
            y -= font_size * 1.6
        if page_numbers:
            c.setFont(CJK_FONT, 9)
            c.drawCentredString(297, 40, f"- {number} -")
        c.showPage()
    c.save()
    return path


def make_titled_pdf(path: Path, title: str, body: Sequence[str]) -> Path:
    """A one-page PDF whose first line is a large title above body lines (no metadata title)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    c = canvas.Canvas(str(path))
    c.setFont(CJK_FONT, 22)
    c.drawString(72, 760, title)
    c.setFont(CJK_FONT, 11)
    for i, line in enumerate(body):
        c.drawString(72, 720 - 18 * i, line)
    c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path, lines: Sequence[str], *, font_size: int = 40) -> Path:
    """A PDF page that is only an image of Chinese text (no text layer), like a scan."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(WQY_FONT), font_size, index=0)
    image = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((100, 150 + i * 2 * font_size), line, fill="black", font=font)
    image.save(path, "PDF", resolution=150)
    return path


def make_docx(
    path: Path,
    blocks: Sequence[tuple[str, object]],
    *,
    title: str | None = None,
    author: str | None = None,
) -> Path:
    """A DOCX from blocks: ("h1".."h3", text) headings by style, ("p", text) paragraphs,
    ("table", [[cell, ...], ...]) tables."""
    import docx

    document = docx.Document()
    for kind, content in blocks:
        if kind.startswith("h"):
            document.add_heading(str(content), level=int(kind[1:]))
        elif kind == "p":
            document.add_paragraph(str(content))
        elif kind == "table":
            rows = list(content)  # type: ignore[call-overload]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for col, cell in enumerate(row):
                    table.cell(r, col).text = cell
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    document.save(str(path))
    return path


def make_html(path: Path, body: str, *, title: str = "", charset: str = "utf-8") -> Path:
    """An HTML page with navigation, a script and a footer around `body` (which should survive)."""
    page = f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>
<script>var tracking = "不应出现的脚本";</script><style>body {{ color: red; }}</style></head>
<body><nav><a href="/">首页</a> | <a href="/news">新闻中心</a></nav>
<header>网站页眉 不应出现</header>
{body}
<footer>版权所有 不应出现的页脚</footer></body></html>"""
    path.write_bytes(page.encode(charset))
    return path


def write_text(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path
