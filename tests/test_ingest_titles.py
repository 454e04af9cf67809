"""Titles of plain-text documents: a dashed second line is a subtitle, a delivery note is not."""

from ingest.pipeline import read_document


def test_dashed_subtitle_joins_the_title(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("从红色沃土中汲取奋进力量\n——推动党史学习教育常态化长效化\n\n正文第一段。\n", encoding="utf-8")
    assert read_document(path).title == "从红色沃土中汲取奋进力量——推动党史学习教育常态化长效化"


def test_delivery_note_is_not_part_of_the_title(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("2025年政府工作报告\n——2025年1月15日在市人民代表大会上\n\n各位代表：\n", encoding="utf-8")
    assert read_document(path).title == "2025年政府工作报告"
