"""The export registry, atomic writes and the wording every format shares."""

import os
from dataclasses import replace

import pytest

from kb.export import (
    LIST_FORMATS,
    MIME_TYPES,
    PLAN_FORMATS,
    export_list,
    export_plan,
    labels,
    render_list,
    render_plan,
    suggested_filename,
)
from kb.export.demo import demo_items, demo_list, demo_plan


def test_registries_cover_the_promised_formats():
    assert set(LIST_FORMATS) == {"docx", "md", "csv", "pdf"}
    assert set(PLAN_FORMATS) == {"docx", "md", "pdf"}
    assert set(MIME_TYPES) >= set(LIST_FORMATS)


@pytest.mark.parametrize("fmt", ["txt", "", "xlsx"])
def test_unknown_list_format_is_refused_in_chinese_listing_the_formats(fmt):
    with pytest.raises(ValueError) as raised:
        render_list(demo_list(), fmt)
    message = str(raised.value)
    assert "不支持" in message
    assert all(name in message for name in LIST_FORMATS)


def test_csv_is_not_a_plan_format(tmp_path):
    with pytest.raises(ValueError, match="可选格式：docx、md、pdf"):
        export_plan(demo_plan(), "csv", tmp_path / "plan.csv")
    assert list(tmp_path.iterdir()) == []


def test_format_names_are_forgiving():
    assert render_list(demo_list(), ".MD") == render_list(demo_list(), "markdown")


def test_export_writes_atomically_and_replaces(tmp_path):
    target = tmp_path / "sub" / "清单.md"
    assert export_list(demo_list(), "md", target) == target
    first = target.read_bytes()
    renamed = replace(demo_list(), name="另一份学习清单")
    export_list(renamed, "md", target)
    assert target.read_bytes() != first
    assert "关于另一份的学习材料" in target.read_text(encoding="utf-8")
    assert os.listdir(target.parent) == ["清单.md"]  # no temporary file left behind


def test_failed_render_leaves_no_file(tmp_path, monkeypatch):
    def broken(_):
        raise RuntimeError("boom")

    monkeypatch.setitem(LIST_FORMATS, "md", broken)
    with pytest.raises(RuntimeError):
        export_list(demo_list(), "md", tmp_path / "x.md")
    assert list(tmp_path.iterdir()) == []


def test_render_plan_returns_bytes_for_every_format():
    for fmt in PLAN_FORMATS:
        data = render_plan(demo_plan(), fmt)
        assert isinstance(data, bytes) and len(data) > 100


def test_citation_leaves_out_unknown_parts():
    first, _, deleted = demo_items()
    assert labels.citation(first) == (
        "（来源：《关于加强理论学习的若干意见》，2024-03-18，第3-4页，"
        "一、充分认识理论学习的重要意义 > （二）坚持学以致用）"
    )
    assert labels.citation(deleted) == "（来源：《学习笔记汇编（第一辑）》，2023）"


def test_page_labels():
    item = demo_items()[0]
    assert labels.page_label(replace(item, page_start=3, page_end=3)) == "第3页"
    assert labels.page_label(replace(item, page_start=None, page_end=7)) == "第7页"
    assert labels.page_label(replace(item, page_start=None, page_end=None)) == ""


def test_kind_and_status_labels():
    first, minutes, deleted = demo_items()
    assert labels.kind_label(first.kind) == "理论文章"
    assert labels.kind_label(minutes.kind) == "会议纪要"
    assert labels.status_label(deleted) == "原文已删除"
    assert labels.item_heading(deleted) == "3. 学习笔记汇编（第一辑）（原文已删除）"


def test_clean_text_drops_characters_xml_refuses():
    assert labels.clean_text("甲\x00乙\x0c丙\r\n丁\x1b") == "甲乙\n丙\n丁"
    assert labels.clean_text(None) == ""


def test_chinese_date():
    assert labels.chinese_date("2024-03-08") == "2024年3月8日"
    assert labels.chinese_date("2024-03-08T10:00:00") == "2024年3月8日"
    assert labels.chinese_date("去年") == "去年"


def test_suggested_filename_is_safe():
    assert suggested_filename("党的创新理论-学习材料清单", "DOCX") == "党的创新理论-学习材料清单.docx"
    assert suggested_filename('a/b:c*?"<>|', "md") == "a_b_c.md"
    assert suggested_filename("///", "pdf") == "导出.pdf"
