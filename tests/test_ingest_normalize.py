"""Normalisation, page layout clean-up, headings, dates and glyph-mapping checks."""

from __future__ import annotations

import pytest

from ingest.dates import document_date, first_date
from ingest.headings import heading_title, marker_rank, pattern_headings
from ingest.layout import join_broken_lines, strip_running_lines, tighten_spacing
from ingest.normalize import for_search, normalize_text
from ingest.quality import glyph_anomalies, glyph_warning


def test_for_search_folds_traditional_width_and_case():
    assert for_search("學習貫徹黨的二十屆三中全會精神") == "学习贯彻党的二十届三中全会精神"
    assert for_search("ＡＢＣ１２３，Ｐａｒｔｙ") == "abc123,party"
    assert for_search("反覆 沈默") == "反复 沉默"  # phrase-level conversions still apply
    assert for_search("学习贯彻") == "学习贯彻"


def test_for_search_matches_traditional_and_simplified_spellings():
    assert for_search("中國共產黨") == for_search("中国共产党")


def test_for_search_skips_the_phrase_converter_for_simplified_text(monkeypatch):
    # Why search normalisation stays cheap (its speed is measured by kb bench, not here): text with no
    # traditional character never reaches OpenCC's phrase converter, and the converter is built once.
    from ingest import normalize

    calls = []
    monkeypatch.setattr(normalize, "_t2s", lambda: lambda text: calls.append(text) or text)
    chunk = "深入学习贯彻党的二十届三中全会精神，推进中国式现代化。" * 12
    assert "推进中国式现代化" in for_search(chunk)
    assert calls == []
    for_search("中國共產黨")
    assert calls == ["中國共產黨"]
    monkeypatch.undo()
    assert normalize._t2s() is normalize._t2s()


def test_display_normalisation_keeps_chinese_punctuation():
    display = normalize_text("ＧＤＰ增长５．２％，全年目标（预期）完成！")
    assert display == "GDP增长5.2%，全年目标（预期）完成！"
    assert normalize_text("a\u200bb\u3000c\r\nd\n\n\ne \x07") == "ab c\nd\ne"


def test_running_headers_and_page_numbers_are_removed():
    body = ["坚持党的领导。", "坚持人民至上。", "坚持守正创新。", "坚持系统观念。", "坚持自我革命。"]
    pages = [["理论学习资料汇编", line, f"- {i} -"] for i, line in enumerate(body, start=1)]
    assert strip_running_lines(pages) == [[line] for line in body]


def test_headers_on_alternate_pages_are_removed():
    body = "甲乙丙丁戊己庚辛"
    headers = ["从工业化到现代化", "观察与思考 2019年第9期"]
    pages = [[headers[i % 2], f"正文{c}"] for i, c in enumerate(body)]
    assert strip_running_lines(pages) == [[f"正文{c}"] for c in body]


def test_a_repeated_line_on_few_pages_is_kept():
    pages = [["本章小结", "甲"], ["本章小结", "乙"], ["丙"], ["丁"], ["戊"], ["己"], ["庚"], ["辛"]]
    assert strip_running_lines(pages)[0] == ["本章小结", "甲"]


def test_broken_lines_are_joined_but_paragraphs_kept():
    lines = [
        "    全面深化改革是推进中国式现代化的根本动力，必须坚",
        "持以人民为中心，坚持守正创新，坚持系统观念，把改革",
        "的各项举措落到实处。",
        "    第二段开始于缩进，内容比较长比较长比较长比较长的",
        "一段文字。",
        "一、总体要求",
        "第三段没有缩进，但是上一行是标题所以不会被连接起来",
        "，逗号开头的行总是接在上一行后面。",
    ]
    assert join_broken_lines(lines) == [
        "全面深化改革是推进中国式现代化的根本动力，必须坚持以人民为中心，坚持守正创新，坚持系统观念，"
        "把改革的各项举措落到实处。",
        "第二段开始于缩进，内容比较长比较长比较长比较长的一段文字。",
        "一、总体要求",
        "第三段没有缩进，但是上一行是标题所以不会被连接起来，逗号开头的行总是接在上一行后面。",
    ]


