"""资料库: browse the shared database by kind, year and tag; read a document by chunk or page; the
timeline of past study sessions."""

from __future__ import annotations

import html
from collections import Counter

import streamlit as st

from kb.kinds import KIND_LABELS
from kb.library import KnowledgeBase
from kb.records import DocumentRecord, Filters, page_range
from kb.ui import common
from kb.ui.text import kind_label, plain, section_label

SORTS = {"date": "日期（新→旧）", "title": "标题", "added": "最近导入"}
KIND, YEARS, TAGS, SORT, TITLE, OPEN = "lib_kind", "lib_years", "lib_tags", "lib_sort", "lib_title", "lib_open"
FILTER_COLUMNS = (3.0, 1.0, 1.2, 1.5, 1.5)  # kind (its four options on one line), year, tag, order, title
ISSUER, GENRE = "lib_issuer", "lib_genre"
TABLE = "lib_table"
VIEW, DOCS, TIMELINE = "lib_view", "docs", "timeline"
CHUNKS_PER_PAGE = 30


def _year(doc: DocumentRecord) -> str:
    return doc.date[:4] if doc.date else "日期不详"


def filtered_documents(kb: KnowledgeBase) -> list[DocumentRecord]:
    """The facet controls (kind, year, tag, title, order) and the documents they select."""
    every = kb.documents()
    years = sorted({_year(d) for d in every}, reverse=True)
    tags = [t for t, _ in kb.tags()]
    c1, c2, c3, c4, c5 = st.columns(FILTER_COLUMNS)
    kind = c1.segmented_control("类型", ["all", "theory", "minutes", "output"], default="all", required=True, key=KIND,
                                format_func=lambda k: "全部" if k == "all" else kind_label(k))
    chosen_years = c2.multiselect("年份", years, key=YEARS, placeholder="不限")
    chosen_tags = c3.multiselect("标签", tags, key=TAGS, placeholder="不限") if tags else []
    order = c4.selectbox("排序", list(SORTS), format_func=SORTS.get, key=SORT)
    needle = c5.text_input("标题包含", key=TITLE, placeholder="输入标题中的词").strip()
    issuer, genre = official_filters(kb)
    filters = Filters(kind=None if kind in (None, "all") else kind, tags=tuple(chosen_tags), issuer=issuer,
                      genre=genre)
    docs = kb.documents(filters, order=order)
    if chosen_years:
        docs = [d for d in docs if _year(d) in chosen_years]
    if needle:
        docs = [d for d in docs if needle.lower() in d.title.lower()]
    return docs


def official_filters(kb: KnowledgeBase) -> tuple[str | None, str | None]:
    """发文机关 and 文种 choices with their document counts, when the library holds 公文."""
    facets = kb.facets()
    if not (facets.issuers or facets.genres):
        return None, None
    c1, c2, _ = st.columns([FILTER_COLUMNS[0], FILTER_COLUMNS[1] + FILTER_COLUMNS[2], sum(FILTER_COLUMNS[3:])])
    issuers = dict(facets.issuers)
    genres = dict(facets.genres)
    issuer = c1.selectbox("发文机关", [None, *issuers], key=ISSUER, placeholder="不限",
                          format_func=lambda v: "不限" if v is None else plain(f"{v}（{issuers[v]}）"),
                          help="联合发文的文件，按其中任一发文机关都能找到")
    genre = c2.selectbox("文种", [None, *genres], key=GENRE,
                         format_func=lambda v: "不限" if v is None else plain(f"{v}（{genres[v]}）"))
    return issuer, genre


def _pick_row() -> None:
    """Table callback: a clicked row opens that document."""
    rows = st.session_state[TABLE].selection.rows
    if rows:
        st.session_state[OPEN] = st.session_state["_lib_table_ids"][rows[0]]


