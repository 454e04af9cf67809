"""CSV export: a BOM for Excel, one row per item in order, the agreed columns, text kept intact."""

import csv
import io
from dataclasses import replace

import pytest

from kb.export import export_list, render_list
from kb.export.demo import demo_items, demo_list

COLUMNS = ["序号", "标题", "类型", "日期", "页码", "章节", "摘录", "导读", "状态", "发文字号"]


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
        "发文字号": "",
    }
    assert rows[1]["类型"] == "会议纪要" and rows[1]["页码"] == "第1页"
    assert rows[2]["状态"] == "原文已删除" and rows[2]["摘录"] == "" and rows[2]["页码"] == ""


def test_csv_keeps_commas_quotes_and_neutralises_formulas():
    tricky = replace(demo_items()[0], title="=HYPERLINK(\"x\")", text="甲，乙, \"丙\"", note="-要点")
    rows = _rows(render_list(replace(demo_list(), items=(tricky,)), "csv"))
    assert rows[0]["标题"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["摘录"] == "甲，乙, \"丙\""
    assert rows[0]["导读"] == "'-要点"


def test_csv_gives_a_documents_number():
    numbered = replace(demo_items()[0], doc_number="中发〔2024〕3号")
    rows = _rows(render_list(replace(demo_list(), items=(numbered,)), "csv"))
    assert rows[0]["发文字号"] == "中发〔2024〕3号" and rows[0]["标题"] == "关于加强理论学习的若干意见"


def test_empty_list_has_only_the_header():
    data = render_list(replace(demo_list(), items=()), "csv")
    assert data.decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]


# ---- every CSV kb writes: cells a spreadsheet would run are kept as text ---------------------------------
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def _cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _assert_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_safe_cell_escapes_every_dangerous_start_and_leaves_the_rest():
    from kb.export.csv import safe_cell

    for value in HOSTILE:
        assert safe_cell(value) == "'" + value
    assert [safe_cell(v) for v in ("学习", "a=b", 3, 0.5, None, "")] == ["学习", "a=b", "3", "0.5", "", ""]


@pytest.fixture
def hostile_kb(tmp_path):
    from conftest import FakeEncoder
    from kb_fixtures import write_corpus

    from kb.library import KnowledgeBase

    corpus = write_corpus(tmp_path / "docs")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        yield kb


def test_the_reading_list_export_escapes_names_notes_and_passages(hostile_kb):
    kb = hostile_kb
    kb.lists.create("清单")
    doc = next(d for d in kb.documents() if d.kind == "theory")
    for note in HOSTILE:
        kb.lists.add_document("清单", doc.id, note=note)
    rows = _cells(kb.lists.export("清单", "csv"))
    _assert_safe(rows)
    # Kept as written behind an apostrophe; a leading tab or CR may already be trimmed as white space.
    assert [r[7] for r in rows[1:5]] == ["'" + n for n in HOSTILE[:4]]
    assert [r[7] for r in rows[5:]] in (["'" + n for n in HOSTILE[4:]], [n.strip() for n in HOSTILE[4:]])


def test_the_attendance_export_escapes_names_from_minutes(hostile_kb):
    kb = hostile_kb
    minutes = next(d for d in kb.documents() if d.kind == "minutes")
    kb.archive.edit_session(minutes.id, attendees="、".join(HOSTILE), host="=主持人")
    rows = _cells(kb.archive.export_attendance(2024))
    _assert_safe(rows)
    names = {r[0] for r in rows[1:]}
    assert {"'+SUM(1", "'-2+3", "'@cmd", "'=主持人"} <= names


def test_the_audit_export_escapes_names_and_targets(hostile_kb):
    kb = hostile_kb
    for name in HOSTILE:
        kb.lists.create(name)
    rows = _cells(kb.audit.export_csv())
    _assert_safe(rows)
    assert rows[0] == ["时间", "账号", "角色", "操作", "对象", "结果", "说明"]
    targets = [r[4] for r in rows[1:] if r[3] == "新建学习清单"]
    assert sorted(targets) == sorted("'" + n for n in HOSTILE)


def test_every_csv_the_product_writes_goes_through_the_one_helper():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    writers = []
    for path in [*root.joinpath("kb").rglob("*.py"), root / "app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and \
                    isinstance(node.value, ast.Name) and node.value.id == "csv":
                writers.append(str(path.relative_to(root)))
    assert writers == ["kb/export/csv.py"]
