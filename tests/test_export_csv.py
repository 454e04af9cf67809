"""CSV export: a BOM for Excel, one row per item in order, the agreed columns, text kept intact."""

import csv
import io
from dataclasses import replace

from kb.export import export_list, render_list
from kb.export.demo import demo_items, demo_list

COLUMNS = ["序号", "标题", "类型", "日期", "页码", "章节", "摘录", "导读", "状态"]


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel pick UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_reads_back_one_row_per_item(tmp_path):
    data = export_list(demo_list(), "csv", tmp_path / "清单.csv").read_bytes()
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == COLUMNS
    rows = _rows(data)
    first, minutes, deleted = demo_items()
    assert [row["序号"] for row in rows] == ["1", "2", "3"]
    assert rows[0] == {
        "序号": "1",
        "标题": "关于加强理论学习的若干意见",
        "类型": "理论文章",
        "日期": "2024-03-18",
        "页码": "第3-4页",
        "章节": "一、充分认识理论学习的重要意义 > （二）坚持学以致用",
        "摘录": first.text,  # the line break inside the passage survives quoting
        "导读": first.note,
        "状态": "正常",
    }
    assert rows[1]["类型"] == "会议纪要" and rows[1]["页码"] == "第1页"
    assert rows[2]["状态"] == "原文已删除" and rows[2]["摘录"] == "" and rows[2]["页码"] == ""


def test_csv_keeps_commas_quotes_and_neutralises_formulas():
    tricky = replace(demo_items()[0], title="=HYPERLINK(\"x\")", text="甲，乙, \"丙\"", note="-要点")
    rows = _rows(render_list(replace(demo_list(), items=(tricky,)), "csv"))
    assert rows[0]["标题"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["摘录"] == "甲，乙, \"丙\""
    assert rows[0]["导读"] == "'-要点"


def test_empty_list_has_only_the_header():
    data = render_list(replace(demo_list(), items=()), "csv")
    assert data.decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