def document_table(docs: list[DocumentRecord]) -> None:
    """The selected documents as a table; clicking a row opens the document below. 公文 columns (number,
    issuer, 文种) and the marks column appear when some document has them."""
    st.session_state["_lib_table_ids"] = [d.id for d in docs]
    official = any(d.gongwen for d in docs)
    marked = any(d.marks for d in docs)

    def row(d: DocumentRecord) -> dict:
        cells = {"标题": d.title, "类型": kind_label(d.kind), "日期": d.date or "—"}
        if official:
            g = d.gongwen
            cells.update({"发文字号": (g.number if g else None) or "—", "发文机关": (g.issuer if g else None) or "—",
                          "文种": (g.kind if g else None) or "—"})
        if marked:
            cells["标记"] = "、".join(d.marks)
        cells.update({"页数": str(d.page_count) if d.page_count else "—", "片段": d.chunk_count,
                      "字数": d.char_count, "标签": "、".join(d.tags), "文件": d.file_name})
        return cells

    st.dataframe(
        [row(d) for d in docs],
        hide_index=True, width="stretch", height=min(38 + 35 * len(docs), 420), key=TABLE,
        on_select=_pick_row, selection_mode="single-row",
    )


def _doc_label(doc: DocumentRecord) -> str:
    return f"{doc.date or '日期不详'} · {kind_label(doc.kind)} · {doc.title}"


def _minutes_facts(kb: KnowledgeBase, doc: DocumentRecord) -> None:
    """Date, theme, host, place, attendees and speakers of a session's minutes."""
    session = kb.archive.session(doc.id).to_dict()  # with the organisers' corrections
    rows = [("学习日期", session.get("date")), ("学习主题", session.get("theme")), ("主持人", session.get("host")),
            ("地点", session.get("location")), ("参加人员", "、".join(session.get("attendees") or ())),
            ("发言人", "、".join(session.get("speakers") or ())), ("记录人", session.get("recorder"))]
    st.markdown("\n".join(f"- **{label}**：{plain(value)}" for label, value in rows if value))


def _gongwen_facts(doc: DocumentRecord) -> None:
    """The 公文 parts recognised at import, and how an export cites the document."""
    g = doc.gongwen
    assert g is not None
    rows = [("发文机关", g.issuer), ("发文字号", g.number), ("文种", g.kind), ("成文日期", g.date),
            ("主送", "、".join(g.recipients))]
    st.markdown("\n".join(f"- **{label}**：{plain(value)}" for label, value in rows if value)
                + f"\n- **引用格式**：{plain(doc.citation())}")


def _versions(kb: KnowledgeBase, doc: DocumentRecord) -> None:
    """The other stored versions of this document's work (near-duplicates linked at import)."""
    versions = kb.versions(doc.id)
    if not versions:
        return
    with st.expander(f"另见 {len(versions)} 个版本（内容近似的其他文件）"):
        for version in versions:
            similar = f"，相似度 {version.similarity:.0%}" if version.similarity is not None else ""
            st.button(f"《{plain(version.document.title)}》 · {plain(version.document.file_name)}{similar}",
                      key=f"version-{doc.id}-{version.document.id}", on_click=_open_document,
                      args=(version.document.id,), type="tertiary")


@common.callback
def _delete(kb: KnowledgeBase, doc_id: str) -> None:
    doc = kb.delete(doc_id)
    st.session_state.pop(OPEN, None)
    st.toast(f"已从资料库删除《{plain(doc.title)}》", icon="🗑️")


@common.callback
def _set_date(kb: KnowledgeBase, doc_id: str) -> None:
    value = st.session_state.get(f"date-{doc_id}", "")
    doc = kb.set_date(doc_id, value)
    st.toast(f"已将《{plain(doc.title)}》的日期改为 {doc.date or '日期不详'}", icon="✅")


