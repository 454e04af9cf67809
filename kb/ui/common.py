"""Shared UI pieces: the cached knowledge-base loader, the page wrapper, errors, reading-list buttons."""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import streamlit as st

from kb.errors import FormatError, KBError, StoreUnavailable
from kb.library import ENV_LOCAL, KnowledgeBase, default_data_dir, describe_location, open_kb
from kb.ui import logs, session
from kb.ui.text import list_name_for, plain, unique_name

log = logging.getLogger(__name__)

_MODEL_READY: dict[str, threading.Event] = {}  # data directory -> its model has been loaded

TARGET = "target_list"  # session key: the reading list that "加入清单" buttons add to
_TARGET_WIDGET = "target_list_widget"

CSS = """
mark { background: #ffe58f; color: inherit; padding: 0 1px; border-radius: 2px; }
.kb-snippet { line-height: 1.85; font-size: 0.97rem; margin: 0.2rem 0 0.4rem 0; }
.kb-meta { color: #6b6b6b; font-size: 0.86rem; }
.kb-context { line-height: 1.9; font-size: 0.95rem; }
.kb-ctx { color: #555; }
.kb-passage { background: #fff4d1; border-bottom: 2px solid #e6a700; }
.kb-fulltext { line-height: 1.9; white-space: pre-wrap; font-size: 0.96rem; }
.kb-badge { display: inline-block; color: #a8071a; border: 1px solid #ffa39e; background: #fff1f0;
            border-radius: 3px; font-size: 0.78rem; padding: 0 4px; margin-right: 4px; }
.kb-versions { color: #6b6b6b; font-size: 0.86rem; }
/* Streamlit's file uploader has English words built in ("Upload", "200MB per file"): hidden and
   said in Chinese instead (kb serve sets the 200 MB limit). */
[data-testid="stFileUploaderDropzone"] button * { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.95rem; }
[data-testid="stFileUploaderDropzoneInstructions"] * { font-size: 0 !important; }
[data-testid="stFileUploaderDropzoneInstructions"]::after {
    content: "或把文件拖到这里，每个文件不超过 200MB"; font-size: 0.85rem; color: #6b6b6b; }
/* A segmented control scrolls its options sideways with the scroll bar hidden, so in a narrow column
   the last ones (学习成果) could not be seen at all: they wrap onto a second line instead. */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; }
"""


# ---- loading ------------------------------------------------------------------------------------
def data_dir() -> str | Path:
    """The data directory (or a database server's URL): KB_DATA (scripts/start.sh sets it), else the
    per-user default."""
    return default_data_dir()


def open_knowledge_base(path: str | Path) -> KnowledgeBase:
    """Open the knowledge base in `path` with the model it records (tests replace this function to
    inject an encoder). On a database server the indexes live in $KB_LOCAL (or the default folder),
    and are kept caught up with the other app servers' changes in the background."""
    kb = open_kb(path, local_dir=os.environ.get(ENV_LOCAL) or None)
    if kb.on_server:
        kb.follow_changes()
    return kb


def warm_up(kb: KnowledgeBase) -> threading.Event:
    """Load the model in a background thread, so the first page shows at once and the model is
    (nearly) ready by the time someone picks a topic; the event is set when loading has finished."""
    ready = threading.Event()

    def load() -> None:
        try:
            if kb.count_chunks():
                _ = kb.encoder
        except Exception:  # noqa: BLE001 - the first search reports the problem to the user
            log.exception("loading the model failed")
        finally:
            ready.set()

    threading.Thread(target=load, name="kb-model-warm-up", daemon=True).start()
    return ready


@st.cache_resource(show_spinner="正在打开资料库…")
def load_kb(path: str) -> KnowledgeBase:
    """One KnowledgeBase (and model) per process, shared by every browser session; each session uses
    it as its own person (kb.ui.session.view)."""
    logs.setup(path)
    kb = open_knowledge_base(path)  # a str: a database URL must not become a Path
    if kb.count_chunks():
        kb.refresh_indexes()  # read from disk (or brought up to date) before the first search
    _MODEL_READY[str(kb.data_dir)] = warm_up(kb)
    try:
        kb.submit_vectors()  # vectors an interrupted import left undone, computed by the import worker
    except KBError:
        log.exception("could not queue the missing vectors")
    kb.follow_sync_schedule()  # synced folders with a schedule run on it while the app is up
    return kb


def model_ready(kb: KnowledgeBase) -> bool:
    """Whether the background model load has finished (True when nothing is loading)."""
    ready = _MODEL_READY.get(str(kb.data_dir))
    return ready is None or ready.is_set()


def current_kb() -> KnowledgeBase:
    return load_kb(str(data_dir()))


# ---- pages --------------------------------------------------------------------------------------
def inject_css() -> None:
    st.html(f"<style>{CSS}</style>")


