"""Word export: read the .docx back with python-docx and check content, order, fonts and layout."""

import io
from dataclasses import replace

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from kb.export import export_list, export_plan, render_list, render_plan
from kb.export.demo import demo_items, demo_list, demo_plan


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _in_order(haystack: list[str], needles: list[str]) -> bool:
    """Every needle is found inside some line, each after the previous one."""
    position = 0
    for needle in needles:
        while position < len(haystack) and needle not in haystack[position]:
            position += 1
        if position == len(haystack):
            return False
    return True


def test_list_docx_reads_back_with_items_citations_and_notes(tmp_path):
    path = export_list(demo_list(), "docx", tmp_path / "清单.docx")
    doc = Document(str(path))
    texts = _texts(doc)
    first, minutes, deleted = demo_items()
    assert texts[0] == "关于示例的学习材料"
    assert doc.paragraphs[0].style.name == "Title"
    assert any("编制日期：2024年3月18日" in t for t in texts)
    assert any("共收录学习材料3项" in t for t in texts)
    assert _in_order(texts, [
        "1. 关于加强理论学习的若干意见",
        "来源：2024年3月18日，第3-4页，一、充分认识理论学习的重要意义 > （二）坚持学以致用",
        "理论学习要同推动工作结合起来，做到学思用贯通、知信行统一。",
        "要把学习成效转化为推动高质量发展的实际行动",
        "【导读】重点把握“学思用贯通、知信行统一”的要求。",
        "2. 第3次集体学习会议纪要",
        "来源：会议纪要，2024年3月，第1页",
        "会议强调，各支部要结合实际制定学习计划",
        "【导读】了解本单位学习安排。",
        "3. 学习笔记汇编（第一辑）（原文已删除）",
        "（原文已删除，无摘录）",
    ])
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert headings == [
        "1. 关于加强理论学习的若干意见",
        "2. 第3次集体学习会议纪要",
        "3. 学习笔记汇编（第一辑）（原文已删除）",
    ]
    assert first.note and minutes.note and deleted.missing


def _east_asia(rpr) -> str | None:
    rfonts = rpr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def test_docx_sets_east_asian_fonts_on_styles_and_runs():
    doc = Document(io.BytesIO(render_list(demo_list(), "docx")))
    # The 公文 fonts: 方正小标宋 title, 黑体 headings, 仿宋 body.
    assert _east_asia(doc.styles["Normal"].element.rPr) == "仿宋_GB2312"
    for name, font in (("Title", "方正小标宋简体"), ("Heading 1", "黑体"), ("Heading 2", "黑体")):
        rpr = doc.styles[name].element.rPr
        assert _east_asia(rpr) == font
        assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None  # theme would override
    run_fonts = {_east_asia(run._r.rPr) for p in doc.paragraphs for run in p.runs if run._r.rPr is not None}
    assert {"仿宋_GB2312", "黑体"} <= run_fonts
    passage = next(p for p in doc.paragraphs if p.text.startswith("会议强调"))
    assert _east_asia(passage.runs[0]._r.rPr) == "仿宋_GB2312"


def test_docx_page_is_a4_with_official_margins_and_page_numbers():
    doc = Document(io.BytesIO(render_list(demo_list(), "docx")))
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert abs(section.top_margin - Cm(3.7)) < Cm(0.01) and abs(section.left_margin - Cm(2.8)) < Cm(0.01)
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml


def test_docx_survives_control_characters_and_empty_lists():
    dirty = replace(demo_items()[0], text="第一段\x0c第二段\x00", note="要点\x1b")
    lst = replace(demo_list(), items=(dirty,))
    texts = _texts(Document(io.BytesIO(render_list(lst, "docx"))))
    assert "第一段" in texts and "第二段" in texts
    assert "【导读】要点" in texts
    empty = _texts(Document(io.BytesIO(render_list(replace(demo_list(), items=()), "docx"))))
    assert "本清单暂未收录学习材料。" in empty


def test_plan_docx_has_all_twelve_months_in_table_and_sections(tmp_path):
    path = export_plan(demo_plan(), "docx", tmp_path / "计划.docx")
    doc = Document(str(path))
    texts = _texts(doc)
    assert texts[:2] == ["示例单位理论学习中心组", "2025年度理论学习中心组学习计划"]
    assert "【全年学习主线】以学促干、学用结合" in texts
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["月份", "学习主题", "学习形式", "学习材料"]
    assert [row.cells[0].text for row in table.rows[1:]] == [f"{m}月" for m in range(1, 13)]
    march = table.rows[3].cells
    assert march[1].text == "第3专题：理论学习与工作实践"
    assert march[2].text == "专题党课"
    assert march[3].text == "《关于加强理论学习的若干意见》\n《第3次集体学习会议纪要》"  # the table names them
    month_headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
    assert [h.split("　")[0] for h in month_headings] == [f"{m}月" for m in range(1, 13)]
    march = ["3月　第3专题：理论学习与工作实践（专题党课）", "1. 《关于加强理论学习的若干意见》（第3-4页）　导读：",
             "往期学习：2024-03-18 第3次集体学习：加强理论学习", "4月　"]
    assert _in_order(texts, march)
    assert _in_order(texts, ["6月　", "备注：结合年中工作总结开展", "7月　"])


def test_plan_docx_uses_given_title_and_sorts_months():
    plan = demo_plan()
    shuffled = replace(plan, title="某某党委2025年理论学习安排", months=tuple(reversed(plan.months)))
    doc = Document(io.BytesIO(render_plan(shuffled, "docx")))
    assert doc.paragraphs[1].text == "某某党委2025年理论学习安排"
    assert [row.cells[0].text for row in doc.tables[0].rows[1:]] == [f"{m}月" for m in range(1, 13)]
