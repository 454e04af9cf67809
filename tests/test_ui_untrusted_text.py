"""Untrusted text stays text (AppTest): document titles, file names, minutes fields, list and plan
names and notes, and the query are shown exactly as written — no Markdown, HTML, link, image or math in
them is interpreted on any page. Every element Streamlit reads as Markdown is rendered here with a
CommonMark parser that allows raw HTML, as a browser would see it; st.html bodies must be escaped."""

from __future__ import annotations

import re

import docx
import pytest
from conftest import FakeEncoder
from markdown_it import MarkdownIt
from ui_fixtures import no_errors, page_app, shown, use_kb

from kb.library import KnowledgeBase
from kb.ui import library_page as lib
from kb.ui.text import plain

PAYLOAD = ("![图](http://evil.example/x.png) [点我](javascript:alert(1)) <img src=x onerror=alert(1)> **粗体** $x^2$ "
           ":red[红] www.evil.example 举报@evil.example")
TITLE = f"学习辅导{PAYLOAD}"
MINUTES = f"""学习会议纪要

时间：2024年5月8日
地点：{PAYLOAD}
主持人：张建华
参加人员：张建华、李明
学习主题：纪律建设

一、学习内容
学习了党纪学习教育的有关文件。
"""
# What the payload would turn into if interpreted (the pages' own **labels** are bold on purpose).
MARKUP = re.compile(r"<(img|a|script|code|del|table)\b|<strong>粗体|<em>|<span class=\"?red", re.IGNORECASE)
# What GitHub-flavoured Markdown turns into a link without any markup (its autolink literals).
AUTOLINK = re.compile(r"https?://|www\.|[-.\w+]+@[-\w]+\.", re.IGNORECASE)
PARSER = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"])


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    document = docx.Document()  # a DOCX whose title (as Word keeps it, and as its heading) is the payload
    document.core_properties.title = TITLE
    document.add_heading(TITLE, level=0)
    document.add_paragraph("2024年5月6日")
    document.add_paragraph("严明政治纪律和政治规矩，以纪律建设为重点。")
    document.save(docs / "辅导.docx")
    (docs / f"纪要{'[x](y)'}.txt").write_text(MINUTES, encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "data", encoder=FakeEncoder())
    kb.ingest([docs])
    theory = next(d for d in kb.documents() if d.kind == "theory")
    minutes = next(d for d in kb.documents() if d.kind == "minutes")
    assert "**粗体**" in theory.title and "<img" in theory.title  # the title really carries the payload
    kb.lists.create(PAYLOAD, topic=PAYLOAD, description=f"{PAYLOAD}\n第二行 {PAYLOAD}")
    kb.lists.add_document(PAYLOAD, theory.id, note=PAYLOAD)
    kb.plans.create(2027, PAYLOAD, unit=PAYLOAD, themes=[PAYLOAD])
    kb.plans.set_month(2027, 1, list_name=PAYLOAD, note=PAYLOAD)
    kb.archive.edit_session(minutes.id, theme=PAYLOAD, host=PAYLOAD, attendees=f"张建华、{PAYLOAD}")
    use_kb(kb, monkeypatch, tmp_path / "data")
    kb.theory, kb.minutes = theory, minutes
    yield kb
    kb.close()


