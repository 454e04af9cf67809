"""专题检索: find the readings for a problem topic, narrow them with filters, add hits to a reading list."""

from __future__ import annotations

import html

import streamlit as st

from kb.errors import KBError
from kb.library import KnowledgeBase
from kb.presets import Preset, load_presets, preset
from kb.records import Filters, Hit, nothing_matches_well
from kb.ui import common
from kb.ui.text import (
    citation,
    context_html,
    date_bounds,
    group_by_document,
    has_words,
    highlight_html,
    kind_label,
    list_name_for,
    months_between,
    plain,
    section_label,
    surrounding,
    unique_name,
)

QUERY = "search_query"
PROBLEM, THEME, EXAMPLE = "preset_problem", "preset_theme", "preset_example"
KIND, MONTHS, TAGS, MODE, COUNT = "search_kind", "search_months", "search_tags", "search_mode", "search_k"
ISSUER, GENRE = "search_issuer", "search_genre"
BY_DOC, BY_PASSAGE = "doc", "passage"
PASSAGES_PER_DOC = 3  # shown under each document in the grouped view
WEAK_MARK = '<span class="kb-meta">（匹配较弱）</span>'


# ---- topic --------------------------------------------------------------------------------------
def _presets(group: str) -> list[Preset]:
    return [p for p in load_presets() if p.group == group]


def _choose_preset(source: str) -> None:
    """A preset pill was clicked: it becomes the query, and the other group's choice is cleared."""
    chosen = preset(st.session_state.get(source) or "")
    st.session_state[THEME if source == PROBLEM else PROBLEM] = None
    st.session_state[EXAMPLE] = None
    if chosen:
        st.session_state[QUERY] = chosen.query


def _choose_example() -> None:
    if st.session_state.get(EXAMPLE):
        st.session_state[QUERY] = st.session_state[EXAMPLE]


def _typed() -> None:
    """The query was edited by hand: a preset whose wording it no longer is stops being marked."""
    chosen = _current_preset()
    if chosen and st.session_state.get(QUERY) not in (chosen.query, *chosen.queries):
        st.session_state[PROBLEM] = st.session_state[THEME] = st.session_state[EXAMPLE] = None


def _from_url() -> None:
    """On a session's first run, ?preset=<id> or ?q=<topic> in the address picks the topic,
    so a search can be shared as a link."""
    if st.session_state.get("_search_url_read"):
        return
    st.session_state["_search_url_read"] = True
    chosen = preset(st.query_params.get("preset", ""))
    if chosen:
        st.session_state[PROBLEM if chosen.group == "problem_fields" else THEME] = chosen.id
        st.session_state[QUERY] = chosen.query
    elif st.query_params.get("q"):
        st.session_state[QUERY] = st.query_params["q"]


def _current_preset() -> Preset | None:
    return preset(st.session_state.get(PROBLEM) or st.session_state.get(THEME) or "")


def topic_picker() -> str:
    """The preset pills, the example questions of the chosen preset, and the query box."""
    _from_url()
    name = {p.id: p.name for p in load_presets()}.get
    st.pills("五个问题领域", [p.id for p in _presets("problem_fields")], format_func=name, key=PROBLEM,
             on_change=_choose_preset, args=(PROBLEM,),
             help="问题导向：从思想领域焦点、改革发展难点、经济社会热点、群众反映的突出问题、党建工作重点中选一个")
    st.pills("学习主题", [p.id for p in _presets("themes")], format_func=name, key=THEME,
             on_change=_choose_preset, args=(THEME,))
    chosen = _current_preset()
    if chosen:
        st.caption(chosen.description)
        st.pills("换个问法", list(chosen.queries), key=EXAMPLE, on_change=_choose_example)
    return st.text_input(
        "检索主题", key=QUERY, on_change=_typed, placeholder="输入要研究的问题，例如：群众反映强烈的物业纠纷怎么化解",
        help="用一句话描述问题即可，系统会同时按语义和关键词查找；回车开始检索",
    ).strip()