def show_unexpected(error: BaseException) -> None:
    """A bug, not a user mistake: one line with a reference for the person; the details, under the same
    reference, in the server's log file (kb.ui.logs) — never a traceback or a server path on the page."""
    ref = logs.record(error, "UI error")
    st.error(f"出现了意外错误（参考编号 {ref}）：请刷新页面重试；如果问题持续，请把参考编号告诉管理员。")


def may_see_paths(kb: KnowledgeBase) -> bool:
    """Server paths and the data directory are shown to the person at this computer and to
    administrators, never to other people on the network."""
    return kb.actor.local or kb.can("settings.read")


def show_error(error: KBError, kb: KnowledgeBase | None = None) -> None:
    """A KBError as its one line. A problem of the server itself (the database busy, full or damaged)
    names server paths: people who may not see them get a reference instead, the line goes to the log."""
    if isinstance(error, StoreUnavailable | FormatError) and (kb is None or not may_see_paths(kb)) \
            and session.lan():
        ref = logs.record(error, "knowledge base unavailable")
        st.error(f"资料库暂时无法使用（参考编号 {ref}）：请稍后重试；如果问题持续，请把参考编号告诉管理员。")
        return
    st.error(plain(str(error)))


T = TypeVar("T")


def callback(fn: Callable[..., None]) -> Callable[..., None]:
    """A button callback that reports instead of raising: Streamlit runs callbacks before the page,
    outside run_page's guard, so a refusal or a mistake becomes a toast, a bug a reference."""

    def run(*args, **kwargs) -> None:
        try:
            fn(*args, **kwargs)
        except KBError as e:
            st.toast(plain(str(e)), icon="⚠️")
        except Exception as e:  # noqa: BLE001 - the person gets a reference, the log the details
            st.toast(f"出现了意外错误（参考编号 {logs.record(e, 'UI callback error')}）：请刷新页面重试", icon="⚠️")

    run.__name__ = getattr(fn, "__name__", "callback")
    return run


def remembered(slot: str, key: object, compute: Callable[[], T]) -> T:
    """compute(), kept for this browser session until `key` changes: Streamlit reruns the whole page
    on every click, and a search or coverage lookup need not run again for an unrelated button."""
    if st.session_state.get(f"_{slot}_key") != key:
        st.session_state[f"_{slot}_key"], st.session_state[f"_{slot}"] = key, compute()
    return st.session_state[f"_{slot}"]


def open_view() -> KnowledgeBase | None:
    """The knowledge base as this browser session's person may use it; None (with the reason shown)
    when it cannot be opened or nobody is logged in."""
    try:
        base = current_kb()
    except KBError as e:
        show_error(e)
        if not session.lan():
            st.info(f"数据目录：{plain(describe_location(data_dir()))}（由环境变量 KB_DATA 指定）")
        return None
    kb = session.view(base)
    if kb is None:
        st.warning("请先登录。")
    return kb


def run_page(module: str) -> None:
    """Render the page module kb.ui.<module> with the knowledge base as this session's person sees it."""
    inject_css()
    try:
        kb = open_view()
        if kb is None:
            return
        page = importlib.import_module(f"kb.ui.{module}")
        sidebar_summary(kb)
        page.render(kb)
    except KBError as e:
        show_error(e)
    except Exception as e:  # noqa: BLE001 - the user gets a message, not a traceback
        show_unexpected(e)


