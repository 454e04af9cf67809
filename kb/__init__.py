"""kb: the application core of 学习资料库 — store, library facade, reading lists, plans, export, CLI."""
