"""Build the sample corpus's DOCX/PDF/GBK files from their text sources and check the sample's fact files."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "kb" / "sample"
SOURCES = SAMPLE / "sources"
CORPUS = SAMPLE / "corpus"
READINGS = CORPUS / "readings"
MINUTES = CORPUS / "minutes"
PRESETS = SAMPLE.parent / "presets.json"
MINUTES_FACTS = SAMPLE / "minutes_facts.json"
READINGS_FACTS = SAMPLE / "readings_facts.json"

# Tried in order; reportlab embeds TrueType outlines only, so CFF-based Noto .ttc/.otf are not listed.
TRUETYPE_CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
FALLBACK_CID_FONT = "STSong-Light"

# Fixed zip entry time so that rebuilding a DOCX gives the same bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Reading:
    """One sample reading: where it lives, how it is stored and which preset theme it serves."""

    file: str
    fmt: str  # docx | pdf | txt | md
    theme: str  # theme id in kb/presets.json
    source: str | None = None  # file under sources/ when the corpus file is generated
    encoding: str = "utf-8"


READING_TABLE = (
    Reading("01-chuangxin-lilun.docx", "docx", "chuangxin_lilun", "01-chuangxin-lilun.md"),
    Reading("02-diaocha-yanjiu.md", "md", "wenti_daoxiang"),
    Reading("03-dangfeng-lianzheng.pdf", "pdf", "dangfeng_lianzheng", "03-dangfeng-lianzheng.md"),
    Reading("04-gaozhiliang-fazhan.txt", "txt", "gaozhiliang_fazhan"),
    Reading("05-jiceng-zhili.docx", "docx", "jiceng_zhili", "05-jiceng-zhili.md"),
    Reading("06-yishixingtai.md", "md", "yishixingtai"),
    Reading("07-dangshi-xuexi.txt", "txt", "dangshi_xuexi", "07-dangshi-xuexi.txt", "gbk"),
    Reading("08-zuofeng-jianshe.pdf", "pdf", "zuofeng_jianshe", "08-zuofeng-jianshe.md"),
    Reading("09-xiangcun-zhenxing.md", "md", "xiangcun_zhenxing"),
    Reading("10-shengtai-wenming.txt", "txt", "shengtai_wenming"),
    Reading("11-xinzhi-shengchanli.txt", "txt", "xinzhi_shengchanli"),
    Reading("12-minsheng-baozhang.md", "md", "minsheng_baozhang"),
)

MINUTES_DOCX_SOURCES = ("2025-10-28-minutes.txt",)


@dataclass(frozen=True)
class Block:
    """One paragraph of a source text: level 0 is body text, 1-3 are heading levels."""

    level: int
    text: str


@dataclass(frozen=True)
class SourceDoc:
    """A reading parsed from its Markdown source: header lines plus body blocks."""

    title: str
    author: str
    date: str
    blocks: tuple[Block, ...]


def text_of(reading: Reading) -> str:
    """Return the UTF-8 text a reading was written in (its source, or the corpus file itself)."""
    path = SOURCES / reading.source if reading.source else READINGS / reading.file
    return path.read_text(encoding="utf-8")


def parse_source(text: str) -> SourceDoc:
    """Split a source into title/author/date and blocks; '#' marks headings, other lines are paragraphs."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0].lstrip("#").strip()
    rest = lines[1:]
    if rest and rest[0].startswith("——"):  # plain-text sources put the subtitle on its own line
        title += rest[0]
        rest = rest[1:]
    author, date, body = rest[0], rest[1], rest[2:]
    blocks = []
    for line in body:
        hashes = len(line) - len(line.lstrip("#"))
        blocks.append(Block(max(hashes - 1, 0), line.lstrip("#").strip()))
    return SourceDoc(title, author, date, tuple(blocks))