def page(module: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    """A navigation entry that renders kb.ui.<module> (imported only when the page is opened)."""

    def render_page() -> None:
        run_page(module)

    render_page.__name__ = module
    return st.Page(render_page, title=title, icon=icon, url_path=module.removesuffix("_page"),
                   default=default)


def sidebar_summary(kb: KnowledgeBase) -> None:
    with st.sidebar:
        count = kb.count_documents()
        place = f" · {'数据库' if kb.on_server else '数据目录'} {plain(kb.location)}" \
            if may_see_paths(kb) and not session.lan() else ""
        st.caption(f"资料库：{count} 篇文档{place}")


# ---- empty knowledge base -----------------------------------------------------------------------
def import_sample(kb: KnowledgeBase) -> None:
    """Ingest the bundled sample corpus with a progress bar and report the result."""
    from kb.sample_kb import build_sample

    bar = st.progress(0.0, text="正在导入示例资料…")
    report = build_sample(kb, progress=progress_callback(bar))
    bar.progress(1.0, text="导入完成")
    st.session_state["last_report"] = report
    st.success(f"已导入示例资料：新增 {len(report.added)} 篇，跳过 {len(report.skipped)} 篇。"
               f"检索模型：{kb.stats()['model_label']}（可在“概况”页查看）。")
    # The sidebar's count was drawn before the import: draw the page again so it is current.
    st.rerun()


def progress_callback(bar) -> Callable:
    """An ingest progress callback that moves a st.progress bar."""

    def update(p) -> None:
        if p.stage == "vectors":
            bar.progress(p.fraction, text=f"已可按关键词检索；正在计算语义向量 {min(p.done, p.total)}/{p.total}")
        elif p.stage == "read" and p.total:
            name = Path(p.path).name if p.path else ""
            bar.progress(p.fraction * 0.95, text=f"正在读取 {p.reading}：{plain(name)}")

    return update


def empty_state(kb: KnowledgeBase) -> bool:
    """When the knowledge base has no documents, say how to fill it; returns True if it was empty."""
    if kb.count_documents():
        return False
    if not kb.can("document.upload"):
        st.info("资料库还是空的：请等组织者导入学习资料后再来查看。")
        return True
    st.info(
        "资料库还是空的。可以在左侧“资料导入”页面上传 PDF、Word、TXT、Markdown、HTML 文件，"
        "或在命令行运行 `kb ingest 文件夹路径`；也可以先导入自带的示例资料（理论文章和学习会议纪要）体验一下。"
    )
    if kb.actor.local and st.button("导入示例资料", type="primary", key="import_sample"):
        try:
            import_sample(kb)
        except KBError as e:
            show_error(e, kb)
            return True
        st.rerun()
    return True


# ---- reading lists ------------------------------------------------------------------------------
def target_list(kb: KnowledgeBase) -> str | None:
    """The list "加入清单" adds to: the one chosen in the sidebar, else the most recently changed."""
    names = kb.lists.names()
    chosen = st.session_state.get(TARGET)
    if chosen in names:
        return chosen
    return names[0] if names else None


def target_list_selector(kb: KnowledgeBase) -> None:
    """The sidebar choice of the reading list that the add buttons fill (for those who may edit lists)."""
    if not kb.can("list.edit"):
        return
    names = kb.lists.names()
    with st.sidebar:
        if not names:
            st.caption("还没有学习清单：点击“加入清单”时会按检索主题自动新建一个。")
            return
        st.session_state[_TARGET_WIDGET] = target_list(kb)

        def remember() -> None:
            st.session_state[TARGET] = st.session_state[_TARGET_WIDGET]

        st.selectbox("加入到学习清单", names, key=_TARGET_WIDGET, on_change=remember,
                     help="检索结果和资料库中的“加入清单”按钮会把材料加到这里")


def items_in_target(kb: KnowledgeBase) -> set[tuple[str, int | None]]:
    """(doc_id, passage start) of every item already in the target list, to mark added hits."""
    name = target_list(kb)
    if name is None:
        return set()
    return {(item.doc_id, item.start) for item in kb.lists.get(name).items}


@callback
def add_to_list(kb: KnowledgeBase, *, chunk_id: int | None = None, doc_id: str | None = None,
                topic: str | None = None) -> None:
    """Button callback: add a passage (chunk_id) or a whole document (doc_id) to the target list,
    creating a list named after the topic when there is none yet."""
    try:
        name = target_list(kb)
        if name is None:
            name = unique_name(list_name_for(topic), kb.lists.names())
            kb.lists.create(name, topic=topic or None)
        if chunk_id is not None:
            kb.lists.add_passage(name, chunk_id)
            what = "片段"
        else:
            kb.lists.add_document(name, doc_id)
            what = "全文"
        st.session_state[TARGET] = name
        st.toast(f"已把{what}加入学习清单《{plain(name)}》", icon="✅")
    except KBError as e:
        st.toast(plain(str(e)), icon="⚠️")


def add_buttons(kb: KnowledgeBase, *, doc_id: str, chunk_id: int | None, start: int | None,
                topic: str | None, added: set[tuple[str, int | None]], key: str) -> None:
    """"加入片段" and "整篇加入" buttons side by side; disabled once the item is in the list. None for
    people who may not edit reading lists."""
    if not kb.can("list.edit"):
        return
    left, right, _ = st.columns([1, 1, 4])
    if chunk_id is not None:
        done = (doc_id, start) in added
        left.button("已在清单" if done else "＋ 片段加入清单", key=f"{key}-p", disabled=done,
                    on_click=add_to_list, args=(kb,), kwargs={"chunk_id": chunk_id, "topic": topic},
                    help="把这一段（含页码和章节）加入左侧选定的学习清单")
    else:
        right = left  # only the whole-document button: keep it at the left edge
    done = (doc_id, None) in added
    right.button("全文已在清单" if done else "＋ 整篇加入清单", key=f"{key}-d", disabled=done,
                 on_click=add_to_list, args=(kb,), kwargs={"doc_id": doc_id, "topic": topic},
                 help="把整篇文档加入左侧选定的学习清单")
