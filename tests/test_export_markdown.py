"""Markdown export: numbered items, citations, notes, deleted items and all twelve plan months."""

from dataclasses import replace

from kb.export import export_list, export_plan, render_list
from kb.export.demo import demo_items, demo_list, demo_plan
from kb.export.markdown import escape


def test_list_markdown_reads_back(tmp_path):
    text = export_list(demo_list(), "md", tmp_path / "清单.md").read_text(encoding="utf-8")
    assert text.startswith("# 关于示例的学习材料\n")
    expected_in_order = [
        "## 1. 关于加强理论学习的若干意见",
        "来源：2024年3月18日，第3-4页，一、充分认识理论学习的重要意义 > （二）坚持学以致用",
        "> 理论学习要同推动工作结合起来，做到学思用贯通、知信行统一。\n>\n> 要把学习成效",
        "**导读**：重点把握“学思用贯通、知信行统一”的要求。",
        "## 2. 第3次集体学习会议纪要",
        "来源：会议纪要，2024年3月，第1页，二、主要学习内容",
        "## 3. 学习笔记汇编（第一辑）（原文已删除）",
        "（原文已删除，无摘录）",
    ]
    positions = [text.index(part) for part in expected_in_order]
    assert positions == sorted(positions)


def test_whole_document_item_says_so():
    whole = replace(demo_items()[0], text=None, note=None)
    text = render_list(replace(demo_list(), items=(whole,)), "md").decode("utf-8")
    assert "（通读全文）" in text
    assert "**导读**" not in text


def test_escape_keeps_chinese_and_neutralises_markup():
    assert escape("一、坚持 > （二）") == "一、坚持 > （二）"
    assert escape("a*b_c") == "a\\*b\\_c"
    assert escape("# 标题\n- 列表") == "\\# 标题\n\\- 列表"


def test_plan_markdown_has_table_and_twelve_months(tmp_path):
    text = export_plan(demo_plan(), "md", tmp_path / "计划.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:3] == ["示例单位理论学习中心组", "", "# 2025年度理论学习中心组学习计划"]
    assert "**全年学习主线**：以学促干、学用结合" in text
    assert "| 月份 | 学习主题 | 学习形式 | 学习材料 |" in lines
    rows = [line for line in lines if line.startswith("| ") and "月 |" in line]
    assert [row.split(" | ")[0] for row in rows] == [f"| {m}月" for m in range(1, 13)]
    sections = [line for line in lines if line.startswith("### ")]
    assert [s.split("　")[0] for s in sections] == [f"### {m}月" for m in range(1, 13)]
    march = text[text.index("### 3月") : text.index("### 4月")]
    assert "### 3月　第3专题：理论学习与工作实践（专题党课）" in march
    assert "往期学习：2024-03-18 第3次集体学习：加强理论学习" in march
    assert "2. 《第3次集体学习会议纪要》（第1页）　导读：了解本单位学习安排。" in march