def doc_date(date_line: str) -> dt.datetime:
    """Turn a date line such as '2024年5月' or '2024年5月18日' into a fixed datetime."""
    m = re.search(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?", date_line)
    if not m:
        raise ValueError(f"无法识别日期行: {date_line!r}")
    return dt.datetime(int(m[1]), int(m[2]), int(m[3] or 1), 9, 0, 0)


# ---------------------------------------------------------------- DOCX


def _set_east_asian_font(style, name: str) -> None:
    """python-docx sets only the Latin font name; CJK text needs w:eastAsia on rFonts too."""
    from docx.oxml.ns import qn

    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)


def _new_document(title: str, author: str, when: dt.datetime, subject: str):
    """A python-docx Document with CJK fonts on the used styles and fixed core properties."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    styles = document.styles
    _set_east_asian_font(styles["Normal"], "宋体")
    styles["Normal"].font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _set_east_asian_font(styles[name], "黑体")
    props = document.core_properties
    props.title = title
    props.author = author
    props.subject = subject
    props.keywords = "清河县;理论学习中心组;示例语料"
    props.comments = "kb 示例语料，原创虚构内容，可自由使用。"
    props.last_modified_by = author
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    return document


def _save_deterministic(document, target: Path) -> None:
    """Save, then rewrite the zip with fixed entry times so identical input gives identical bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    target.write_bytes(out.getvalue())


def build_reading_docx(source: SourceDoc, target: Path) -> None:
    """Write a reading as DOCX: Title style, centred author/date, Heading 1-3, indented body."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = _new_document(source.title, source.author, doc_date(source.date), "理论学习辅导材料")
    document.add_paragraph(source.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (source.author, source.date):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in source.blocks:
        if block.level:
            document.add_heading(block.text, level=block.level)
        else:
            paragraph = document.add_paragraph(block.text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    _save_deterministic(document, target)


def build_minutes_docx(text: str, target: Path) -> None:
    """Write minutes as DOCX, one paragraph per non-empty line, so the text reads exactly like the .txt."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0]
    when = minutes_date(text)
    document = _new_document(title, "中共清河县委办公室", when, "理论学习中心组会议纪要")
    document.add_paragraph(title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in lines[1:]:
        if re.fullmatch(r"[一二三四五六七八九十]+、.{2,12}", line):
            document.add_heading(line, level=1)
        else:
            document.add_paragraph(line)
    _save_deterministic(document, target)


# ---------------------------------------------------------------- PDF


def register_cjk_font() -> str:
    """Register an installed TrueType CJK font for embedding, else reportlab's built-in CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in TRUETYPE_CJK_FONTS:
        if path.exists():
            pdfmetrics.registerFont(TTFont("SampleCJK", str(path), subfontIndex=0))
            return "SampleCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def build_reading_pdf(source: SourceDoc, target: Path, font: str) -> None:
    """Write a reading as a multi-page A4 PDF with page numbers in the footer and metadata title."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

    def style(name: str, size: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.6, wordWrap="CJK", **kw)

    title_style = style("title", 20, alignment=TA_CENTER, spaceAfter=4)
    subtitle_style = style("subtitle", 14, alignment=TA_CENTER, spaceAfter=10)
    meta_style = style("meta", 12, alignment=TA_CENTER)
    heading_styles = {
        1: style("h1", 15, spaceBefore=12, spaceAfter=6),
        2: style("h2", 13, spaceBefore=8, spaceAfter=4),
        3: style("h3", 12, spaceBefore=6, spaceAfter=2),
    }
    body_style = style("body", 12, firstLineIndent=24, spaceAfter=4)

    main, _, sub = source.title.partition("——")
    # A long two-part title without a subtitle breaks at its space rather than mid-word.
    main_lines = main.split(" ") if len(main) > 20 else [main]
    story = [Paragraph("<br/>".join(main_lines), title_style)]
    if sub:
        story.append(Paragraph("——" + sub, subtitle_style))
    story += [Paragraph(source.author, meta_style), Paragraph(source.date, meta_style), Spacer(1, 8 * mm)]
    for block in source.blocks:
        story.append(Paragraph(block.text, heading_styles.get(block.level, body_style)))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {doc.page} —")
        canvas.restoreState()

    margin = 25 * mm
    doc = BaseDocTemplate(
        str(target),
        pagesize=A4,
        title=source.title,
        author=source.author,
        subject="理论学习辅导材料",
        creator="kb scripts/make_sample_docs.py",
        invariant=1,
    )
    frame = Frame(margin, margin, A4[0] - 2 * margin, A4[1] - 2 * margin, id="body")
    # onPageEnd draws the page number after the body, so extracted text reads body first, number last.
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=footer)])
    doc.build(story)


