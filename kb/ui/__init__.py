"""The Streamlit presentation layer: one module per page, shared pieces in common.py (used by app.py only)."""