def markdown_texts(at) -> list[str]:
    """Every string on the page that Streamlit renders as Markdown."""
    texts = [e.value for kind in ("markdown", "caption", "subheader", "title", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    texts += [e.label for e in at.expander] + [t.label for t in at.tabs] + [m.label for m in at.metric]
    texts += [option for radio in at.radio for option in radio.options]
    texts += [b.label for b in at.button]
    return texts


def assert_plain(at) -> str:
    """No element interprets the payload; returns what the page shows, as text."""
    for text in markdown_texts(at):
        html = PARSER.render(text)
        assert not MARKUP.search(html), (text, html)
        assert not re.search(r"(?<!\\)\$", text), text  # every $ escaped: no math
        assert not re.search(r"(?<!\\):red\[", text), text  # no Streamlit colour directive
        # GFM autolinks are found in the text once escapes are undone: none may remain there.
        assert not AUTOLINK.search(re.sub(r"\\(.)", r"\1", text)), text
    for body in (element.proto.body for element in at.get("html")):
        assert "<img" not in body and "<a " not in body and "<strong>粗体" not in body, body
    return "\n".join(shown(t) for t in markdown_texts(at)) + "\n".join(e.proto.body for e in at.get("html"))


def test_plain_escapes_every_markup_character():
    rendered = PARSER.renderInline(plain(PAYLOAD)).replace("\u2060", "")
    assert rendered == PAYLOAD.replace("<", "&lt;").replace(">", "&gt;")
    assert plain("第一行\n  第二行") == "第一行 第二行"


def test_the_document_view_shows_the_title_as_written(hostile):
    at = page_app("library_page")
    at.session_state[lib.OPEN] = hostile.theory.id
    at.run()
    no_errors(at)
    text = assert_plain(at)
    assert f"《{TITLE}》" in text


def test_minutes_fields_and_the_timeline(hostile):
    at = page_app("library_page")
    at.session_state[lib.OPEN] = hostile.minutes.id
    at.run()
    no_errors(at)
    assert f"- **地点**：{PAYLOAD}" in assert_plain(at)
    at = page_app("library_page")
    at.session_state[lib.VIEW] = lib.TIMELINE
    at.run()
    no_errors(at)
    assert_plain(at)


def test_reading_list_names_descriptions_and_notes(hostile):
    at = page_app("lists_page").run()
    no_errors(at)
    text = assert_plain(at)
    assert f"《{PAYLOAD}》" in text and f"第二行 {PAYLOAD}" in text


def test_plan_names_themes_and_notes(hostile):
    at = page_app("plan_page").run()
    no_errors(at)
    text = assert_plain(at)
    assert f"**全年学习主线**：{PAYLOAD}" in text and f"《{PAYLOAD}》" in text  # the main line, the month's list


def test_the_archive_and_a_topic_typed_in(hostile):
    at = page_app("archive_page").run()
    no_errors(at)
    assert "、![图](http://evil.example/x.png)、[点我](javascript:alert(1))、" in assert_plain(at)  # attendees
    at.text_input(key="archive_topic").set_value(PAYLOAD).run()
    no_errors(at)
    assert_plain(at)


def test_a_query_from_a_link(hostile):
    """A crafted link (?q=…) whose words match nothing: the page repeats the query in its advice."""
    query = "**航天** [卫星](zz:qq) ![火箭](yy:ww) <b>"  # no word of it is in the documents
    at = page_app("search_page")
    at.query_params["q"] = query
    at.run()
    no_errors(at)
    assert f"没有找到直接包含“{query}”中词语的段落" in assert_plain(at)


def test_the_study_record_and_the_assessment(hostile):
    """Roster names and posts, reasons, outcomes, output titles and unmatched names from minutes."""
    name, post = "**粗体**<img src=x>", PAYLOAD[:80]
    hostile.roster.add_member("张建华", post=post)
    hostile.roster.add_member(name, post=post)
    hostile.roster.sign(hostile.minutes.id, name, status="请假", reason=PAYLOAD)
    hostile.outputs.attribute(hostile.theory.id, type="调研报告", member=name, year=2024, outcome=PAYLOAD)
    archive = page_app("archive_page").run()
    no_errors(archive)
    shown_text = assert_plain(archive)
    assert "未对应名册" in shown_text and "![图](http://evil.example/x.png)" in shown_text  # the unmatched name
    hostile.plans.create(2024, PAYLOAD, themes=[PAYLOAD])
    assessment = page_app("assessment_page").run()
    no_errors(assessment)
    assert f"- **{name}**：全年" in assert_plain(assessment)  # who falls short, as written (in the page's bold)
