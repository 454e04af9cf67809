"""Snippets of the passages the default fusion ranks first: the matched terms stay in view."""

from __future__ import annotations

from kb.snippets import make_snippet


def test_terms_at_the_end_of_a_long_line_stay_in_the_snippet():
    # A minutes header whose last line names the session's theme, which is what the query matched:
    # snapping the window back to the line break after the title would push the theme out of it.
    attendees = ("参加人员：" + "、".join(["张建华", "李明", "王芳", "刘强", "陈静"] * 5))[:60]  # no break
    text = "会议纪要\n" + attendees + "\n学习主题：党风廉政建设"
    snippet, spans = make_snippet(text, ["党风廉政建设"], 60)
    assert snippet.endswith("党风廉政建设") and len(snippet) == 61  # "…" and 60 characters
    assert [snippet[s:e] for s, e in spans] == ["党风廉政建设"]


def test_a_snippet_still_starts_at_a_nearby_sentence_boundary():
    text = "第一句话说的是别的事情。" * 5 + "第二句讲到了乡村振兴和村集体经济的发展。" + "后面还有很多其他内容。" * 10
    snippet, spans = make_snippet(text, ["村集体经济"], 60)
    # The window would start 15 characters before the term, inside the previous sentence: it moves
    # back to that sentence's start.
    assert snippet.startswith("…第一句话") and [snippet[s:e] for s, e in spans] == ["村集体经济"]
