"""学习清单: create, edit, reorder and annotate reading lists, draft one from a topic, export them."""

from __future__ import annotations

import html

import streamlit as st

from kb.errors import KBError
from kb.export import LIST_FORMATS, MIME_TYPES, SessionHeader, list_title, suggested_filename
from kb.library import KnowledgeBase
from kb.presets import load_presets, preset
from kb.records import CHANGED, MISSING, Filters, ReadingItem, ReadingList, page_range
from kb.ui import common
from kb.ui.text import citation, list_name_for, plain, plain_lines, unique_name

CURRENT = "lists_current"
GROUP = "lists_group"
SHOWN = "lists_group_shown"  # the list the group was last chosen for
UNDO = "lists_undo"  # (list name, the item last removed from it)
FORMAT_LABELS = {"docx": "Word（.docx）", "pdf": "PDF", "md": "Markdown", "csv": "表格（.csv）"}
EXCERPT_CHARS = 160
# What a draft reads from: by default what the library hands out as readings (theory texts, never a
# member's own study output), else minutes, or everything when the organiser asks for it.
READINGS = "readings"
DRAFT_SOURCES: dict[str, tuple[str, Filters | None]] = {
    READINGS: ("理论文章", None),
    "minutes": ("会议纪要", Filters(kind="minutes")),
    "all": ("全部类型（含学习成果）", Filters()),
}


def _notify(message: str, ok: bool = True) -> None:
    """A toast; its text names lists and documents, so it is shown as plain text."""
    st.toast(plain(message), icon="✅" if ok else "⚠️")


@common.callback
def _safely(action, *args, done: str | None = None, **kwargs) -> None:
    """Run a list edit from a button callback; a user mistake becomes a toast, not a traceback."""
    try:
        action(*args, **kwargs)
    except KBError as e:
        _notify(str(e), ok=False)
        return
    if done:
        _notify(done)


# ---- creating -----------------------------------------------------------------------------------
@common.callback
def _create(kb: KnowledgeBase) -> None:
    name = st.session_state.get("new_list_name", "").strip()
    topic = st.session_state.get("new_list_topic", "").strip() or None
    try:
        kb.lists.create(name, topic=topic, description=st.session_state.get("new_list_desc", "").strip() or None)
    except KBError as e:
        _notify(str(e), ok=False)
        return
    st.session_state[CURRENT] = st.session_state[common.TARGET] = name
    for key in ("new_list_name", "new_list_topic", "new_list_desc"):
        st.session_state[key] = ""
    _notify(f"已新建学习清单《{name}》：到“专题检索”或“资料库”页面加入材料")


@common.callback
def _draft(kb: KnowledgeBase) -> None:
    topic = st.session_state.get("draft_topic", "").strip()
    if not topic:
        _notify("请先选择或输入一个学习主题", ok=False)
        return
    name = st.session_state.get("draft_name", "").strip() or unique_name(list_name_for(topic), kb.lists.names())
    try:
        lst = kb.lists.draft(name, topic, k=int(st.session_state.get("draft_k", 8)),
                             filters=DRAFT_SOURCES[st.session_state.get("draft_kind") or READINGS][1])
    except KBError as e:
        _notify(str(e), ok=False)
        return
    st.session_state[CURRENT] = st.session_state[common.TARGET] = name
    st.session_state["draft_name"] = ""
    _notify(f"已起草学习清单《{name}》，共 {len(lst.items)} 条，请检查、调整后导出")


def _preset_to_topic() -> None:
    chosen = preset(st.session_state.get("draft_preset") or "")
    if chosen:
        st.session_state["draft_topic"] = chosen.query


def create_forms(kb: KnowledgeBase) -> None:
    if not kb.can("list.create"):
        return
    with st.expander("根据主题自动起草", expanded=not kb.lists.names()):
        st.caption("按主题检索最相关的文档，每篇取最相关的一段，生成清单草稿，再由秘书组增删调整。")
        presets = load_presets()
        st.selectbox("预设主题", [p.id for p in presets], index=None, key="draft_preset",
                     format_func={p.id: p.name for p in presets}.get, placeholder="选择问题领域或学习主题",
                     on_change=_preset_to_topic)
        st.text_input("主题", key="draft_topic", placeholder="例如：纠治形式主义官僚主义")
        c1, c2 = st.columns(2)
        c1.number_input("篇数", 1, 30, 8, key="draft_k")
        c2.selectbox("只取", list(DRAFT_SOURCES), key="draft_kind", format_func=lambda k: DRAFT_SOURCES[k][0])
        st.text_input("清单名称（可不填）", key="draft_name", placeholder="默认：主题 + 学习清单")
        st.button("起草清单", type="primary", key="draft_go", on_click=_draft, args=(kb,))
    with st.expander("新建空白清单"):
        st.text_input("清单名称", key="new_list_name", placeholder="例如：2025年第3次集体学习材料")
        st.text_input("学习主题（可选）", key="new_list_topic")
        st.text_area("说明（可选）", key="new_list_desc", height=80)
        st.button("新建", key="new_list_go", on_click=_create, args=(kb,))


