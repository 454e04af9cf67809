"""Print-ready exports, read back: no line starts with closing punctuation (PDF, and DOCX as LibreOffice
lays it out), one source line per item with the title never repeated, the optional unit and session
header, the 公文 fonts by role, and a year plan that stays short."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace

import pymupdf
import pytest
from conftest import load_script
from docx import Document

from kb.export import SessionHeader, fonts, pdf, render_list, render_plan
from kb.export.demo import demo_items, demo_list, demo_plan
from kb.export.linebreak import NO_LINE_START
from kb.export.model import ExportItem, PlanMonth

# Sentences of different lengths, so commas and full stops fall at every position of a line.
CLAUSES = ["坚持学思用贯通", "知信行统一", "把学习成效转化为推动高质量发展的实际行动", "在解决实际问题中检验学习效果",
           "做到真学真懂真信真用", "推动学习往深里走、往心里走、往实里走", "以学铸魂", "以学增智"]


def punctuated_text(count: int = 60) -> str:
    marks = "，、；：。？！"
    return "".join(CLAUSES[i % len(CLAUSES)] + "“要点”" * (i % 3 == 0) + "（注）" * (i % 5 == 0)
                   + "《文件》" * (i % 4 == 0) + marks[i % len(marks)] for i in range(count))


def punctuated_list():
    items = tuple(replace(demo_items()[0], number=n, text=punctuated_text(40 + 7 * n)) for n in range(1, 4))
    return replace(demo_list(), items=items)


def pdf_lines(data: bytes) -> list[str]:
    lines = []
    with pymupdf.open(stream=data, filetype="pdf") as document:
        for page in document:
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    text = "".join(span["text"] for span in line["spans"]).strip()
                    if text:
                        lines.append(text)
    return lines


FONT_SETS = {"best": lambda: None, "fallback": fonts.fallback_font}


@pytest.mark.parametrize("which", sorted(FONT_SETS))
def test_no_pdf_line_starts_with_closing_punctuation(which):
    lines = pdf_lines(pdf.render_list(punctuated_list(), font=FONT_SETS[which]()))
    assert len(lines) > 60
    assert [line for line in lines if line[0] in NO_LINE_START] == []
    # The rule was exercised: punctuation that would have started a line hangs at the end of one.
    assert sum(line[-1] in NO_LINE_START for line in lines) >= 5


def test_docx_declares_chinese_so_word_and_libreoffice_apply_the_rule():
    doc = Document(io.BytesIO(render_list(punctuated_list(), "docx")))
    lang = doc.styles["Normal"].element.rPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}lang")
    assert lang is not None and lang.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") \
        == "zh-CN"
    assert "kinsoku" not in doc.element.xml  # never switched off (it is on by default)


@pytest.mark.slow
def test_no_docx_line_starts_with_closing_punctuation_as_libreoffice_lays_it_out(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("未安装 LibreOffice（soffice）")
    docx = tmp_path / "清单.docx"
    docx.write_bytes(render_list(punctuated_list(), "docx"))
    converted = load_script("render_previews").docx_to_pdf(docx, tmp_path)
    lines = pdf_lines(converted.read_bytes())
    assert len(lines) > 60 and [line for line in lines if line[0] in NO_LINE_START] == []


def source_item(n: int) -> ExportItem:
    return ExportItem(n, f"关于第{n}项工作的通知", f"2024-05-0{n}", "theory", n, n + 1,
                      ("一、总体要求",), f"第{n}段摘录。", None, doc_number=f"清委发〔2024〕{n}号")


def test_one_source_line_per_item_and_no_repeated_title():
    lst = replace(demo_list(), items=tuple(source_item(n) for n in range(1, 4)))
    pdf_text = "".join(pdf_lines(render_list(lst, "pdf")))
    docx_texts = [p.text for p in Document(io.BytesIO(render_list(lst, "docx"))).paragraphs]
    md_text = render_list(lst, "md").decode("utf-8")
    for n in range(1, 4):
        title = f"关于第{n}项工作的通知"
        source = f"来源：清委发〔2024〕{n}号，2024年5月{n}日，第{n}-{n + 1}页，一、总体要求"
        assert pdf_text.count(title) == 1 and pdf_text.count(source) == 1
        assert sum(title in t for t in docx_texts) == 1 and docx_texts.count(source) == 1
        assert md_text.count(title) == 1 and md_text.count(source) == 1
    assert pdf_text.count("来源：") == sum(t.startswith("来源：") for t in docx_texts) == md_text.count("来源：") == 3


def test_a_title_that_is_also_the_first_heading_is_not_cited_again():
    """A Markdown or Word reading whose first heading is its title: the source line and the CSV's
    章节 start at the heading below it (the sample's 学习体会 was cited as "…，标题 > 三、…")."""
    title = "锲而不舍落实中央八项规定精神的学习体会"
    item = ExportItem(1, title, "2025-03-05", "output", None, None, (title, "三、把作风要求落到干部选用上"),
                      "坚持重实干、重实绩的用人导向。", None)
    lst = replace(demo_list(), items=(item,))
    source = "来源：2025年3月5日，三、把作风要求落到干部选用上"
    md_text = render_list(lst, "md").decode("utf-8")
    docx_texts = [p.text for p in Document(io.BytesIO(render_list(lst, "docx"))).paragraphs]
    pdf_text = "".join(pdf_lines(render_list(lst, "pdf")))
    assert md_text.count(title) == 1 and source in md_text.splitlines()
    assert sum(title in t for t in docx_texts) == 1 and source in docx_texts
    assert pdf_text.count(title) == 1 and source in pdf_text
    csv_text = render_list(lst, "csv").decode("utf-8-sig")
    assert csv_text.count(title) == 1 and ",三、把作风要求落到干部选用上," in csv_text


def test_plain_title_optional_unit_and_session_header():
    session = SessionHeader(time="2026年3月18日上午9:00", place="县委常委会议室", host="张建华",
                            audience="县委理论学习中心组成员")
    lst = replace(demo_list(), name="2026年3月 党风廉政建设", unit="中共清河县委理论学习中心组", session=session)
    expected = ["中共清河县委理论学习中心组", "关于党风廉政建设的学习材料", "时间：2026年3月18日上午9:00",
                "地点：县委常委会议室", "主持：张建华", "参加范围：县委理论学习中心组成员"]
    docx_texts = [p.text for p in Document(io.BytesIO(render_list(lst, "docx"))).paragraphs]
    assert docx_texts[:6] == expected
    lines = pdf_lines(render_list(lst, "pdf"))
    assert [line for line in lines if any(e == line for e in expected)] == expected
    bare = [p.text for p in Document(io.BytesIO(render_list(replace(lst, unit=None, session=None), "docx"))).paragraphs]
    assert bare[0] == "关于党风廉政建设的学习材料" and not any(t.startswith("时间：") for t in bare)


def test_pdf_sets_the_title_heading_and_body_in_their_own_fonts():
    chosen = fonts.cjk_fonts()
    with pymupdf.open(stream=render_list(demo_list(), "pdf"), filetype="pdf") as document:
        used = {(span["font"], span["text"][:4]) for block in document[0].get_text("dict")["blocks"]
                for line in block.get("lines", []) for span in line["spans"]}
        embedded = {font[3]: font[1] != "n/a" for font in document[0].get_fonts() if "Helvetica" not in font[3]}
    title_font = next(font for font, text in used if text.startswith("关于示例"))
    body_font = next(font for font, text in used if text.startswith("理论学习"))
    heading_font = next(font for font, text in used if text.startswith("1. 关"))
    if chosen.body.path and chosen.heading.path and chosen.body.path != chosen.heading.path:
        assert body_font != heading_font  # a serif body under 黑体 headings
    assert title_font and all(embedded.values()) == all(f.embedded for f in chosen.all())


def test_font_roles_prefer_the_official_fonts(tmp_path):
    for name in ("wqy-zenhei.ttc", "uming.ttc"):
        found = fonts.find_font_files(candidates=((name, 0),))
        if not found:
            pytest.skip(f"本机未安装 {name}")
        (tmp_path / name).symlink_to(found[0][0])
    chosen = fonts.cjk_fonts((tmp_path,))
    assert chosen.heading.path.name == "wqy-zenhei.ttc"  # 黑体's free stand-in
    assert chosen.body.path.name == chosen.title.path.name == "uming.ttc"  # a Song serif for 仿宋 and 小标宋
    fangsong = fonts.find_font_files(candidates=(("uming.ttc", 0),))[0][0]
    (tmp_path / "仿宋_GB2312.ttf").symlink_to(fangsong)  # the official name wins when installed
    fonts.cjk_fonts.cache_clear()
    assert fonts.cjk_fonts((tmp_path,)).body.path.name == "仿宋_GB2312.ttf"
    fonts.cjk_fonts.cache_clear()


def full_plan():
    """Twelve months of five readings each, with notes and past coverage: the most a drafted plan holds."""
    plan = demo_plan()
    months = []
    for month in plan.months:
        readings = tuple(replace(source_item(1), number=n, title=f"{month.month}月第{n}篇：关于推进理论学习的意见",
                                 note="重点读第二部分") for n in range(1, 6))
        months.append(replace(month, readings=readings,
                              coverage=("2024-03-19 推进全面从严治党（主持：张建华）",) * 2))
    return replace(plan, months=tuple(months))


def drafted_plan():
    """Twelve months of two readings each, as drafting by relevance gives on the sample or fewer."""
    plan = full_plan()
    return replace(plan, months=tuple(replace(m, readings=m.readings[:2], coverage=m.coverage[:1])
                                      for m in plan.months))


def test_a_year_plan_pdf_stays_short():
    # Before the compact layout these took 6 and 12 pages.
    with pymupdf.open(stream=render_plan(drafted_plan(), "pdf"), filetype="pdf") as document:
        assert document.page_count <= 3
    with pymupdf.open(stream=render_plan(full_plan(), "pdf"), filetype="pdf") as document:
        assert document.page_count <= 6


@pytest.mark.slow
def test_a_year_plan_docx_stays_short(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("未安装 LibreOffice（soffice）")
    for plan, most in ((drafted_plan(), 4), (full_plan(), 7)):  # LibreOffice sets DOCX looser than the PDF
        docx = tmp_path / "计划.docx"
        docx.write_bytes(render_plan(plan, "docx"))
        converted = load_script("render_previews").docx_to_pdf(docx, tmp_path)
        with pymupdf.open(converted) as document:
            assert document.page_count <= most


def test_month_with_no_readings_says_so():
    plan = replace(demo_plan(), months=(PlanMonth(1, "党史学习教育", "集中学习", (), (), None),))
    assert "学习材料待定" in "".join(pdf_lines(render_plan(plan, "pdf")))