# ---- filters ------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _facets(_kb: KnowledgeBase, path: str, version: tuple) -> tuple[list[str], list[str], dict, dict]:
    """(every month from the oldest to the newest dated document, every tag, 发文机关 and 文种 with their
    document counts) for the filters."""
    dates = sorted(d.date for d in _kb.documents() if d.date)
    months = months_between(dates[0], dates[-1]) if dates else []
    official = _kb.facets()
    return months, [tag for tag, _ in _kb.tags()], dict(official.issuers), dict(official.genres)


def filter_bar(kb: KnowledgeBase) -> tuple[Filters, str, int]:
    """Kind, month range, tags, grouping and result count; returns (filters, mode, k)."""
    # Re-importing a file can add tags without changing any chunk, so the last import counts too.
    last = kb.last_ingest() or {}
    months, tags, issuers, genres = _facets(kb, str(kb.data_dir), (kb.generation(), last.get("finished_at")))
    c1, c2, c3 = st.columns([2.2, 1.9, 1.3])  # the kind control's four options on one line
    kind = c1.segmented_control("类型", ["all", "theory", "minutes", "output"], default="all", required=True, key=KIND,
                                format_func=lambda k: "全部" if k == "all" else kind_label(k))
    since = until = None
    if len(months) > 1:
        first, last = c2.select_slider("时间范围", months, value=(months[0], months[-1]), key=MONTHS,
                                       help="按文档日期筛选（会议纪要按学习日期）；没有日期的文档在缩小范围后不显示")
        since, until = date_bounds(first, last, months)
    else:
        c2.caption("时间范围：资料中的日期不足，无法按时间筛选")
    chosen_tags = c3.multiselect("标签", tags, key=TAGS, placeholder="不限",
                                 help="只看带有任一所选标签的文档") if tags else []
    c4, c5, c6, c7 = st.columns([1.3, 1.2, 1.6, 1.0])
    mode = c4.segmented_control("结果显示", [BY_DOC, BY_PASSAGE], default=BY_DOC, required=True, key=MODE,
                                format_func=lambda m: "按文档归并" if m == BY_DOC else "逐段列出")
    k = c5.selectbox("结果数量", [10, 20, 50], index=0, key=COUNT,
                     help="按文档归并时为文档数，逐段列出时为段落数")
    issuer = genre = None
    if issuers:
        issuer = c6.selectbox("发文机关", [None, *issuers], key=ISSUER,
                              format_func=lambda v: "不限" if v is None else plain(f"{v}（{issuers[v]}）"),
                              help="只看这一机关发出（含联合发出）的公文")
    if genres:
        genre = c7.selectbox("文种", [None, *genres], key=GENRE,
                             format_func=lambda v: "不限" if v is None else plain(f"{v}（{genres[v]}）"))
    filters = Filters(kind=None if kind in (None, "all") else kind, since=since, until=until,
                      tags=tuple(chosen_tags), issuer=issuer, genre=genre)
    return filters, mode or BY_DOC, int(k)


# ---- results ------------------------------------------------------------------------------------
def run_search(kb: KnowledgeBase, query: str, filters: Filters, mode: str, k: int) -> list[Hit]:
    """Search, remembering the result for this session so that button clicks do not search again."""
    depth = k * PASSAGES_PER_DOC if mode == BY_DOC else k

    def search() -> list[Hit]:
        waiting = "正在加载语义模型（启动后首次检索需等待十几秒）…" if not common.model_ready(kb) else "正在检索…"
        with st.spinner(waiting):
            cap = PASSAGES_PER_DOC if mode == BY_DOC else None  # passage mode: the configured cap
            return kb.search(query, k=depth, filters=filters, passages_per_doc=cap)

    return common.remembered("hits", (query, filters, depth, kb.generation()), search)


def badges_html(marks: tuple[str, ...]) -> str:
    """First-page marks (内部资料, 机密★1年 …) as small red labels."""
    return "".join(f'<span class="kb-badge">{html.escape(mark)}</span>' for mark in marks)


