"""资料导入: upload files (organisers) or name a server folder (administrators; inside the import roots
unless at this computer). Imports go to the import worker: the page shows this person's queue, each
job's progress (files read, then vectors computed) and the report of the last one they started."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from kb.errors import KBError
from kb.library import MAX_UPLOAD_FILES, SUPPORTED_SUFFIXES, KnowledgeBase
from kb.records import FAILED, FINISHED, JOB_STATE_LABELS, QUEUED, ImportJob, IngestReport
from kb.ui import common
from kb.ui.text import kind_label, plain

REPORT = "last_report"  # the report of an import run on this page itself (the sample)
JOB = "import_job"  # the id of the last import this session handed to the worker
UPLOAD_ROUND = "import_upload_round"  # bumped after each upload import: the uploader starts empty again
QUEUED_NOTE = "import_queued_note"  # "已加入导入队列…", shown once on the page drawn after the import started
KINDS = ["auto", "theory", "minutes", "output"]
REFRESH_SECONDS = 1.0  # how often the queue is redrawn while one of this person's imports is under way


def options() -> tuple[str | None, list[str]]:
    """The kind and tags chosen for this import."""
    c1, c2 = st.columns([1, 2])
    kind = c1.selectbox("文档类型", KINDS, key="import_kind",
                        format_func=lambda k: "自动识别" if k == "auto" else kind_label(k),
                        help="自动识别：标题或正文像会议纪要（含时间、主持人、参加人员等）的归为会议纪要，其余为理论文章；"
                             "学习成果（心得体会、研讨发言材料、调研报告）须选定，导入后在学习档案页登记作者和年度")
    raw = c2.text_input("标签（可选，用逗号或顿号分隔）", key="import_tags", placeholder="例如：2025年、中心组")
    tags = [t.strip() for t in re.split(r"[,，、;；]", raw) if t.strip()]
    return (None if kind == "auto" else kind), tags


def run_import(kb: KnowledgeBase, submit: Callable[..., ImportJob], kind: str | None, tags: list[str]) -> bool:
    """Hand an import (kb.submit_upload or kb.submit_ingest, given its files) to the import worker;
    the queue below shows how it goes. False when it was refused (the reason is shown)."""
    try:
        job = submit(kind=kind, tags=tags)
    except KBError as e:
        common.show_error(e, kb)
        return False
    st.session_state[JOB] = job.id
    st.session_state.pop(REPORT, None)
    where = f"前面还有 {job.ahead} 项导入，" if job.ahead else ""
    st.session_state[QUEUED_NOTE] = (f"已加入导入队列：{where}每篇文档读完即可按关键词检索，语义向量随后补齐。"
                                      "可以离开本页，稍后回来查看结果。")
    return True


def _progress_line(job: ImportJob) -> tuple[float, str]:
    """A job's progress as a fraction and one line, for its progress bar."""
    p = job.progress
    if job.state == QUEUED:
        return 0.0, f"排队中：前面还有 {job.ahead} 项导入" if job.ahead else "排队中：即将开始"
    if p is None:
        return 0.0, "正在开始…"
    if p.stage == "vectors":
        return p.fraction, f"已可按关键词检索；正在计算语义向量 {min(p.done, p.total)}/{p.total}"
    if p.stage == "done":
        return 1.0, "文件已读完，已可按关键词检索"
    return (p.fraction if p.total else 0.0), f"正在读取第 {p.reading} 个文件"


@st.fragment(run_every=REFRESH_SECONDS)
def _live_queue(kb: KnowledgeBase) -> None:
    """This person's imports under way, redrawn every second while there are any."""
    active = [job for job in kb.import_jobs() if job.active]
    for job in active:
        fraction, line = _progress_line(job)
        st.progress(min(max(fraction, 0.0), 1.0), text=f"{plain(job.label)}（{JOB_STATE_LABELS[job.state]}）：{line}")
    if not active:
        st.rerun()  # the last one just ended: redraw the whole page with its report


def show_queue(kb: KnowledgeBase) -> None:
    """This person's imports: those under way (live), the report of the last one this session started,
    and a short history."""
    jobs = kb.import_jobs()
    if any(job.active for job in jobs):
        st.subheader("导入队列")
        _live_queue(kb)
    mine = next((job for job in jobs if job.id == st.session_state.get(JOB)), None)
    if mine is not None and mine.state == FAILED:
        st.error(f"{plain(mine.label)}未完成：{plain(mine.error or '')}")
    elif mine is not None and mine.state == FINISHED and mine.report is not None:
        show_report(mine.report)
    done = [job for job in jobs if not job.active]
    if len(done) > (1 if mine is not None else 0):
        with st.expander(f"最近的导入（{len(done)}）"):
            st.dataframe([{"时间": job.submitted_at[:16].replace("T", " "), "内容": job.label,
                           "状态": JOB_STATE_LABELS[job.state],
                           "新增": len(job.report.added) if job.report else None,
                           "跳过": len(job.report.skipped) if job.report else None} for job in done],
                         hide_index=True, width="stretch")