def date_editor(kb: KnowledgeBase, doc: DocumentRecord) -> None:
    """Correct the document's date (an import may take it from the wrong place): organisers and up."""
    if not kb.can("document.edit"):
        return
    with st.expander("更正日期"):
        st.caption("导入时按文档自己的落款、标题、文件名或文件属性确定日期；如不对，在此更正。时间筛选和引用都用这个日期。")
        left, right = st.columns([3, 1])
        left.text_input("日期", value=doc.date or "", key=f"date-{doc.id}", placeholder="2024-03-15，或 2024-03、2024",
                        label_visibility="collapsed")
        right.button("保存日期", key=f"date-save-{doc.id}", on_click=_set_date, args=(kb, doc.id), width="stretch")


def document_view(kb: KnowledgeBase, doc: DocumentRecord) -> None:
    """One document: its facts, its text as a whole, by chunk, and by page."""
    st.subheader(f"《{plain(doc.title)}》")
    facts = [kind_label(doc.kind), doc.date or "日期不详", doc.format.upper(),
             f"{doc.page_count} 页" if doc.page_count else "", f"{doc.char_count} 字", f"{doc.chunk_count} 个片段"]
    st.caption(plain(" · ".join(f for f in facts if f) + (f" · 标签：{'、'.join(doc.tags)}" if doc.tags else "")))
    source = doc.path if common.may_see_paths(kb) else doc.file_name
    st.caption(f"来源文件：{plain(source)} · 导入于 {doc.added_at[:16].replace('T', ' ')}")
    if doc.marks:
        st.markdown(" ".join(f":red-badge[{plain(mark)}]" for mark in doc.marks),
                    help="文件首页印有的密级或“内部资料”等标记：请按有关规定使用和保管")
    if doc.gongwen:
        _gongwen_facts(doc)
    _versions(kb, doc)
    if doc.warnings:
        st.warning("导入提示：" + plain("；".join(doc.warnings)))
    date_editor(kb, doc)
    added = common.items_in_target(kb)
    common.add_buttons(kb, doc_id=doc.id, chunk_id=None, start=None, topic=None, added=added, key=f"view-{doc.id}")
    if doc.kind == "minutes":
        _minutes_facts(kb, doc)
    text = kb.text(doc.id)
    chunks = kb.chunks(doc.id)
    pages = kb.pages(doc.id)
    names = ["全文", f"分段（{len(chunks)}）"] + ([f"按页（{len(pages)}）"] if pages else [])
    tabs = st.tabs(names)
    with tabs[0], st.container(height=520):
        st.html(f'<div class="kb-fulltext">{html.escape(text)}</div>')
    with tabs[1]:
        start = 0
        if len(chunks) > CHUNKS_PER_PAGE:
            pages_of_chunks = (len(chunks) + CHUNKS_PER_PAGE - 1) // CHUNKS_PER_PAGE
            n = st.number_input("第几组片段", 1, pages_of_chunks, 1, key=f"chunkpage-{doc.id}",
                                help=f"每组 {CHUNKS_PER_PAGE} 个片段")
            start = (int(n) - 1) * CHUNKS_PER_PAGE
        for chunk in chunks[start:start + CHUNKS_PER_PAGE]:
            with st.container(border=True):
                where = " · ".join(p for p in (
                    f"片段 {chunk.ordinal + 1}",
                    page_range(chunk.page_start, chunk.page_end),
                    section_label(chunk.section, doc.title),
                ) if p)
                st.html(f'<div class="kb-meta">{html.escape(where)}</div>'
                        f'<div class="kb-snippet">{html.escape(chunk.text).replace(chr(10), "<br>")}</div>')
                common.add_buttons(kb, doc_id=doc.id, chunk_id=chunk.id, start=chunk.start, topic=None,
                                   added=added, key=f"chunk-{chunk.id}")
    if pages:
        with tabs[2]:
            numbers = [p.number for p in pages]
            number = st.selectbox("页码", numbers, key=f"page-{doc.id}", format_func=lambda n: f"第 {n} 页")
            page = pages[numbers.index(number)]
            st.html(f'<div class="kb-fulltext">{html.escape(text[page.start:page.end])}</div>')
    if not kb.can("document.delete"):
        return
    with st.expander("从资料库删除这篇文档"):
        st.caption("删除后检索不到这篇文档；学习清单中引用它的条目会标为“原文已删除”。源文件不受影响。")
        sure = st.checkbox("我确认要删除", key=f"sure-{doc.id}")
        st.button("删除", key=f"delete-{doc.id}", disabled=not sure, on_click=_delete, args=(kb, doc.id))


