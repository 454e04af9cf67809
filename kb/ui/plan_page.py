"""Streamlit page for the year study plan (学习计划): themes by month, drafted readings, export."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.errors import KBError
from kb.export import MIME_TYPES, PLAN_FORMATS, suggested_filename
from kb.library import KnowledgeBase
from kb.records import PLAN_FORMATS as STUDY_FORMATS
from kb.records import Plan
from kb.ui.common import empty_state, remembered
from kb.ui.text import plain

NEW_PLAN = "＋ 新建计划"
CHOICE = "plan_year_choice"  # the year selector's state
GOTO = "plan_goto"  # a year to show on the next run (the selector cannot change once drawn)
FORMAT_LABELS = {"docx": "Word（.docx）", "md": "Markdown（.md）", "pdf": "PDF"}


def _act(action, *args, success: str | None = None, **kwargs):
    """Run a library call; a user mistake becomes an error message, not a traceback."""
    try:
        result = action(*args, **kwargs)
    except KBError as e:
        st.error(plain(str(e)))
        return None
    if success:
        st.toast(success, icon="✅")
    return result


# ---- creating -----------------------------------------------------------------------------------
def _new_plan_form(kb: KnowledgeBase, taken: list[int]) -> None:
    st.subheader("新建年度学习计划")
    default_year = date.today().year + 1
    while default_year in taken:
        default_year += 1
    with st.form("plan_new"):
        year = st.number_input("年份", min_value=1900, max_value=2999, value=default_year, step=1)
        main_line = st.text_input("全年学习主线", placeholder="如：深入学习贯彻党的创新理论，推动县域高质量发展")
        unit = st.text_input("制定单位（可选）", placeholder="如：中共某某县委理论学习中心组")
        from_presets = st.checkbox("按预设主题起草十二个月的主题（往期最久未学的排在前面）", value=True)
        draft = st.checkbox("同时为每个月从资料库起草学习清单", value=True)
        submitted = st.form_submit_button("创建计划", type="primary")
    if not submitted:
        return
    themes: list[str] = []
    formats: list[str] = []
    with st.spinner("正在起草…"):
        if from_presets:
            themes = [p.theme for p in kb.plans.propose_themes(int(year))]
            formats = kb.plans.proposed_formats(len(themes))
        created = _act(kb.plans.create, int(year), main_line, unit=unit or None, themes=themes, formats=formats)
        if created and draft:
            _act(kb.plans.draft, int(year))
    if created:
        st.session_state[GOTO] = int(year)
        st.rerun()


# ---- editing ------------------------------------------------------------------------------------
def _header_form(kb: KnowledgeBase, plan: Plan) -> None:
    with st.expander("计划标题、主线与制定单位"):
        with st.form(f"plan_header_{plan.year}"):
            title = st.text_input("标题（留空使用默认标题）", plan.title, placeholder=plan.display_title)
            main_line = st.text_area("全年学习主线", plan.main_line, height=68)
            unit = st.text_input("制定单位", plan.unit or "")
            if st.form_submit_button("保存"):
                _act(kb.plans.update, plan.year, title=title, main_line=main_line, unit=unit,
                     success="已保存")
                st.rerun()


def _months_form(kb: KnowledgeBase, plan: Plan) -> None:
    """All twelve themes, formats and notes in one form: an organiser edits the year at a glance."""
    with st.form(f"plan_months_{plan.year}"):
        heads = st.columns([1, 5, 2, 4])
        for col, text in zip(heads, ("月份", "学习主题", "学习形式", "备注"), strict=True):
            col.markdown(f"**{text}**")
        values = {}
        for m in plan.months:
            month_col, theme_col, format_col, note_col = st.columns([1, 5, 2, 4])
            month_col.markdown(f"{m.month}月")
            options = list(STUDY_FORMATS) + ([m.format] if m.format not in STUDY_FORMATS else [])
            values[m.month] = (
                theme_col.text_input("学习主题", m.theme, key=f"plan_theme_{plan.year}_{m.month}",
                                     label_visibility="collapsed"),
                format_col.selectbox("学习形式", options, index=options.index(m.format),
                                     key=f"plan_format_{plan.year}_{m.month}", label_visibility="collapsed"),
                note_col.text_input("备注", m.note or "", key=f"plan_note_{plan.year}_{m.month}",
                                    label_visibility="collapsed"),
            )
        saved = st.form_submit_button("保存各月安排", type="primary")
    if saved:
        for m in plan.months:
            theme, fmt, note = values[m.month]
            if (theme.strip(), fmt, note.strip()) != (m.theme, m.format, m.note or ""):
                if _act(kb.plans.set_month, plan.year, m.month, theme=theme, format=fmt, note=note) is None:
                    return
        st.toast("已保存各月安排", icon="✅")
        st.rerun()


def _month_detail(kb: KnowledgeBase, plan: Plan) -> None:
    labels = {m.month: f"{m.month}月 {m.theme or '（待定）'}" for m in plan.months}
    month = st.selectbox("查看某月的学习材料与往期学习", list(labels), format_func=lambda m: labels[m],
                         key=f"plan_month_{plan.year}")
    m = plan.month(month or 1)
    if not m.theme:
        st.info("请先为这个月填写学习主题。")
        return
    editing = kb.can("plan.edit")
    if m.list_name:
        lst = kb.lists.get(m.list_name)
        st.markdown(f"**学习清单《{plain(lst.name)}》**（{len(lst.items)} 项"
                    + ("，可在“学习清单”页面调整顺序、加导读）" if editing else "）"))
        if m.stale_list and editing:
            st.warning("本月主题已修改，这份清单是按原主题起草的，可以重新起草。")
        for item in lst.items:
            text_col, button_col = st.columns([6, 1])
            text_col.markdown(plain(f"{item.position}. {item.title}（{item.date or '日期不详'}）"))
            if kb.can("list.edit") and button_col.button("移除", key=f"plan_remove_{lst.id}_{item.id}"):
                _act(kb.lists.remove, lst.name, item.id)
                st.rerun()
        label = "重新起草本月清单"
    else:
        st.caption("本月还没有学习清单。")
        label = "起草本月清单"
    if editing and st.button(label, key=f"plan_draft_{plan.year}_{month}"):
        with st.spinner("正在从资料库检索…"):
            _act(kb.plans.draft_month, plan.year, month, replace=True, success="已起草本月学习清单")
        st.rerun()
    pool = kb.archive.sessions()  # in the key too: a corrected session theme changes the answer
    lines = remembered("plan_coverage", (plan.year, m.theme, kb.generation(), pool),
                       lambda: kb.plans.month_coverage(plan.year, m.theme, among=pool))
    st.markdown("**往期学习**")
    if lines:
        for line in lines:
            st.markdown(f"- {plain(line)}")
    else:
        st.caption("往期集体学习中没有学过这个主题。")


def _export(kb: KnowledgeBase, plan: Plan) -> None:
    st.subheader("导出")
    left, right = st.columns([2, 3])
    fmt = left.radio("格式", list(PLAN_FORMATS), format_func=lambda f: FORMAT_LABELS.get(f, f),
                     horizontal=True, key=f"plan_export_format_{plan.year}")
    with_coverage = right.checkbox("附往期学习情况", value=True, key=f"plan_export_coverage_{plan.year}")
    key = f"plan_export_{plan.year}"
    if st.button("生成导出文件", key=f"plan_export_make_{plan.year}"):
        with st.spinner("正在生成…"):
            data = _act(kb.plans.export, plan.year, fmt, with_coverage=with_coverage)
            if data is not None:
                st.session_state[key] = (fmt, data)
    made = st.session_state.get(key)
    if made and made[0] == fmt:
        st.download_button(f"下载{FORMAT_LABELS.get(fmt, fmt)}", made[1],
                           file_name=suggested_filename(plan.display_title, fmt), mime=MIME_TYPES[fmt],
                           key=f"plan_download_{plan.year}")


def _delete(kb: KnowledgeBase, plan: Plan) -> None:
    if not kb.can("plan.delete"):
        return
    with st.expander("删除计划"):
        with_lists = st.checkbox("同时删除各月学习清单", key=f"plan_delete_lists_{plan.year}")
        sure = st.checkbox(f"确认删除 {plan.year} 年学习计划", key=f"plan_delete_sure_{plan.year}")
        if st.button("删除", disabled=not sure, key=f"plan_delete_{plan.year}"):
            _act(kb.plans.delete, plan.year, delete_lists=with_lists)
            st.session_state[GOTO] = None
            st.rerun()


def _show_plan(kb: KnowledgeBase, plan: Plan) -> None:
    st.subheader(plain(plan.display_title))
    if plan.unit:
        st.caption(plain(plan.unit))
    st.markdown(f"**全年学习主线**：{plain(plan.main_line or '（未填写）')}")
    editing = kb.can("plan.edit")
    if editing:
        _header_form(kb, plan)
        _months_form(kb, plan)
    missing = [m.month for m in plan.months if m.theme and not m.list_name]
    left, right = st.columns(2)
    if editing and missing and left.button(f"为未起草的 {len(missing)} 个月起草学习清单", type="primary",
                               key=f"plan_draft_all_{plan.year}"):
        with st.spinner("正在从资料库检索各月学习材料…"):
            _act(kb.plans.draft, plan.year, success="已起草各月学习清单")
        st.rerun()
    stale = [m.month for m in plan.months if m.stale_list]
    if editing and stale and right.button(f"重新起草主题已改的 {len(stale)} 个月", key=f"plan_redraft_{plan.year}"):
        for month in stale:
            _act(kb.plans.draft_month, plan.year, month, replace=True)
        st.rerun()
    st.dataframe(
        [{"月份": f"{m.month}月", "学习主题": m.theme or "（待定）", "学习形式": m.format,
          "学习清单": m.list_name or "未起草", "材料数": m.readings} for m in plan.months],
        hide_index=True, width="stretch", height=38 + 35 * 12,
    )
    _month_detail(kb, plan)
    _export(kb, plan)
    _delete(kb, plan)


def render(kb: KnowledgeBase) -> None:
    st.title("学习计划")
    st.caption("全年有主线、月月有主题：每月的学习材料从资料库起草，并对照往期学习避免简单重复。")
    if empty_state(kb):
        return
    years = kb.plans.years()
    options = [*years, NEW_PLAN] if kb.can("plan.create") else years
    if not options:
        st.info("还没有学习计划。")
        return
    if GOTO in st.session_state:
        st.session_state[CHOICE] = st.session_state.pop(GOTO)
    if st.session_state.get(CHOICE) not in options:
        st.session_state[CHOICE] = options[0]
    choice = st.selectbox("年度", options, format_func=lambda y: y if y == NEW_PLAN else f"{y}年", key=CHOICE)
    if choice == NEW_PLAN:
        _new_plan_form(kb, years)
        return
    _show_plan(kb, kb.plans.get(int(str(choice))))