# ---- one list -----------------------------------------------------------------------------------
@common.callback
def _rename(kb: KnowledgeBase, name: str) -> None:
    new_name = st.session_state.get(f"edit-name-{name}", "").strip()
    try:
        lst = kb.lists.update(
            name,
            new_name=new_name if new_name and new_name != name else None,
            topic=st.session_state.get(f"edit-topic-{name}", "").strip(),
            description=st.session_state.get(f"edit-desc-{name}", "").strip(),
        )
    except KBError as e:
        _notify(str(e), ok=False)
        return
    if st.session_state.get(common.TARGET) == name:
        st.session_state[common.TARGET] = lst.name
    st.session_state[CURRENT] = lst.name
    _notify("已保存清单名称和说明")


@common.callback
def _delete(kb: KnowledgeBase, name: str) -> None:
    _safely(kb.lists.delete, name, done=f"已删除学习清单《{name}》")
    st.session_state.pop(CURRENT, None)


@common.callback
def _annotate(kb: KnowledgeBase, name: str, item_id: int) -> None:
    note = st.session_state.get(f"note-{item_id}", "").strip()
    _safely(kb.lists.annotate, name, item_id, note or None, done="已保存备注")


def settings(kb: KnowledgeBase, lst: ReadingList) -> None:
    if kb.can("list.edit"):
        with st.expander("修改名称、主题和说明"):
            st.text_input("名称", value=lst.name, key=f"edit-name-{lst.name}")
            st.text_input("学习主题", value=lst.topic or "", key=f"edit-topic-{lst.name}")
            st.text_area("说明", value=lst.description or "", key=f"edit-desc-{lst.name}", height=80)
            st.button("保存", key=f"save-{lst.name}", on_click=_rename, args=(kb, lst.name))
    if not kb.can("list.delete"):
        return
    with st.expander("删除这份清单"):
        st.caption("只删除清单，不影响资料库中的文档。")
        sure = st.checkbox("我确认要删除", key=f"sure-list-{lst.name}")
        st.button("删除清单", key=f"delete-{lst.name}", disabled=not sure, on_click=_delete, args=(kb, lst.name))


def item_row(kb: KnowledgeBase, lst: ReadingList, item: ReadingItem) -> None:
    """One item: number, title, citation, the passage, its note, and move/remove buttons."""
    pages = page_range(item.page_start, item.page_end)
    with st.container(border=True):
        body, buttons = st.columns([6, 1])
        what = "片段" if item.is_passage else "全文"
        body.html(
            f"<div><b>{item.position}. 《{html.escape(item.title)}》</b>"
            f'<span class="kb-meta">（{what}）</span></div>'
            f'<div class="kb-meta">{html.escape(citation(item.date, item.kind, pages, item.section, item.title))}</div>'
        )
        if item.status == MISSING:
            body.warning("原文已从资料库删除；导出时会标注“原文已删除”。")
        elif item.status == CHANGED:
            body.warning("原文已更新，这一段在新版本中找不到了，请核对。")
        if item.text:
            excerpt = item.text if len(item.text) <= EXCERPT_CHARS else item.text[:EXCERPT_CHARS] + "…"
            body.html(f'<div class="kb-snippet">{html.escape(excerpt)}</div>')
        if not kb.can("list.edit"):
            if item.note:
                body.html(f'<div class="kb-meta">导读：{html.escape(item.note)}</div>')
            return
        body.text_input("备注 / 学习提示", value=item.note or "", key=f"note-{item.id}",
                        placeholder="例如：重点读第二部分；会上请某同志领学",
                        on_change=_annotate, args=(kb, lst.name, item.id))
        last = len(lst.items)
        buttons.button("上移", key=f"up-{item.id}", disabled=item.position == 1, width="stretch",
                       on_click=_safely, args=(kb.lists.move, lst.name, item.id, item.position - 1))
        buttons.button("下移", key=f"down-{item.id}", disabled=item.position == last, width="stretch",
                       on_click=_safely, args=(kb.lists.move, lst.name, item.id, item.position + 1))
        buttons.button("移除", key=f"remove-{item.id}", width="stretch", on_click=_remove, args=(kb, lst.name, item.id))


@common.callback
def _remove(kb: KnowledgeBase, name: str, item_id: int) -> None:
    """Remove an item and remember it, so that the page offers to undo the removal."""
    try:
        item = kb.lists.remove(name, item_id)
    except KBError as e:
        _notify(str(e), ok=False)
        return
    st.session_state[UNDO] = (name, item)


@common.callback
def _undo(kb: KnowledgeBase) -> None:
    name, item = st.session_state.pop(UNDO)
    try:
        kb.lists.restore(name, item)
    except KBError as e:
        _notify(str(e), ok=False)
        return
    _notify(f"已恢复《{item.title}》")