def kind_counts(counts: Counter) -> str:
    """"理论文章 12 篇，会议纪要 13 篇，学习成果 8 篇": every kind among the documents shown, in that order."""
    order = list(KIND_LABELS)
    ranked = sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return "，".join(f"{kind_label(kind)} {n} 篇" for kind, n in ranked)


def browse_tab(kb: KnowledgeBase) -> None:
    docs = filtered_documents(kb)
    counts = Counter(d.kind for d in docs)
    st.markdown(f"**共 {len(docs)} 篇**（{kind_counts(counts)}）" if docs else "**共 0 篇**")
    if not docs:
        st.info("没有符合筛选条件的文档，请放宽类型、年份、标签或标题条件。")
        return
    document_table(docs)
    ids = [d.id for d in docs]
    by_id = {d.id: d for d in docs}
    if st.session_state.get(OPEN) not in ids:
        st.session_state[OPEN] = ids[0]
    chosen = st.selectbox("打开文档", ids, key=OPEN, format_func=lambda i: _doc_label(by_id[i]),
                          help="在上表中点击一行，或在这里选择，查看全文、分段和页面")
    st.divider()
    document_view(kb, by_id[chosen])


def timeline_tab(kb: KnowledgeBase) -> None:
    """Past sessions, newest first, grouped by year: date, theme, host, speakers."""
    found = kb.archive.sessions()
    if not found:
        st.info("资料库中还没有会议纪要。在“资料导入”页导入学习会议纪要后，这里会按时间列出历次集体学习。")
        return
    sessions = sorted((s.to_dict() for s in found), key=lambda s: s.get("date") or "", reverse=True)
    st.markdown(f"**共 {len(sessions)} 次集体学习**")
    year = None
    for s in sessions:
        this_year = (s.get("date") or "日期不详")[:4]
        if this_year != year:
            year = this_year
            st.markdown(f"#### {plain(year)}")
        with st.container(border=True):
            left, right = st.columns([1, 5])
            left.markdown(f"**{plain(s.get('date') or '日期不详')}**")
            theme = s.get("theme") or s["title"]
            people = []
            if s.get("host"):
                people.append(f"主持：{s['host']}")
            if s.get("speakers"):
                people.append(f"发言：{'、'.join(s['speakers'])}")
            if s.get("location"):
                people.append(f"地点：{s['location']}")
            right.html(f"<div><b>{html.escape(theme)}</b></div>"
                       f'<div class="kb-meta">{html.escape(" · ".join(people))}</div>')
            right.button("查看纪要", key=f"timeline-{s['doc_id']}", on_click=_open_document, args=(s["doc_id"],))


@common.callback
def _open_document(doc_id: str) -> None:
    """Timeline button callback: show this document in the documents view, whatever the filters were."""
    st.session_state.update({VIEW: DOCS, OPEN: doc_id, KIND: "all", YEARS: [], TAGS: [], TITLE: "",
                             ISSUER: None, GENRE: None})


def render(kb: KnowledgeBase) -> None:
    st.title("资料库")
    st.caption("全体成员共享的理论文章、学习会议纪要和学习成果：按类型、年份、标签筛选，打开文档阅读全文、分段和原页面。")
    if common.empty_state(kb):
        return
    common.target_list_selector(kb)
    view = st.segmented_control("视图", [DOCS, TIMELINE], default=DOCS, required=True, key=VIEW,
                                format_func=lambda v: "文档" if v == DOCS else "学习活动时间线",
                                label_visibility="collapsed")
    if view == TIMELINE:
        timeline_tab(kb)
    else:
        browse_tab(kb)
