"""学习资料库: the Streamlit front end over the kb library (`streamlit run app.py`, data from KB_DATA)."""

import os

# Idle torch threads spin by default and, on 2 busy cores, slow encoding ~5x; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402

from kb.ui.common import page  # noqa: E402

st.set_page_config(page_title="学习资料库", page_icon="📚", layout="wide", initial_sidebar_state="expanded")

st.navigation({
    "查找与阅读": [
        page("search_page", "专题检索", ":material/search:", default=True),
        page("library_page", "资料库", ":material/library_books:"),
    ],
    "组织学习": [
        page("lists_page", "学习清单", ":material/checklist:"),
        page("plan_page", "学习计划", ":material/calendar_month:"),
        page("archive_page", "学习档案", ":material/history_edu:"),
    ],
    "管理": [
        page("import_page", "资料导入", ":material/upload_file:"),
        page("status_page", "概况", ":material/monitoring:"),
    ],
}).run()