# ---------------------------------------------------------------- minutes check


MINUTES_TITLE = re.compile(r"^中共清河县委理论学习中心组(\d{4})年第(\d+)次集体学习会议纪要$")
SPEAKER = re.compile(r"^([\u4e00-\u9fff]{2,4})同志：")


def minutes_date(text: str) -> dt.datetime:
    """Date of a session, from its '时间：' line."""
    m = re.search(r"^时间：(\d{4})年(\d{1,2})月(\d{1,2})日", text, re.M)
    if not m:
        raise ValueError("纪要缺少“时间：”行")
    return dt.datetime(int(m[1]), int(m[2]), int(m[3]), 9, 0, 0)


def parse_minutes(text: str) -> dict:
    """Extract the fields that minutes_facts.json records, independently of the product's parser."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    m = MINUTES_TITLE.match(lines[0])
    if not m:
        raise ValueError(f"纪要标题格式不符: {lines[0]!r}")
    fields = dict(line.split("：", 1) for line in lines[1:9] if "：" in line)
    start = lines.index("二、发言摘要")
    end = lines.index("三、下步要求")
    speakers = [s[1] for line in lines[start:end] if (s := SPEAKER.match(line))]
    return {
        "session": f"{m[1]}年第{m[2]}次",
        "date": minutes_date(text).date().isoformat(),
        "host": fields["主持人"].split("（")[0],
        "attendees": fields["参加人员"].split("、"),
        "speakers": speakers,
        "theme": fields["学习主题"],
        "recorder": fields["记录人"],
    }


def check_minutes() -> list[str]:
    """Compare every minutes file with minutes_facts.json; return the problems found."""
    facts = json.loads(MINUTES_FACTS.read_text(encoding="utf-8"))
    roster = [member["name"] for member in facts["roster"]]
    problems = []
    listed = {entry["file"] for entry in facts["minutes"]}
    on_disk = {p.name for p in MINUTES.iterdir()}
    if listed != on_disk:
        extra, missing = sorted(on_disk - listed), sorted(listed - on_disk)
        problems.append(f"纪要文件与事实表不一致: 多出 {extra}, 缺少 {missing}")
    for entry in facts["minutes"]:
        path = SAMPLE / entry["path"]
        if path.name != entry["file"] or not path.exists():
            problems.append(f"{entry['file']}: 路径不存在或与文件名不符")
            continue
        got = parse_minutes(extract_text(path))
        for key in ("session", "date", "host", "attendees", "speakers", "theme"):
            if got[key] != entry[key]:
                problems.append(f"{entry['file']}: {key} 应为 {entry[key]!r}, 文件中为 {got[key]!r}")
        if got["recorder"] != facts["recorder"]:
            problems.append(f"{entry['file']}: 记录人为 {got['recorder']!r}")
        absent = [name for name in roster if name not in entry["attendees"]]
        if absent != entry["absent"]:
            problems.append(f"{entry['file']}: absent 应为 {absent!r}")
        if [n for n in roster if n in entry["attendees"]] != entry["attendees"]:
            problems.append(f"{entry['file']}: 参加人员不在名册中或顺序与名册不同")
        if entry["host"] not in entry["attendees"] or not set(entry["speakers"]) <= set(entry["attendees"]):
            problems.append(f"{entry['file']}: 主持人或发言人不在参加人员中")
        if not 3 <= len(entry["speakers"]) <= 6:
            problems.append(f"{entry['file']}: 发言人数 {len(entry['speakers'])} 不在 3-6 之间")
    return problems


# ---------------------------------------------------------------- readings facts and presets check


def reading_facts() -> list[dict]:
    """Title, author, date, format, encoding and theme of each reading, taken from its text."""
    rows = []
    for reading in READING_TABLE:
        source = parse_source(text_of(reading))
        rows.append(
            {
                "file": reading.file,
                "path": f"corpus/readings/{reading.file}",
                "format": reading.fmt,
                "encoding": reading.encoding if reading.fmt in ("txt", "md") else None,
                "title": source.title,
                "main_title": source.title.partition("——")[0],
                "author": source.author,
                "date": source.date,
                "theme": reading.theme,
                "source": f"sources/{reading.source}" if reading.source else None,
            }
        )
    return rows


def check_presets(titles: set[str]) -> list[str]:
    """Every preset needs 3-5 queries, known expected titles and existing expected minutes."""
    presets = json.loads(PRESETS.read_text(encoding="utf-8"))
    problems = []
    ids = set()
    minutes = {p.name for p in MINUTES.iterdir()}
    for group in ("problem_fields", "themes"):
        for item in presets[group]:
            if item["id"] in ids:
                problems.append(f"预设 id 重复: {item['id']}")
            ids.add(item["id"])
            if not 3 <= len(item["queries"]) <= 5:
                problems.append(f"{item['id']}: 示例查询应为 3-5 条")
            if not 1 <= len(item["expected_titles"]) <= 3:
                problems.append(f"{item['id']}: expected_titles 应为 1-3 条")
            name = item["id"]
            problems += [f"{name}: 未知标题 {t!r}" for t in item["expected_titles"] if t not in titles]
            problems += [f"{name}: 未知纪要 {f!r}" for f in item["expected_minutes"] if f not in minutes]
    facts = json.loads(MINUTES_FACTS.read_text(encoding="utf-8"))
    problems += [
        f"{e['file']}: topic {e['topic']!r} 不是预设主题" for e in facts["minutes"] if e["topic"] not in ids
    ]
    return problems


# ---------------------------------------------------------------- main


def build() -> None:
    """Regenerate every derived corpus file and readings_facts.json."""
    font = register_cjk_font()
    for reading in READING_TABLE:
        if not reading.source:
            continue
        target = READINGS / reading.file
        if reading.fmt == "docx":
            build_reading_docx(parse_source(text_of(reading)), target)
        elif reading.fmt == "pdf":
            build_reading_pdf(parse_source(text_of(reading)), target, font)
        else:  # a plain-text reading stored in a legacy encoding
            target.write_bytes(text_of(reading).encode(reading.encoding))
        print(f"生成 {target.relative_to(SAMPLE)}")
    for name in MINUTES_DOCX_SOURCES:
        target = MINUTES / name.replace(".txt", ".docx")
        build_minutes_docx((SOURCES / "minutes" / name).read_text(encoding="utf-8"), target)
        print(f"生成 {target.relative_to(SAMPLE)}")
    facts = reading_facts()
    payload = {"version": 1, "readings": facts}
    READINGS_FACTS.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"写入 {READINGS_FACTS.relative_to(SAMPLE)}（PDF 字体: {font}）")


def extract_text(path: Path) -> str:
    """Read a corpus file back the way an ingester would: decode, or extract DOCX/PDF text."""
    if path.suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if path.suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def stats() -> None:
    """Print characters (all, and CJK only) of each corpus file, read back from the file itself."""
    for path in sorted(READINGS.iterdir()) + sorted(MINUTES.iterdir()):
        text = extract_text(path)
        cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
        print(f"{path.parent.name}/{path.name:28s} 字符 {len(text):5d}  汉字 {cjk:5d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例语料中的 DOCX/PDF/GBK 文件并检查事实表与预设。")
    parser.add_argument("--check-only", action="store_true", help="只检查，不重新生成文件")
    parser.add_argument("--stats", action="store_true", help="打印每个文件的字数")
    args = parser.parse_args(argv)
    if not args.check_only:
        build()
    titles = {row["title"] for row in reading_facts()}
    problems = check_minutes() + check_presets(titles)
    if args.stats:
        stats()
    for problem in problems:
        print(f"错误: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("检查通过：纪要事实表、阅读材料与预设一致。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
