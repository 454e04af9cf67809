"""资料导入: upload files (organisers) or name a server folder (administrators; inside the import roots
unless at this computer), ingest with a progress bar, show the ingest report."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from kb.errors import KBError
from kb.library import SUPPORTED_SUFFIXES, KnowledgeBase
from kb.records import IngestReport
from kb.ui import common
from kb.ui.text import kind_label, plain

REPORT = "last_report"
KINDS = ["auto", "theory", "minutes"]


def options() -> tuple[str | None, list[str]]:
    """The kind and tags chosen for this import."""
    c1, c2 = st.columns([1, 2])
    kind = c1.selectbox("文档类型", KINDS, key="import_kind",
                        format_func=lambda k: "自动识别" if k == "auto" else kind_label(k),
                        help="自动识别：标题或正文像会议纪要（含时间、主持人、参加人员等）的归为会议纪要，其余为理论文章")
    raw = c2.text_input("标签（可选，用逗号或顿号分隔）", key="import_tags", placeholder="例如：2025年、中心组")
    tags = [t.strip() for t in re.split(r"[,，、;；]", raw) if t.strip()]
    return (None if kind == "auto" else kind), tags


def run_import(kb: KnowledgeBase, start: Callable[..., IngestReport], kind: str | None, tags: list[str]) -> None:
    """Run an import (kb.upload or kb.ingest, given its files) with a progress bar; keep the report in
    the session so it stays on screen."""
    bar = st.progress(0.0, text="准备导入…")
    try:
        report = start(kind=kind, tags=tags, progress=common.progress_callback(bar))
    except KBError as e:
        bar.empty()
        common.show_error(e, kb)
        return
    bar.progress(1.0, text="导入完成")
    st.session_state[REPORT] = report


def upload_tab(kb: KnowledgeBase, kind: str | None, tags: list[str]) -> None:
    where = f"保存在 {plain(kb.data_dir / 'uploads')}" if common.may_see_paths(kb) else "保存在资料库的数据目录中"
    st.caption(f"支持的格式：{'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}。"
               f"上传的文件{where}，再次上传同名文件会更新原文档。")
    files = st.file_uploader("选择文件（可多选）", accept_multiple_files=True, key="import_files")
    if st.button("导入上传的文件", type="primary", disabled=not files, key="import_upload_go"):
        contents = [(file.name, file.getvalue()) for file in files]
        run_import(kb, lambda **how: kb.upload(contents, **how), kind, tags)


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
        run_import(kb, lambda **how: kb.ingest([path], **how), kind, tags)


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
    if st.session_state.get(REPORT) is not None:
        show_report(st.session_state[REPORT])