def official_html(hit: Hit) -> str:
    """The 公文 line of a hit: issuer, number, 文种 — the parts that are known (empty for other documents)."""
    g = hit.gongwen
    if g is None:
        return ""
    parts = [g.issuer or "", g.number or "", g.kind or ""]
    line = " · ".join(p for p in parts if p)
    return f'<div class="kb-meta">{html.escape(line)}</div>' if line else ""


def _hit_html(hit: Hit, rank: int | None = None, with_title: bool = True) -> str:
    """Title (when the hit stands alone), where it is, and the snippet with matched terms marked."""
    if with_title:
        weak = WEAK_MARK if hit.weak else ""
        number = f"（{hit.gongwen.number}）" if hit.gongwen and hit.gongwen.number else ""
        title = (f'<div>{badges_html(hit.marks)}<b>{f"{rank}. " if rank else ""}《{html.escape(hit.title)}》'
                 f'{html.escape(number)}</b>{weak}</div>{official_html(hit)}')
        meta = html.escape(citation(hit.date, hit.kind, hit.pages, hit.section, hit.title))
    else:  # under its document's heading: only the place within the document
        title, meta = "", html.escape(" · ".join(p for p in (hit.pages, section_label(hit.section, hit.title)) if p))
    snippet = highlight_html(hit.snippet, hit.highlights)
    return f'{title}<div class="kb-meta">{meta}</div><div class="kb-snippet">{snippet}</div>'


def versions_note(kb: KnowledgeBase, hit: Hit) -> None:
    """"另见 N 个版本": the work's other stored versions (near-duplicates), listed on demand."""
    if not hit.versions:
        return
    with st.expander(f"另见 {len(hit.versions)} 个版本"):
        for version in kb.versions(hit.doc_id):
            similar = f"，相似度 {version.similarity:.0%}" if version.similarity is not None else ""
            st.html(f'<div class="kb-versions">《{html.escape(version.document.title)}》 · '
                    f'{html.escape(version.document.date or "日期不详")} · '
                    f'{html.escape(version.document.file_name)}{html.escape(similar)}</div>')


def _context(kb: KnowledgeBase, hit: Hit, texts: dict[str, str]) -> None:
    if hit.doc_id not in texts:
        texts[hit.doc_id] = kb.text(hit.doc_id)
    with st.expander("查看上下文"):
        st.html(f'<div class="kb-context">{context_html(surrounding(texts[hit.doc_id], hit.start, hit.end))}</div>')


def show_passages(kb: KnowledgeBase, hits: list[Hit], topic: str, added: set) -> None:
    texts: dict[str, str] = {}
    for rank, hit in enumerate(hits, start=1):
        with st.container(border=True):
            st.html(_hit_html(hit, rank))
            versions_note(kb, hit)
            _context(kb, hit, texts)
            common.add_buttons(kb, doc_id=hit.doc_id, chunk_id=hit.chunk_id, start=hit.start, topic=topic,
                               added=added, key=f"hit{rank}-{hit.chunk_id}")


def show_documents(kb: KnowledgeBase, groups: list[list[Hit]], topic: str, added: set) -> None:
    texts: dict[str, str] = {}
    for rank, group in enumerate(groups, start=1):
        best = group[0]
        with st.container(border=True):
            tags = f" · 标签：{'、'.join(best.tags)}" if best.tags else ""
            number = f"（{best.gongwen.number}）" if best.gongwen and best.gongwen.number else ""
            weak = WEAK_MARK if best.weak else ""
            st.html(
                f'<div>{badges_html(best.marks)}<b>{rank}. 《{html.escape(best.title)}》{html.escape(number)}</b>'
                f'{weak}</div>'
                f'{official_html(best)}'
                f'<div class="kb-meta">{html.escape(kind_label(best.kind))} · {html.escape(best.date or "日期不详")}'
                f' · {len(group)} 处相关{html.escape(tags)}</div>'
            )
            st.html(_hit_html(best, with_title=False))
            versions_note(kb, best)
            _context(kb, best, texts)
            common.add_buttons(kb, doc_id=best.doc_id, chunk_id=best.chunk_id, start=best.start, topic=topic,
                               added=added, key=f"doc{rank}-{best.chunk_id}")
            if len(group) > 1:
                with st.expander(f"本文其他相关段落（{len(group) - 1}）"):
                    for hit in group[1:]:
                        st.html(_hit_html(hit, with_title=False))
                        common.add_buttons(kb, doc_id=hit.doc_id, chunk_id=hit.chunk_id, start=hit.start,
                                           topic=topic, added=added, key=f"doc{rank}-more-{hit.chunk_id}")


