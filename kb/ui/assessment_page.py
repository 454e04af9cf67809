"""Streamlit page for the yearly assessment (考核评价, organisers): the rules, the plan held against the
sessions (with corrections), every member against the rules and why anyone falls short, and the
exports an office files and sends up."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.export import MIME_TYPES
from kb.library import KnowledgeBase
from kb.records import COMPLETION_LABELS, GroupAssessment
from kb.ui.common import empty_state, show_error
from kb.ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUTO, NOT_HELD = "（按日期和主题自动对应）", "（未开展）"


def _rules(kb: KnowledgeBase) -> None:
    rules = kb.assessment.rules()
    st.caption(f"考核标准：{rules.describe()}")
    if not kb.can("assessment.rules"):
        return
    with st.expander("修改考核标准"), st.form("assessment_rules"):
        left, right = st.columns(2)
        attendance = left.number_input("出勤率下限（%）", 0, 100, round(rules.min_attendance * 100))
        outputs = right.number_input("每年心得体会或调研报告（篇）", 0, 50, rules.min_outputs)
        makeup = left.checkbox("请假或缺席须补学", rules.makeup_required)
        reflection = right.checkbox("补学须提交心得体会", rules.reflection_required)
        if st.form_submit_button("保存", type="primary"):
            try:
                kb.assessment.set_rules(min_attendance=attendance / 100, min_outputs=int(outputs),
                                        makeup_required=makeup, reflection_required=reflection)
            except KBError as e:
                show_error(e, kb)
                return
            st.rerun()


def _completion(kb: KnowledgeBase, group: GroupAssessment) -> None:
    st.subheader("学习计划完成情况")
    if group.plan_title is None:
        st.info(f"{group.year} 年没有学习计划：在“学习计划”页新建后，这里对照计划查看完成情况。")
        return
    if group.completion is not None:
        st.caption(f"{plain(group.plan_title)} · 计划完成率 {group.completion:.0%}")
    st.dataframe([{"月份": f"{m.month}月", "计划主题": m.theme, "完成情况": COMPLETION_LABELS[m.status],
                   "对应学习活动": m.session.label if m.session else "", "核定": "是" if m.corrected else ""}
                  for m in group.months], hide_index=True, width="stretch")
    if group.unplanned:
        st.caption("计划外开展的学习：" + plain("；".join(s.label for s in group.unplanned)))
    if not kb.can("plan.completion") or not group.months:
        return
    with st.expander("核定某月由哪次学习完成"), st.form("completion_form"):
        month = st.selectbox("月份", [m.month for m in group.months], format_func=lambda m: f"{m}月")
        labels = {s.doc_id: s.label for s in group.sessions}
        choice = st.selectbox("完成该月主题的学习", [AUTO, NOT_HELD, *labels],
                              format_func=lambda d: labels.get(d, d))
        if st.form_submit_button("保存", type="primary"):
            try:
                kb.assessment.set_held(group.year, month, None if choice in (AUTO, NOT_HELD) else choice,
                                       reset=choice == AUTO)
            except KBError as e:
                show_error(e, kb)
                return
            st.rerun()


def _members(group: GroupAssessment) -> None:
    st.subheader("成员考核")
    cols = st.columns(4)
    cols[0].metric("集体学习", f"{len(group.sessions)} 次")
    cols[1].metric("平均出勤率", f"{group.attendance:.0%}" if group.attendance is not None else "—")
    cols[2].metric("达标", f"{len(group.members) - len(group.short)} 人")
    cols[3].metric("未达标", f"{len(group.short)} 人")
    st.dataframe([{"姓名": m.name, "职务": m.post, "应参加": m.due, "出席": m.attended, "请假": m.leave,
                   "缺席": m.absent, "补学": m.made_up, "出勤率": f"{m.rate:.0%}", "重点发言": m.lead,
                   "心得体会": m.reflections, "研讨发言": m.speeches, "调研报告": m.reports, "成果转化": m.outcomes,
                   "结果": "达标" if m.passed else "未达标"} for m in group.members],
                 hide_index=True, width="stretch", height=min(38 + 35 * max(len(group.members), 1), 600))
    for m in group.short:
        st.markdown(f"- **{plain(m.name)}**：{plain('；'.join(m.shortfalls))}")
    st.caption("每月集体学习次数：" + "，".join(f"{i}月 {n} 次" for i, n in enumerate(group.per_month, 1) if n))


def _exports(kb: KnowledgeBase, year: int) -> None:
    st.subheader("导出")
    st.caption("文件在点击下载时生成，并记入操作日志。")
    cols = st.columns(3)
    cols[0].download_button("考核评价表（xlsx）", lambda: kb.assessment.export_table(year, "xlsx"),
                            file_name=f"{year}年考核评价表.xlsx", mime=XLSX, key="assess_xlsx")
    cols[1].download_button("考核评价表（csv）", lambda: kb.assessment.export_table(year, "csv"),
                            file_name=f"{year}年考核评价表.csv", mime=MIME_TYPES["csv"], key="assess_csv")
    cols[2].download_button("学习情况通报（docx）", lambda: kb.assessment.export_bulletin(year),
                            file_name=f"{year}年度学习情况通报.docx", mime=MIME_TYPES["docx"], key="assess_bulletin")
    cols = st.columns(3)
    cols[0].download_button("年度学习档案（docx）", lambda: kb.assessment.export_volume(year, "docx"),
                            file_name=f"{year}年度学习档案.docx", mime=MIME_TYPES["docx"], key="volume_docx")
    cols[1].download_button("年度学习档案（pdf）", lambda: kb.assessment.export_volume(year, "pdf"),
                            file_name=f"{year}年度学习档案.pdf", mime=MIME_TYPES["pdf"], key="volume_pdf")
    cols[2].download_button("档案专卷（zip，含原文件）", lambda: kb.assessment.export_volume(year, "zip"),
                            file_name=f"{year}年度学习档案.zip", mime="application/zip", key="volume_zip")


def render(kb: KnowledgeBase) -> None:
    st.title("考核评价")
    if empty_state(kb):
        return
    years = sorted({s.year for s in kb.archive.sessions() if s.year} | set(kb.plans.years()), reverse=True)
    if not years:
        st.info("还没有学习活动或学习计划：导入会议纪要、制定学习计划后，这里按年度考核。")
        return
    year = st.selectbox("年度", years, format_func=lambda y: f"{y}年", key="assessment_year")
    _rules(kb)
    try:
        group = kb.assessment.group(year)
    except KBError as e:
        show_error(e, kb)
        return
    if not kb.roster.members():
        st.info("名册为空：先在“学习档案”页的“名册”中登记中心组成员。")
    _completion(kb, group)
    _members(group)
    _exports(kb, year)
