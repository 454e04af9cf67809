"""The 学习档案 page's study-record tabs: 名册 (members and the names minutes use), 签到 (per session,
the organiser's record over the minutes'), 补学, 学习成果, and 我的学习记录 for a member."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.library import KnowledgeBase
from kb.records import OUTPUT_TYPES, SIGNIN_LABELS, Session
from kb.ui.common import show_error
from kb.ui.text import plain

HOW = {"name": "名册姓名", "alias": "别名", "ignored": "已忽略", "unmatched": "未对应"}
STATUS_CODES = {label: code for code, label in SIGNIN_LABELS.items()}
NOBODY = "（忽略这个名字）"
NOTICE = "archive_notice"  # what the last change did, shown once after the page is drawn again


def _attempt(kb: KnowledgeBase, action, done: str) -> None:
    """Run a change and draw the page again (everything above the form shows it), saying it worked;
    or show the one-line reason it did not."""
    try:
        action()
    except KBError as e:
        show_error(e, kb)
        return
    st.session_state[NOTICE] = done
    st.rerun()


def notice() -> None:
    """Say what the last change did, once."""
    done = st.session_state.pop(NOTICE, None)
    if done:
        st.success(done)


def _height(rows: int) -> int:
    return min(38 + 35 * max(rows, 1), 600)


# ---- 名册 -------------------------------------------------------------------------------------------------
def roster_tab(kb: KnowledgeBase) -> None:
    members = kb.roster.members()
    st.caption("中心组成员名册（按排序）。纪要中的名字按姓名或别名对应到成员；任职、离任日期之外的学习不计入应参加。")
    st.dataframe([{"姓名": m.name, "职务": m.post, "任职": m.joined or "", "离任": m.left or "",
                   "别名": "、".join(m.aliases)} for m in members], hide_index=True, width="stretch",
                 height=_height(len(members)))
    uses = kb.roster.names()
    unmatched = [u for u in uses if u.how == "unmatched"]
    if unmatched:
        st.warning(f"纪要中有 {len(unmatched)} 个名字未对应名册：" + plain("、".join(u.name for u in unmatched)))
    if not kb.can("roster.edit"):
        return
    with st.expander("登记成员"), st.form("roster_add", clear_on_submit=True):
        left, right = st.columns(2)
        name = left.text_input("姓名")
        post = right.text_input("职务")
        joined = left.text_input("任职日期（可不填）", placeholder="2025-07-01")
        left_on = right.text_input("离任日期（可不填）")
        if st.form_submit_button("登记", type="primary"):
            _attempt(kb, lambda: kb.roster.add_member(name, post=post, joined=joined or None, left=left_on or None),
                     f"已登记成员 {plain(name.strip())}")
    if members:
        with st.expander("修改成员"):
            chosen = st.selectbox("成员", [m.name for m in members], key="roster_edit_member")
            member = next(m for m in members if m.name == chosen)
            with st.form(f"roster_edit_{member.id}"):
                left, right = st.columns(2)
                post = left.text_input("职务", member.post)
                position = right.number_input("位次", 1, len(members), member.position if member.position <= len(
                    members) else len(members))
                joined = left.text_input("任职日期", member.joined or "")
                left_on = right.text_input("离任日期", member.left or "")
                if st.form_submit_button("保存", type="primary"):
                    _attempt(kb, lambda: kb.roster.update_member(member.name, post=post, joined=joined, left=left_on,
                                                                 position=int(position)), "已保存。")
    if unmatched and members:
        with st.expander("处理未对应的名字", expanded=True), st.form("roster_alias"):
            alias = st.selectbox("纪要中的名字", [u.name for u in unmatched],
                                 format_func=lambda n: n + next(
                                     (f"（可能是 {'、'.join(u.suggestions)}）" for u in unmatched
                                      if u.name == n and u.suggestions), ""))
            target = st.selectbox("是哪位成员", [m.name for m in members] + [NOBODY])
            if st.form_submit_button("保存", type="primary"):
                _attempt(kb, lambda: kb.roster.map_name(alias, None if target == NOBODY else target), "已保存。")
    mapped = [u for u in uses if u.how in ("alias", "ignored")]
    if mapped:
        st.caption("已登记的别名和忽略的名字：" + plain("；".join(
            f"{u.name} → {u.member}" if u.member else f"{u.name}（忽略）" for u in mapped)))


# ---- 签到 -------------------------------------------------------------------------------------------------
def signin_tab(kb: KnowledgeBase, found: list[Session]) -> None:
    if not kb.roster.members():
        st.info("先在“名册”中登记中心组成员，签到表才能按成员列出。")
        return
    labels = {s.doc_id: s.label for s in reversed(found)}
    chosen = st.selectbox("学习活动", list(labels), format_func=lambda d: labels[d], key="signin_session")
    sheet = kb.roster.sheet(chosen)
    st.caption(f"出席 {sheet.count('present')} 人 · 请假 {sheet.count('leave')} 人 · 缺席 {sheet.count('absent')} 人"
               " · 标“登记”的为组织者登记，其余按纪要")
    st.dataframe([{"姓名": r.member, "职务": r.post, "签到": r.status_label, "事由": r.reason or "",
                   "重点发言": "是" if r.lead else "", "来源": "登记" if r.recorded else "纪要",
                   "补学": (r.makeup.date if r.makeup else "") if r.status != "present" else ""}
                  for r in sheet.rows], hide_index=True, width="stretch", height=_height(len(sheet.rows)))
    if sheet.unmatched:
        st.caption("纪要中未对应名册的名字：" + plain("、".join(sheet.unmatched)) + "（在“名册”中处理）")
    if not kb.can("signin.edit"):
        return
    with st.form(f"signin_form_{chosen}"):
        left, middle, right = st.columns(3)
        member = left.selectbox("成员", [r.member for r in sheet.rows])
        status = middle.selectbox("签到", list(SIGNIN_LABELS.values()))
        lead = right.selectbox("重点发言", ["按纪要", "是", "否"])
        reason = st.text_input("请假事由（请假时填写）")
        save, reset = st.columns(2)
        if save.form_submit_button("登记", type="primary"):
            _attempt(kb, lambda: kb.roster.sign(chosen, member, status=status, reason=reason or None,
                                                lead=None if lead == "按纪要" else lead == "是"), "已登记。")
        if reset.form_submit_button("恢复按纪要"):
            _attempt(kb, lambda: kb.roster.sign(chosen, member, reset=True), "已恢复按纪要。")


# ---- 补学 -------------------------------------------------------------------------------------------------
def makeup_tab(kb: KnowledgeBase, year: int | None) -> None:
    found = kb.roster.makeups(year)
    st.dataframe([{"姓名": m.member, "缺课场次": m.session_label, "补学日期": m.date,
                   "补学内容": "；".join(t for _, t in m.studied),
                   "心得体会": m.reflection[1] if m.reflection else "未提交"} for m in found],
                 hide_index=True, width="stretch", height=_height(len(found)))
    if not kb.can("makeup.edit"):
        return
    missed = [(sheet.session, row) for sheet in kb.roster.sheets(year) for row in sheet.rows
              if row.status != "present"]
    if not missed:
        st.caption("没有请假或缺席的记录。")
        return
    with st.expander("登记补学"), st.form("makeup_form"):
        labels = {i: f"{row.member} · {session.label}（{row.status_label}）" for i, (session, row) in enumerate(missed)}
        pick = st.selectbox("缺课", list(labels), format_func=lambda i: labels[i])
        date = st.text_input("补学日期", placeholder="2025-06-18")
        outputs = kb.documents()
        studied = st.multiselect("补学材料", [d.id for d in outputs if d.kind != "output"],
                                 format_func=lambda d: next(x.title for x in outputs if x.id == d))
        reflections = [d for d in outputs if d.kind == "output"]
        reflection = st.selectbox("心得体会（已作为学习成果导入的文档）", ["", *[d.id for d in reflections]],
                                  format_func=lambda d: next((x.title for x in reflections if x.id == d), "（未提交）"))
        if st.form_submit_button("登记", type="primary"):
            session, row = missed[pick]
            _attempt(kb, lambda: kb.roster.record_makeup(session.doc_id, row.member, date=date, studied=studied,
                                                         reflection=reflection or None), "已登记补学。")


# ---- 学习成果 ---------------------------------------------------------------------------------------------
def outputs_tab(kb: KnowledgeBase, year: int | None) -> None:
    found = kb.outputs.all(year)
    st.caption("心得体会、研讨发言材料、调研报告：以“学习成果”类型导入，可在专题检索中检索；在这里登记作者和对应的学习。")
    st.dataframe([{"类型": o.type, "题目": o.title, "作者": o.member or "", "年度": o.year,
                   "对应学习": o.session_label or (f"计划{o.month}月" if o.month else ""), "成果转化": o.outcome or ""}
                  for o in found], hide_index=True, width="stretch", height=_height(len(found)))
    if not kb.can("output.edit"):
        return
    loose = kb.outputs.unattributed()
    members = [m.name for m in kb.roster.members()]
    if loose and members:
        st.warning(f"有 {len(loose)} 篇学习成果尚未登记作者。")
        with st.form("output_attribute"):
            doc = st.selectbox("文档", [d.id for d in loose], format_func=lambda d: next(x.title for x in loose
                                                                                       if x.id == d))
            left, right = st.columns(2)
            kind = left.selectbox("类型", OUTPUT_TYPES)
            member = right.selectbox("作者", members)
            sessions = {s.doc_id: s.label for s in kb.archive.sessions(year=year)}
            session = st.selectbox("对应的学习（可不选）", ["", *sessions], format_func=lambda d: sessions.get(d, "—"))
            outcome = st.text_input("成果转化（调研报告形成的措施、制度或政策）")
            if st.form_submit_button("登记", type="primary"):
                _attempt(kb, lambda: kb.outputs.attribute(doc, type=kind, member=member, session=session or None,
                                                          year=year, outcome=outcome or None), "已登记。")
    reports = [o for o in found if o.type == "调研报告"]
    if reports:
        with st.expander("登记成果转化"), st.form("output_outcome"):
            doc = st.selectbox("调研报告", [o.doc_id for o in reports],
                               format_func=lambda d: next(o.title for o in reports if o.doc_id == d))
            outcome = st.text_input("成果转化情况")
            if st.form_submit_button("保存", type="primary"):
                _attempt(kb, lambda: kb.outputs.set_outcome(doc, outcome), "已保存。")


# ---- 我的学习记录 -----------------------------------------------------------------------------------------
def my_record_tab(kb: KnowledgeBase, year: int) -> None:
    me = kb.roster.member_of_actor()
    if me is None:
        st.info("当前账号的名字不在中心组成员名册中：请组织者在名册中登记，或把账号名登记为别名。")
        return
    assessment, rows, outputs = kb.assessment.member(me.name, year)
    cols = st.columns(5)
    cols[0].metric("应参加", assessment.due)
    cols[1].metric("出席", assessment.attended)
    cols[2].metric("请假 / 缺席", f"{assessment.leave} / {assessment.absent}")
    cols[3].metric("出勤率", f"{assessment.rate:.0%}")
    cols[4].metric("学习成果", len(outputs))
    if assessment.shortfalls:
        st.warning("对照考核标准：" + plain("；".join(assessment.shortfalls)))
    else:
        st.success("对照考核标准：已达标。")
    st.dataframe([{"学习活动": s.label, "签到": r.status_label, "事由": r.reason or "",
                   "重点发言": "是" if r.lead else "", "补学": r.makeup.date if r.makeup else ""} for s, r in rows],
                 hide_index=True, width="stretch", height=_height(len(rows)))
    if outputs:
        st.dataframe([{"类型": o.type, "题目": o.title, "对应学习": o.session_label or "", "成果转化": o.outcome or ""}
                      for o in outputs], hide_index=True, width="stretch")
