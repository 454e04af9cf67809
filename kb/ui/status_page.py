"""概况: what the knowledge base holds, which model it uses, how big its index is, the last import."""

from __future__ import annotations

from pathlib import PurePath

import streamlit as st

from kb.library import KnowledgeBase
from kb.ui.common import may_see_paths
from kb.ui.text import format_bytes, plain

SUMMARY_LABELS = {"added": "新增", "updated": "更新", "unchanged": "未变化", "duplicates": "重复", "skipped": "跳过"}


def _when(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") if stamp else "—"


def render(kb: KnowledgeBase) -> None:
    st.title("概况")
    stats = kb.stats()
    c = st.columns(6)
    c[0].metric("文档", stats["documents"])
    c[1].metric("理论文章", stats["theory"])
    c[2].metric("会议纪要", stats["minutes"])
    c[3].metric("学习成果", stats["outputs"])
    c[4].metric("检索片段", stats["chunks"])
    c[5].metric("学习清单", len(kb.lists.names()))
    st.caption(f"公文 {stats['official']} 篇 · 带“内部资料”等标记 {stats['marked']} 篇 · "
               f"有多个版本的作品 {stats['works_with_versions']} 部"
               + (f" · 同步文件夹 {stats['synced_folders']} 个，待确认移除 {stats['gone_waiting']} 篇"
                  if stats["synced_folders"] else ""))
    st.subheader("检索引擎")
    c = st.columns(4)
    c[0].metric("语义模型", stats["model"], help="检索时理解查询意思所用的模型")
    c[1].metric("向量维度", stats["dim"] or "—")
    c[2].metric("索引大小", format_bytes(stats["index_bytes"]))
    c[3].metric("数据库大小", format_bytes(stats["database_bytes"]))
    where = f" · 数据目录 {plain(stats['data_dir'])}" if may_see_paths(kb) else ""
    st.markdown(f"**正在使用：{plain(stats['model_label'])}**")
    if stats["model_note"]:
        st.caption(plain(stats["model_note"]))
    st.caption(f"共 {stats['characters']:,} 字{where} · 数据格式版本 {stats['format_version']}")
    if stats["vectors_pending"]:
        st.info(f"还有 {stats['vectors_pending']:,} 个片段的语义向量正在计算：这些片段已可按关键词检索，"
                "计算完成后也能按意思检索。")
    st.subheader("最近一次导入")
    last = stats["last_ingest"]
    if not last:
        st.info("还没有导入过资料：到“资料导入”页面上传文件或导入文件夹。")
    else:
        parts = [f"{label} {last.get(key, 0)}" for key, label in SUMMARY_LABELS.items()]
        st.markdown(f"{_when(last.get('finished_at'))} 完成：" + "，".join(parts))
        for reason in last.get("skipped_reasons") or []:
            if not may_see_paths(kb):  # "<server path>：problem。fix" — only the file's name for others
                path, _, rest = reason.partition("：")
                reason = f"{PurePath(path).name}：{rest}"
            st.caption(f"跳过：{plain(reason)}")
    if stats["tags"]:
        st.subheader("标签")
        st.dataframe([{"标签": tag, "文档数": n} for tag, n in stats["tags"].items()], hide_index=True)