def upload_tab(kb: KnowledgeBase, kind: str | None, tags: list[str]) -> None:
    where = f"保存在 {plain(kb.data_dir / 'uploads')}" if common.may_see_paths(kb) else "保存在资料库的数据目录中"
    st.caption(f"支持的格式：{'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}。"
               f"上传的文件{where}，再次上传同名文件会更新原文档。一次最多 {MAX_UPLOAD_FILES} 个文件。")
    # A fresh key after each import gives an empty uploader: files already handed over are not
    # offered again (importing them twice would only report duplicates).
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    files = st.file_uploader("选择文件（可多选）", accept_multiple_files=True,
                             key="import_files" if round_ == 0 else f"import_files_{round_}")
    if st.button("导入上传的文件", type="primary", disabled=not files, key="import_upload_go"):
        contents = [(file.name, file.getvalue()) for file in files or []]
        if run_import(kb, lambda **how: kb.submit_upload(contents, **how), kind, tags):
            st.session_state[UPLOAD_ROUND] = round_ + 1
            st.rerun()


def folder_tab(kb: KnowledgeBase, kind: str | None, tags: list[str]) -> None:
    if kb.actor.local:
        st.caption("本机上的文件夹路径：其中的文件（含子文件夹）都会导入；再次导入只处理新增或改动的文件。")
    else:
        st.caption("只能导入管理员设定的导入目录（“系统管理”页）中的文件夹：其中的文件（含子文件夹）都会导入；"
                   "再次导入只处理新增或改动的文件。")
    folder = st.text_input("文件夹或文件路径", key="import_folder", placeholder="/home/secretary/学习资料/2025年")
    if st.button("导入文件夹", type="primary", disabled=not folder.strip(), key="import_folder_go"):
        path = Path(folder.strip()).expanduser() if kb.actor.local else folder.strip()
        # Only the person at this computer is told whether a path exists; for anyone else the library
        # answers, with the same words for a missing path as for an existing one outside the roots.
        if kb.actor.local and not Path(path).exists():
            st.error(f"找不到 {plain(path)}：请检查路径是否正确（是运行本系统的电脑上的路径）。")
            return
        if run_import(kb, lambda **how: kb.submit_ingest([path], **how), kind, tags):
            st.rerun()


def _rows(entries) -> list[dict]:
    return [{"标题": e.title, "文件": Path(e.path).name, "片段": e.chunks or None, "说明": e.note} for e in entries]


def _skip_line(skipped) -> str:
    return f"**{plain(Path(skipped.path).name)}**：{plain(skipped.problem)}。{plain(skipped.fix)}"


def show_report(report: IngestReport) -> None:
    """Counts, then each group of files; skipped files with their reason and what to do."""
    st.subheader("导入结果")
    cols = st.columns(5)
    for col, (label, entries) in zip(cols, [("新增", report.added), ("更新", report.updated),
                                             ("未变化", report.unchanged), ("重复", report.duplicates),
                                             ("跳过", report.skipped)], strict=True):
        col.metric(label, len(entries))
    if report.nothing_read:
        st.error("没有文件被导入：下列文件都无法读取。")
    for skipped in report.skipped:
        st.warning(_skip_line(skipped))
    for found in report.near_duplicates:
        st.info(f"**{plain(Path(found.path).name)}**：{plain(found.note)}")
    for label, entries in [("新增的文档", report.added), ("更新的文档", report.updated),
                           ("重复的文件（未重复保存）", report.duplicates), ("未变化的文档", report.unchanged)]:
        if entries:
            with st.expander(f"{label}（{len(entries)}）", expanded=label == "新增的文档"):
                st.dataframe(_rows(entries), hide_index=True, width="stretch")
    if report.warnings:
        with st.expander(f"导入提示（{len(report.warnings)}）"):
            for warning in report.warnings:
                st.markdown(f"- {plain(warning)}")


def render(kb: KnowledgeBase) -> None:
    st.title("资料导入")
    st.caption("把理论文章、学习辅导材料和历次学习会议纪要导入共享资料库。看不清的扫描件需要安装 OCR 扩展。")
    if not kb.can("document.upload"):
        st.info("导入资料需要组织者或管理员权限。")
        return
    kind, tags = options()
    # Folders for administrators; the bundled (fictional) sample only at this computer, not into a
    # database the office shares.
    names = ["上传文件"] + (["从文件夹导入"] if kb.can("document.import") else []) + (
        ["示例资料"] if kb.actor.local else [])
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["上传文件"]:
        upload_tab(kb, kind, tags)
    if "从文件夹导入" in tabs:
        with tabs["从文件夹导入"]:
            folder_tab(kb, kind, tags)
    if "示例资料" in tabs:
        with tabs["示例资料"]:
            st.caption("自带的示例资料：一个县委理论学习中心组的理论文章和两年的集体学习会议纪要（虚构），用于体验。")
            if st.button("导入示例资料", key="import_sample_tab"):
                common.import_sample(kb)
    if st.session_state.get(QUEUED_NOTE):
        st.success(st.session_state.pop(QUEUED_NOTE))
    show_queue(kb)
    if st.session_state.get(REPORT) is not None:
        show_report(st.session_state[REPORT])
