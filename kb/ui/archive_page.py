"""Streamlit page for the session archive (学习档案): sessions, corrections, the roster, sign-in sheets,
补学, study outputs, a member's own record, attendance, past coverage."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.library import KnowledgeBase
from kb.records import SESSION_FIELD_NAMES, Session
from kb.ui import record_tabs
from kb.ui.common import empty_state, remembered
from kb.ui.text import highlight_html, plain

ALL_YEARS = "全部年份"


def _year_choice(found: list[Session], key: str) -> int | None:
    years: list[int | str] = sorted({s.year for s in found if s.year}, reverse=True)
    choice = st.selectbox("年份", [ALL_YEARS, *years], key=key)
    return None if choice == ALL_YEARS else int(str(choice))


def _names(names) -> str:
    return "、".join(names)


def _session_rows(found: list[Session]) -> list[dict]:
    return [
        {
            "日期": s.date or "日期不详",
            "学习主题": s.theme or s.title,
            "主持人": s.host or "",
            "参加人数": len(s.attendees),
            "发言人": _names(s.speakers),
            "已更正": "、".join(SESSION_FIELD_NAMES[f] for f in s.edited),
        }
        for s in found
    ]


def _edit_form(kb: KnowledgeBase, s: Session) -> None:
    """Correct the fields extraction got wrong; a saved correction outlives re-imports of the file."""
    with st.form(f"archive_edit_{s.doc_id}"):
        st.caption(plain(f"《{s.title}》 · 文档 {s.doc_id} · 记录人：{s.recorder or '—'}"))
        left, right = st.columns(2)
        date = left.text_input("日期", s.date or "", help="如 2024-03-19")
        host = right.text_input("主持人", s.host or "")
        theme = st.text_input("学习主题", s.theme or "")
        location = st.text_input("地点", s.location or "")
        attendees = st.text_area("参加人员（顿号分隔）", _names(s.attendees), height=80)
        speakers = st.text_area("发言人（按发言顺序，顿号分隔）", _names(s.speakers), height=68)
        save = st.form_submit_button("保存更正", type="primary")
    if save:
        given = {"date": date, "theme": theme, "host": host, "location": location,
                 "attendees": attendees, "speakers": speakers}
        shown = {"date": s.date or "", "theme": s.theme or "", "host": s.host or "", "location": s.location or "",
                 "attendees": _names(s.attendees), "speakers": _names(s.speakers)}
        # Only fields the organiser changed become corrections; the rest keep following the file.
        changed = {k: v for k, v in given.items() if v.strip() != shown[k]}
        try:
            kb.archive.edit_session(s.doc_id, **changed)
        except KBError as e:
            st.error(plain(str(e)))
            return
        st.success("已保存更正。" if changed else "没有改动。")
    if s.edited:
        names = "、".join(SESSION_FIELD_NAMES[f] for f in s.edited)
        st.caption(f"已更正的字段：{names}")
        if st.button("恢复为自动识别的值", key=f"archive_reset_{s.doc_id}"):
            kb.archive.edit_session(s.doc_id, reset=s.edited)
            st.rerun()


def _sessions_tab(kb: KnowledgeBase, everything: list[Session]) -> None:
    left, right = st.columns([1, 2])
    with left:
        year = _year_choice(everything, "archive_year")
    with right:
        theme = st.text_input("主题包含", key="archive_theme", placeholder="如：廉政、基层治理")
    found = kb.archive.narrow(everything, year=year, theme=theme)
    st.caption(f"共 {len(found)} 次集体学习")
    if not found:
        st.info("没有符合条件的学习活动。")
        return
    st.dataframe(_session_rows(found), hide_index=True, width="stretch", height=min(38 + 35 * len(found), 600))
    labels = {s.doc_id: s.label for s in found}
    label = "查看或更正一次学习" if kb.can("session.edit") else "查看一次学习"  # a member corrects nothing
    chosen = st.selectbox(label, list(labels), format_func=lambda d: labels[d], key="archive_session")
    current = next(s for s in found if s.doc_id == chosen)
    st.markdown(f"**参加人员**（{len(current.attendees)} 人）：{plain(_names(current.attendees) or '—')}")
    st.markdown(f"**发言人**：{plain(_names(current.speakers) or '—')}")
    if kb.can("session.edit"):
        with st.expander("更正抽取有误的字段"):
            _edit_form(kb, current)


def _attendance_tab(kb: KnowledgeBase, everything: list[Session]) -> None:
    year = _year_choice(everything, "archive_attendance_year")
    result = kb.archive.attendance_of(kb.archive.narrow(everything, year=year), year)
    st.metric("集体学习次数", len(result.sessions))
    if not result.members:
        st.info("没有可统计的参加人员。")
        return
    st.dataframe(
        [{"姓名": m.name, "参加": m.attended, "发言": m.spoke, "主持": m.hosted, "出勤率": f"{m.rate:.0%}",
          "缺席": "；".join(label.split(" ")[0] for label in m.missed)} for m in result.members],
        hide_index=True, width="stretch", height=min(38 + 35 * len(result.members), 600),
    )
    # Made when clicked (and only then audited as an export); every cell kept as text by spreadsheets.
    st.download_button("下载出勤统计（CSV）", lambda: kb.archive.export_attendance(year),
                       file_name=f"出勤统计-{year or '全部'}.csv", mime="text/csv", key="archive_attendance_csv")


def _coverage_tab(kb: KnowledgeBase, everything: list[Session]) -> None:
    st.caption("输入一个主题，查看往期哪些集体学习已经学过：按纪要内容和学习主题的相近程度排序。")
    topic = st.text_input("主题", key="archive_topic", placeholder="如：党风廉政建设")
    if not topic.strip():
        return
    found = remembered("archive_coverage", (topic, kb.generation(), everything),
                       lambda: kb.archive.coverage(topic, k=5, among=everything))
    verdicts = {c.verdict for c in found}
    if "已学过" not in verdicts:
        st.info(f"往期学习中没有专题学过“{plain(topic)}”"
                + ("，下面几次学习有所涉及：" if "相关" in verdicts else "，这是一个新主题。以下为最接近的几次：")
                if found else f"往期学习中没有与“{plain(topic)}”相关的记录。")
    if found:
        # Said once, not on every row: beside a 已学过 at 2.9 a "5～7" read as a contradiction.
        st.caption("匹配度：专题学过这个主题的一次学习通常在 5～7，再学一次的约为 2，无关的低于 1.5；"
                   "“已学过”还要求纪要含有主题的大部分词语，所以按判定排列，同一判定内按匹配度。")
    for c in found:
        heading = plain(f"{c.session.date or '日期不详'}　{c.session.theme or c.session.title}")
        st.markdown(f"**{heading}**　（{c.verdict}）")
        st.progress(c.relevance, text=f"{c.verdict} · 匹配度 {c.score:.1f} · 主持：{plain(c.session.host or '—')}")
        if c.snippet:
            st.html(f'<div class="kb-snippet">{highlight_html(c.snippet, c.highlights)}</div>')


def render(kb: KnowledgeBase) -> None:
    st.title("学习档案")
    if empty_state(kb):
        return
    everything = kb.archive.sessions()
    if not everything:
        st.info("资料库中还没有会议纪要。导入学习会议纪要后，每份纪要就是学习档案中的一次集体学习。")
        return
    record_tabs.notice()
    mine = kb.roster.member_of_actor() is not None
    names = ["历次学习", "签到", "补学", "学习成果", "名册", "出勤统计", "往期覆盖"]
    names += ["我的学习记录"] if mine else []
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["历次学习"]:
        _sessions_tab(kb, everything)
    with tabs["签到"]:
        year = _year_choice(everything, "signin_year")
        record_tabs.signin_tab(kb, kb.archive.narrow(everything, year=year))
    with tabs["补学"]:
        record_tabs.makeup_tab(kb, _year_choice(everything, "makeup_year"))
    with tabs["学习成果"]:
        record_tabs.outputs_tab(kb, _year_choice(everything, "outputs_year"))
    with tabs["名册"]:
        record_tabs.roster_tab(kb)
    with tabs["出勤统计"]:
        _attendance_tab(kb, everything)
    with tabs["往期覆盖"]:
        _coverage_tab(kb, everything)
    if mine:
        with tabs["我的学习记录"]:
            years = sorted({s.year for s in everything if s.year}, reverse=True)
            record_tabs.my_record_tab(kb, st.selectbox("年份", years, key="my_record_year"))
