"""Pure UI helpers: escaped highlighting, context windows, grouping, date bounds, names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.records import Hit
from kb.ui.text import (
    citation,
    context_html,
    date_bounds,
    format_bytes,
    group_by_document,
    has_words,
    highlight_html,
    list_name_for,
    months_between,
    section_label,
    surrounding,
    unique_name,
)


def test_highlight_escapes_text_then_marks_spans():
    text = "<b>党风</b> & 廉政"
    spans = [(3, 5), (12, 14)]  # 党风, 廉政
    assert highlight_html(text, spans) == "&lt;b&gt;<mark>党风</mark>&lt;/b&gt; &amp; <mark>廉政</mark>"


def test_highlight_clips_overlapping_and_out_of_range_spans():
    assert highlight_html("abcdef", [(2, 4), (0, 3), (5, 99)]) == "<mark>abc</mark><mark>d</mark>e<mark>f</mark>"


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)), max_size=5))
def test_highlight_never_lets_markup_through(text, spans):
    out = highlight_html(text, spans)
    plain = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and ">" not in plain
    assert out.count("<mark>") == out.count("</mark>")


def test_surrounding_snaps_to_sentences():
    text = "第一句话。第二句话很长很长。命中的段落。后面一句。再后面一句。"
    start = text.index("命中")
    ctx = surrounding(text, start, start + 6, chars=4)
    assert ctx.passage == "命中的段落。"
    assert ctx.before == "第二句话很长很长。" and ctx.cut_before
    assert ctx.after == "后面一句。" and ctx.cut_after
    html = context_html(ctx)
    assert html.startswith("…") and '<span class="kb-passage">命中的段落。</span>' in html


def test_surrounding_whole_short_text():
    ctx = surrounding("甲。乙。丙。", 2, 4, chars=100)
    assert (ctx.before, ctx.passage, ctx.after, ctx.cut_before, ctx.cut_after) == ("甲。", "乙。", "丙。", False, False)


def hit(doc_id: str, chunk_id: int) -> Hit:
    return Hit(chunk_id, doc_id, "t", None, "theory", "p", (), None, None, (), 1.0, "x", "x", (), 0, 1)


def test_group_by_document_keeps_rank_order():
    hits = [hit("a", 1), hit("b", 2), hit("a", 3), hit("c", 4), hit("b", 5)]
    groups = group_by_document(hits)
    assert [[h.chunk_id for h in g] for g in groups] == [[1, 3], [2, 5], [4]]


def test_months_and_date_bounds():
    months = months_between("2023-11-05", "2024-02")
    assert months == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months_between("2024", "2024") == [f"2024-{m:02d}" for m in range(1, 13)]
    assert date_bounds("2023-11", "2024-02", months) == (None, None)
    assert date_bounds("2023-12", "2024-01", months) == ("2023-12", "2024-01")


def test_names_and_labels():
    assert unique_name("清单", ["清单", "清单（2）"]) == "清单（3）"
    assert unique_name("新清单", ["清单"]) == "新清单"
    assert list_name_for("党风廉政建设 以案为鉴") == "党风廉政建设 学习清单"
    assert list_name_for("  ") == "我的学习清单"
    expected = "会议纪要 · 2024-04-12 · 第3页 · 一、学习内容"
    assert citation("2024-04-12", "minutes", "第3页", ("一、学习内容",)) == expected
    assert citation(None, "theory") == "理论文章 · 日期不详"
    title = "在发展中保障和改善民生——聚焦群众急难愁盼问题的清河县民生实事工作综述"
    assert citation("2025-11", "theory", "", (title, "一、民生实事项目的确定机制"), title) == \
        "理论文章 · 2025-11 · 一、民生实事项目的确定机制"  # the title is shown above the citation
    assert section_label((f"《{title}》", "一、机制"), title) == "一、机制"
    assert section_label(("一、机制", title), title) == f"一、机制 › {title}"  # only a leading title is dropped
    assert has_words("党建") and has_words("AI") and not has_words("？！…  ")
    assert format_bytes(0) == "0 B" and format_bytes(2048) == "2.0 KB" and format_bytes(5 * 1024**3) == "5.0 GB"