@common.callback
def _draft(kb: KnowledgeBase, topic: str, filters: Filters) -> None:
    """Button callback: a reading list of the topic's best documents, one passage each."""
    try:
        name = unique_name(list_name_for(topic), kb.lists.names())
        lst = kb.lists.draft(name, topic, k=8, filters=filters)
        st.session_state[common.TARGET] = name
        st.session_state["lists_current"] = name
        st.toast(f"已起草学习清单《{plain(name)}》，共 {len(lst.items)} 条：到“学习清单”页面调整顺序、加注和导出",
                 icon="📋")
    except KBError as e:
        st.toast(plain(str(e)), icon="⚠️")


def render(kb: KnowledgeBase) -> None:
    st.title("专题检索")
    st.caption("问题导向找材料：选一个问题领域或学习主题，或直接输入要研究的问题；结果可一键加入学习清单。")
    if common.empty_state(kb):
        return
    common.target_list_selector(kb)
    query = topic_picker()
    filters, mode, k = filter_bar(kb)
    if not query:
        st.info("请在上方选择一个问题领域或学习主题，或输入要研究的问题，例如“党员干部作风建设中的突出问题”。")
        return
    if not has_words(query):
        st.warning("检索主题里没有文字，请输入一句话描述要研究的问题，或选择上方的预设主题。")
        return
    hits = run_search(kb, query, filters, mode, k)
    if not hits:
        st.warning("在当前筛选条件下没有找到相关内容。可以放宽类型、时间或标签筛选，或换一种说法再试。")
        return
    groups = group_by_document(hits)[:k] if mode == BY_DOC else []
    head, action = st.columns([3, 1])
    weak_only = nothing_matches_well(hits)
    if weak_only:
        head.subheader(f"最接近的 {len(groups)} 篇文档" if mode == BY_DOC else f"最接近的 {len(hits)} 个段落")
    elif mode == BY_DOC:
        strong = sum(not g[0].weak for g in groups)
        head.subheader(f"找到 {strong} 篇相关文档" + (f"（另有 {len(groups) - strong} 篇匹配较弱）"
                                                     if strong < len(groups) else ""))
    else:
        strong = sum(not h.weak for h in hits)
        docs = len(group_by_document(h for h in hits if not h.weak))
        head.subheader(f"找到 {strong} 个相关段落（来自 {docs} 篇文档）"
                       + (f"，另有 {len(hits) - strong} 个匹配较弱" if strong < len(hits) else ""))
    if kb.can("list.create") and not weak_only:
        action.button("用结果起草学习清单", on_click=_draft, args=(kb, query, filters), key="draft_from_search",
                      help="收入匹配足够好的文档（最多 8 篇）、每篇一段，生成一份学习清单草稿")
    if weak_only:
        st.warning(f"资料库中没有与“{plain(query)}”很匹配的内容。下面是最接近的结果，仅供参考；"
                   "可以换个说法、放宽筛选，或选择预设主题。")
    elif not any(h.highlights for h in hits):
        st.info(f"没有找到直接包含“{plain(query)}”中词语的段落，下面是语义上最接近的结果，仅供参考；"
                "可以换个说法或选择预设主题。")
    added = common.items_in_target(kb)
    if mode == BY_DOC:
        show_documents(kb, groups, query, added)
    else:
        show_passages(kb, hits, query, added)