def test_latin_words_split_across_lines_keep_a_space():
    lines = ["the party committee study group discussed", "modernization and reform policies today"]
    joined = join_broken_lines(lines * 2)[0]
    assert joined.startswith("the party committee study group discussed modernization")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("实事求 是 派 。", "实事求是派。"),
        ("雷    云", "雷云"),
        ("2002 年 11 月 16 日", "2002年11月16日"),
        ("“ 三个代表 ” 重要思想", "“三个代表”重要思想"),
        ("参加人员：张建华 李明 王芳", "参加人员：张建华 李明 王芳"),  # names separated by spaces stay apart
        ("the party", "the party"),
    ],
)
def test_spaces_inside_chinese_text(raw, clean):
    assert tighten_spacing(" ".join(raw.split())) == clean


@pytest.mark.parametrize(
    ("line", "rank", "title"),
    [
        ("第一编 总论", 0, "第一编 总论"),
        ("第二章 工作要求", 1, "第二章 工作要求"),
        ("第三节 方法", 2, "第三节 方法"),
        ("第十二条 " + "党组织应当" * 20, 3, "第十二条"),
        ("一、总体要求", 4, "一、总体要求"),
        ("（二）着力扩大有效需求。全年社会消费品零售总额增长。", 5, "（二）着力扩大有效需求"),
        ("1.牢牢把握报告的主题。江泽民同志报告的主题是", 6, "1.牢牢把握报告的主题"),
        ("（3）加强组织领导", 7, "（3）加强组织领导"),
        ("一是经济运行回升向好", None, None),
        ("1964年12月至1965年1月", None, None),
        ("2.5亿元用于", None, None),
        ("一、" + "很长的一个段落没有句号" * 10, 4, None),
    ],
)
def test_heading_patterns(line, rank, title):
    assert marker_rank(line) == rank
    assert heading_title(line) == title


def test_heading_levels_are_the_ranks_a_document_uses():
    text = "一、甲\n（一）乙\n1.丙\n二、丁"
    assert [(h.start, h.level, h.title) for h in pattern_headings(text)] == [
        (0, 1, "一、甲"), (4, 2, "（一）乙"), (9, 3, "1.丙"), (13, 1, "二、丁"),
    ]
    assert [h.level for h in pattern_headings("（一）乙\n（1）丙")] == [1, 2]
    assert [h.level for h in pattern_headings("一、甲", base_level=2)] == [3]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024年3月15日", "2024-03-15"),
        ("2024 年 3 月 15 日", "2024-03-15"),
        ("二〇二四年三月", "2024-03"),
        ("二〇二四年十二月三十一日", "2024-12-31"),
        ("2024-03-15", "2024-03-15"),
        ("2024/3/5", "2024-03-05"),
        ("2019 年第 9 期", "2019"),
        ("2024年2月30日", "2024-02"),  # not a real day
        ("2024年第3次学习，时间：2024年3月18日", "2024-03-18"),  # the most precise date wins
        ("版本 1.2.3", None),
    ],
)
def test_dates(text, iso):
    assert first_date(text) == iso


def test_date_from_file_name_when_the_text_has_none():
    assert document_date("没有日期", "20240318中心组学习.docx") == "2024-03-18"
    assert document_date("没有日期", "纪要_2024-03-18.docx") == "2024-03-18"
    assert document_date("2023年5月4日会议", "20240318.docx") == "2023-05-04"
    assert document_date("没有日期", "无日期.docx") is None


def test_glyph_mapping_anomalies():
    clean = "实现全面建设小康社会。发展是执政兴国的第一要务。2002年11月16日。" * 20
    assert glyph_anomalies(clean) == [] and glyph_warning(clean) is None
    broken = clean + "实现全面建设小康}会。发展是执政兴国的笫一要务。2002 牟 11 月。" + "\ue001"
    assert len(glyph_anomalies(broken)) == 4
    warning = glyph_warning(broken)
    assert warning and "字形映射" in warning and "4处" in warning
    assert glyph_warning(clean * 200 + "小康}会") is None  # one stray mark in a long text is not enough