def undo_bar(kb: KnowledgeBase, lst: ReadingList) -> None:
    """After a removal from this list: what was removed, and a button that puts it back."""
    removed = st.session_state.get(UNDO)
    if not removed or removed[0] != lst.name:
        return
    text, button = st.columns([4, 1])
    text.info(f"已移除第 {removed[1].position} 项《{plain(removed[1].title)}》。")
    button.button("撤销移除", key="undo_remove", on_click=_undo, args=(kb,), width="stretch")


def export_header() -> tuple[str, SessionHeader]:
    """The optional issuing unit and session header printed on the handout."""
    with st.expander("抬头（可选）：发文单位、学习时间、地点、主持、参加范围"):
        unit = st.text_input("发文单位", key="export_unit", placeholder="如：中共某某县委理论学习中心组")
        c1, c2 = st.columns(2)
        time = c1.text_input("时间", key="export_time", placeholder="如：2026年3月18日上午9:00")
        place = c2.text_input("地点", key="export_place", placeholder="如：县委常委会议室")
        host = c1.text_input("主持", key="export_host")
        audience = c2.text_input("参加范围", key="export_audience", placeholder="如：县委理论学习中心组成员")
    return unit, SessionHeader(time=time, place=place, host=host, audience=audience)


def export_bar(kb: KnowledgeBase, lst: ReadingList) -> None:
    unit, session = export_header()
    left, right = st.columns([2, 1])
    fmt = left.segmented_control("导出格式", list(LIST_FORMATS), default="docx", required=True, key="export_fmt",
                                 format_func=lambda f: FORMAT_LABELS.get(f, f)) or "docx"
    # Made when the button is clicked (and only then audited as an export), for whoever clicked it.
    right.download_button(f"下载 {FORMAT_LABELS.get(fmt, fmt)}",
                          data=lambda: kb.lists.export(lst.name, fmt, unit=unit, session=session),
                          file_name=suggested_filename(list_title(lst.name), fmt),
                          mime=MIME_TYPES.get(fmt), type="primary", key="export_download",
                          disabled=not lst.items, width="stretch")


def list_view(kb: KnowledgeBase, lst: ReadingList) -> None:
    st.subheader(f"《{plain(lst.name)}》")
    facts = [f"学习主题：{lst.topic}" if lst.topic else "", f"{len(lst.items)} 条材料",
             f"更新于 {lst.updated_at[:16].replace('T', ' ')}"]
    st.caption(plain(" · ".join(f for f in facts if f)))
    if lst.description:
        st.markdown(plain_lines(lst.description))
    export_bar(kb, lst)
    settings(kb, lst)
    undo_bar(kb, lst)
    if not lst.items:
        st.info("清单还是空的：在“专题检索”或“资料库”页面点击“加入清单”添加材料（先在左侧选中这份清单）。"
                if kb.can("list.edit") else "清单还是空的。")
        return
    for item in lst.items:
        item_row(kb, lst, item)


def choose_list(groups: list[tuple[str, list[str]]]) -> None:
    """The list being edited: a year plan's month lists are grouped under the plan, in month order,
    so that a plan's twelve lists do not bury the others."""
    current = st.session_state[CURRENT]
    titles = [title for title, _ in groups]
    if len(groups) > 1:
        # The group follows the list chosen elsewhere (a list just drafted or created); a group the
        # person picked here stays, its first list shown.
        if st.session_state.get(GROUP) not in titles or st.session_state.get(SHOWN) != current:
            st.session_state[GROUP] = next((title for title, names in groups if current in names), titles[0])
        group = st.selectbox("分组", titles, key=GROUP, format_func=lambda t: f"{t}（{len(dict(groups)[t])}）")
    else:
        group = titles[0]
    names = dict(groups)[group]
    if current not in names:
        st.session_state[CURRENT] = names[0]
    st.radio(f"{group}（{len(names)}）", names, key=CURRENT, format_func=plain)
    st.session_state[SHOWN] = st.session_state[CURRENT]


def render(kb: KnowledgeBase) -> None:
    st.title("学习清单")
    st.caption("为一次集体学习编排学习材料：调整顺序、加备注，导出为 Word、PDF、Markdown 或表格发给成员。")
    names = kb.lists.names()
    if not names and not kb.can("list.create"):  # a member: nothing to choose or create, no empty column
        st.info("还没有学习清单。组织者编好学习清单后会列在这里，可以阅读和导出。")
        return
    side, main = st.columns([1, 2.6], gap="large")
    with side:
        if names:
            if st.session_state.get(CURRENT) not in names:
                st.session_state[CURRENT] = st.session_state.get(common.TARGET) \
                    if st.session_state.get(common.TARGET) in names else names[0]
            choose_list(kb.plans.list_groups())
        create_forms(kb)
    with main:
        if not names:
            st.info("还没有学习清单。可以在左侧“根据主题自动起草”一份，或新建空白清单后从检索结果中添加。"
                    if kb.can("list.create") else "还没有学习清单。")
            return
        lst = kb.lists.get(st.session_state[CURRENT])
        st.session_state[common.TARGET] = lst.name  # the list being edited is where "加入清单" adds next
        list_view(kb, lst)
