"""Minutes: detection, and exact extraction of date, place, host, attendees, recorder, theme, speeches."""

from __future__ import annotations

import pytest
from ingest_fixtures import MINUTES_EXPECTED, MINUTES_SAMPLE, make_docx, make_pdf, write_text

from ingest.headings import pattern_headings
from ingest.minutes import names, parse_minutes
from ingest.pipeline import read_document
from ingest.types import MINUTES, THEORY


def _check_sample(doc):
    info = doc.minutes
    assert doc.kind == MINUTES
    assert doc.title == "中共清河县委理论学习中心组2024年第3次集体学习会议纪要"
    assert doc.date == "2024-03-18"
    assert (info.date, info.location, info.host, info.recorder, info.theme) == (
        MINUTES_EXPECTED["date"], MINUTES_EXPECTED["location"], MINUTES_EXPECTED["host"],
        MINUTES_EXPECTED["recorder"], MINUTES_EXPECTED["theme"],
    )
    assert info.attendees == MINUTES_EXPECTED["attendees"]
    assert info.speakers == MINUTES_EXPECTED["speakers"]
    first, second, third = info.speeches
    assert first.text == (
        "党的二十届三中全会是在新时代新征程上召开的一次十分重要的会议。"
        "我们要把学习贯彻全会精神作为当前和今后一个时期的重大政治任务。\n要坚持学用结合，推动改革举措落地见效。"
    )
    assert second.text == "要聚焦经济体制改革这个重点，持续优化营商环境，激发各类经营主体活力。"
    # the last speech stops before the next top-level heading (三、下步要求)
    assert third.text == "要把全会精神落实到民生领域，办好教育、医疗、养老等群众身边的实事。"


def test_sample_minutes_txt(tmp_path):
    _check_sample(read_document(write_text(tmp_path / "纪要.txt", MINUTES_SAMPLE, "utf-8")))


def test_sample_minutes_docx(tmp_path):
    blocks = [("p", line) for line in MINUTES_SAMPLE.splitlines()]
    _check_sample(read_document(make_docx(tmp_path / "纪要.docx", blocks)))


def test_sample_minutes_gbk_txt(tmp_path):
    _check_sample(read_document(write_text(tmp_path / "纪要.txt", MINUTES_SAMPLE, "gbk")))


def test_sample_minutes_pdf(tmp_path):
    lines = [line for line in MINUTES_SAMPLE.splitlines() if line]
    lines = [piece for line in lines for piece in (line[i : i + 40] for i in range(0, len(line), 40))]
    doc = read_document(make_pdf(tmp_path / "纪要.pdf", [lines[:20], lines[20:]]))
    assert doc.kind == MINUTES
    assert doc.minutes.attendees == MINUTES_EXPECTED["attendees"]
    assert doc.minutes.speakers == MINUTES_EXPECTED["speakers"]


VARIANT = """县委理论学习中心组学习记录
会议时间: 二〇二四年五月八日
会议地点 : 县政府三楼会议室
主 持 人：李明同志
出席人员：李明(县长) 王芳(副县长) 刘强同志 陈静等4人
列席人员：办公室主任
记 录：孙丽
议题：学习《习近平谈治国理政》第四卷
研讨发言
李明同志发言指出，要读原著学原文悟原理。
王芳（副县长）：要结合分管工作抓落实。
第二段也属于王芳。
会议强调：要持续推动学习走深走实。
刘强同志在发言中谈到，要加强调查研究。
"""


def test_real_world_variations():
    headings = pattern_headings(VARIANT)
    info = parse_minutes(VARIANT, headings)
    assert info.date == "2024-05-08"
    assert info.location == "县政府三楼会议室"
    assert info.host == "李明"
    assert info.attendees == ("李明", "王芳", "刘强", "陈静")  # 列席 not counted
    assert info.recorder == "孙丽"
    assert info.theme == "学习《习近平谈治国理政》第四卷"
    assert [(s.speaker, s.text) for s in info.speeches] == [
        ("李明", "要读原著学原文悟原理。"),
        ("王芳", "要结合分管工作抓落实。\n第二段也属于王芳。\n会议强调：要持续推动学习走深走实。"),
        ("刘强", "要加强调查研究。"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张建华、李明、王芳", ("张建华", "李明", "王芳")),
        ("张建华，李明,王芳", ("张建华", "李明", "王芳")),
        ("张建华 李明  王芳", ("张建华", "李明", "王芳")),
        ("张建华（县委书记）、李明(县长)", ("张建华", "李明")),
        ("张建华同志、李明同志等2人", ("张建华", "李明")),
        ("张建华；李明。", ("张建华", "李明")),
    ],
)
def test_attendee_lists(value, expected):
    assert names(value) == expected


def test_kind_detection_and_override(tmp_path):
    essay = write_text(tmp_path / "体会.txt", "学习体会\n时间：不等人，要抓紧学习。", "utf-8")
    assert read_document(essay).kind == THEORY
    assert read_document(essay).minutes is None
    forced = read_document(essay, kind=MINUTES)
    assert forced.kind == MINUTES and forced.minutes is not None
    minutes = write_text(tmp_path / "m.txt", MINUTES_SAMPLE, "utf-8")
    assert read_document(minutes, kind=THEORY).minutes is None
    by_title = write_text(tmp_path / "t.txt", "县委办公室学习会议纪要\n会议学习了有关文件。", "utf-8")
    assert read_document(by_title).kind == MINUTES
    with pytest.raises(ValueError):
        read_document(minutes, kind="novel")


def test_fields_in_body_text_do_not_make_an_essay_minutes(tmp_path):
    text = "关于学习的几点思考\n" + "正文。" * 50 + "\n时间：很重要\n"
    assert read_document(write_text(tmp_path / "e.txt", text, "utf-8")).kind == THEORY


def test_traditional_big5_minutes(tmp_path):
    text = (
        "縣委理論學習中心組學習會議紀要\n時間：2024年3月18日\n地點：縣委會議室\n主持人：張建華\n"
        "參加人員：張建華、李明\n記錄人：周敏\n學習主題：學習全會精神\n二、發言摘要\n"
        "李明同志發言指出，要抓落實。\n會議強調：要走深走實。\n三、下步要求\n會議要求抓好落實。"
    )
    doc = read_document(write_text(tmp_path / "繁體.txt", text, "big5"))
    info = doc.minutes
    assert doc.kind == MINUTES
    assert (info.date, info.location, info.host, info.recorder) == ("2024-03-18", "縣委會議室", "張建華", "周敏")
    assert info.attendees == ("張建華", "李明") and info.theme == "學習全會精神"
    assert [(s.speaker, s.text) for s in info.speeches] == [("李明", "要抓落實。\n會議強調：要走深走實。")]
