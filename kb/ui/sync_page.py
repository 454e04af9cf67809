"""文件夹同步: each synced folder's state (last run, what it did, its schedule), the documents whose file
is gone waiting for an organiser's decision (remove or keep), and, for administrators, adding a folder
and running it now (through the import worker, like any import)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from kb.errors import KBError
from kb.library import KnowledgeBase, describe_interval
from kb.records import SyncedFolder
from kb.ui import common
from kb.ui.text import plain

SCHEDULES = {None: "手动", 600: "每 10 分钟", 3600: "每小时", 86400: "每天"}
NEW_PATH, NEW_EVERY = "sync_new_path", "sync_new_every"


def _where(kb: KnowledgeBase, path: str) -> str:
    """A server path for those who may see them, else the folder's or file's name."""
    return path if common.may_see_paths(kb) else (Path(path).name or path)


def _last_run(folder: SyncedFolder) -> str:
    if not folder.last_run_at:
        return "尚未同步"
    s = folder.last_report or {}
    when = folder.last_run_at[:16].replace("T", " ")
    if s.get("unreachable"):
        return f"上次同步 {when}：文件夹无法访问（磁盘或共享未连接？），未检查删除情况"
    return (f"上次同步 {when}：新增 {s.get('added', 0)}，更新 {s.get('updated', 0)}，移动或改名 {s.get('moved', 0)}，"
            f"未变 {s.get('unchanged', 0)}，跳过 {s.get('skipped', 0)}")


@common.callback
def _run_now(kb: KnowledgeBase, path: str) -> None:
    job = kb.submit_sync(path)
    ahead = f"前面还有 {job.ahead} 项导入，" if job.ahead else ""
    st.toast(f"已加入导入队列：{ahead}同步完成后刷新本页查看结果", icon="🔄")


@common.callback
def _forget(kb: KnowledgeBase, path: str) -> None:
    kb.sync.forget(path)
    st.toast("已停止同步该文件夹（已导入的文档保留）", icon="✅")


def _pick_key(path: str, doc_id: str) -> str:
    return f"sync_gone_{path}_{doc_id}"


@common.callback
def _decide(kb: KnowledgeBase, path: str, doc_ids: list[str], remove: bool) -> None:
    chosen = [doc_id for doc_id in doc_ids if st.session_state.get(_pick_key(path, doc_id))]
    if not chosen:
        st.toast("请先勾选文档", icon="⚠️")
        return
    if remove:
        removed = kb.sync.remove_gone(path, chosen)
        left = len(chosen) - len(removed)
        st.toast(f"已从资料库移除 {len(removed)} 篇" + (f"；{left} 篇的文件已恢复，未移除" if left else ""), icon="🗑️")
    else:
        st.toast(f"已保留 {kb.sync.keep(path, chosen)} 篇（不再列为待移除）", icon="✅")


def gone_list(kb: KnowledgeBase, folder: SyncedFolder) -> None:
    """The documents whose file is gone: tick them, then remove them from the knowledge base or keep them."""
    waiting = folder.waiting
    if not waiting:
        return
    st.markdown(f"**{len(waiting)} 篇文档的文件已不在文件夹中**：同步不会自动删除，请确认是否从资料库移除。")
    for gone in waiting:
        st.checkbox(f"《{plain(gone.title)}》 · {plain(_where(kb, gone.path))} · "
                    f"{gone.noticed_at[:16].replace('T', ' ')} 发现", key=_pick_key(folder.path, gone.doc_id))
    if not kb.can("sync.remove"):
        return
    ids = [gone.doc_id for gone in waiting]
    left, right, _ = st.columns([1, 1, 3])
    left.button("移除所选", key=f"sync_remove_{folder.path}", on_click=_decide, args=(kb, folder.path, ids, True),
                help="从资料库删除这些文档（学习清单中引用它们的条目会标为“原文已删除”）")
    right.button("保留所选", key=f"sync_keep_{folder.path}", on_click=_decide, args=(kb, folder.path, ids, False),
                 help="文件虽已删除，文档仍留在资料库中，今后不再列出")


def folder_card(kb: KnowledgeBase, folder: SyncedFolder) -> None:
    with st.container(border=True):
        st.markdown(f"**{plain(_where(kb, folder.path))}** · {describe_interval(folder.every_seconds)}")
        st.caption(plain(_last_run(folder)))
        if kb.can("sync.folder"):
            left, right, _ = st.columns([1, 1, 3])
            left.button("立即同步", key=f"sync_run_{folder.path}", on_click=_run_now, args=(kb, folder.path))
            right.button("停止同步", key=f"sync_forget_{folder.path}", on_click=_forget, args=(kb, folder.path),
                         help="不再同步这个文件夹；已导入的文档保留")
        gone_list(kb, folder)


def add_folder(kb: KnowledgeBase) -> None:
    with st.form("sync_add", clear_on_submit=True):
        st.markdown("**添加同步文件夹**")
        path = st.text_input("服务器上的文件夹路径" + ("（须在导入目录内）" if not kb.actor.local else ""),
                             key=NEW_PATH, placeholder="/srv/学习资料/中心组")
        every = st.selectbox("同步频率", list(SCHEDULES), format_func=SCHEDULES.get, key=NEW_EVERY,
                             help="运行中的资料库服务器按此频率自动同步（命令行也可用 kb sync --due 配合定时任务）；"
                                  "也可随时“立即同步”")
        if st.form_submit_button("添加并同步") and path.strip():
            try:
                added = kb.sync.add(path, every)
                kb.submit_sync(added.path)
                st.success("已添加，首次同步已加入导入队列")
            except KBError as e:
                common.show_error(e, kb)


def render(kb: KnowledgeBase) -> None:
    st.title("文件夹同步")
    st.caption("让资料库与文件夹保持一致：新增和修改的文件自动导入，改名或移动的文件保留原文档；"
               "文件夹中已删除的文件列在这里，由组织者确认是否从资料库移除，不会自动删除。")
    folders = kb.sync.folders()
    if not folders:
        st.info("还没有同步文件夹。" + ("在下方添加，或在命令行运行 kb sync 文件夹路径。" if kb.can("sync.folder")
                                        else "请管理员添加。"))
    for folder in folders:
        folder_card(kb, folder)
    if kb.can("sync.folder"):
        add_folder(kb)
