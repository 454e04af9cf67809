"""The house rules, read from the code's own imports (docs/architecture.md explains them):

- ingest/ and index/ are libraries: they import neither each other nor kb (nor app).
- The edges (app.py, kb/cli.py, kb/commands/, kb/ui/) import only the facade (kb.library), plain
  records (kb.records), kb.errors, presentation helpers and the tools built on the facade — never the
  store, the services, the indexes, ingest/ or index/ — and never reach for `.store` or `.indexes`.
- Below the facade (services, the ingest workflow, search, indexes, the store) nothing imports the
  facade, the edges or the tools.
- Only kb/store/ imports a database driver (sqlite3, psycopg).
- Nothing in the product (kb, ingest, index, app.py) imports the tests or the benchmarks (bench/), nor
  loads conftest.py by file name.

Each checker also runs on a synthetic tree in tmp_path, to show that a forbidden import does fail it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = {"ingest": {"kb", "index", "app"}, "index": {"kb", "ingest", "app"}}
EDGES = ("app", "kb.cli", "kb.commands", "kb.ui")
FACADE = "kb.library"
# Modules above the facade that drive it, as the edges do, and that the edges may use.
TOOLS = ("kb.evaluate", "kb.sample_kb")
# What an edge may import from kb: the facade, records, errors, presentation helpers, the tools.
EDGE_MAY_IMPORT = (FACADE, "kb.records", "kb.errors", "kb.kinds", "kb.presets", "kb.export", *EDGES, *TOOLS)
TOOL_MAY_IMPORT = (*EDGE_MAY_IMPORT, "kb.config", "index.metrics")
EDGE_MAY_NOT_TOUCH = {"store", "indexes", "embeddings"}  # facade attributes for services, tests, benchmarks
DRIVERS = {"sqlite3", "psycopg", "psycopg_pool"}
STORE = "kb.store"


def _within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in ((prefixes,) if isinstance(prefixes, str) else prefixes))


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(root: Path, path: Path) -> tuple[set[str], set[str]]:
    """(dotted names this file imports — `from a import b` counts as a.b too —, attributes it reads)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(root, path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    attributes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Attribute):
            attributes.add(node.attr)
    return names, attributes


def _is_module(root: Path, name: str) -> bool:
    """Whether `name` is a module or package in the tree (not an attribute imported from one)."""
    relative = Path(*name.split("."))
    return (root / relative).with_suffix(".py").exists() or (root / relative / "__init__.py").exists()


def violations(root: Path) -> list[str]:
    """Every import in the product under `root` that breaks a rule, one line each."""
    files = [p for top in ("kb", "ingest", "index") if (root / top).is_dir() for p in (root / top).rglob("*.py")]
    files += [root / "app.py"] if (root / "app.py").exists() else []
    found = []
    for path in sorted(files):
        module = _module_name(root, path)
        names, attributes = _imports(root, path)
        # `from kb import library` names a module; `from kb.records import Hit` names an attribute of one.
        modules = {n if "." not in n or _is_module(root, n) else n.rsplit(".", 1)[0] for n in names}
        tops = {n.split(".")[0] for n in names}
        where = str(path.relative_to(root))

        def bad(rule: str, culprits, where: str = where) -> None:
            found.extend(f"{where}: {rule}: {c}" for c in sorted(culprits))

        top = module.split(".")[0]
        if top in LIBRARIES:
            bad("a library imports kb or the other library", tops & LIBRARIES[top])
        if _within(module, EDGES):
            bad("an edge imports below the facade",
                {n for n in modules if n.split(".")[0] in ("kb", "ingest", "index") and n != "kb"
                 and not _within(n, EDGE_MAY_IMPORT)})
            bad("an edge reaches into the facade's parts", attributes & EDGE_MAY_NOT_TOUCH)
        elif _within(module, TOOLS):
            bad("a tool imports below the facade",
                {n for n in modules if n.split(".")[0] in ("kb", "ingest", "index") and n != "kb"
                 and not _within(n, TOOL_MAY_IMPORT)})
        elif top == "kb" and module != FACADE and not _within(module, TOOLS):
            bad("below the facade, a module imports the facade, an edge or a tool",
                {n for n in modules if _within(n, (FACADE, *EDGES, *TOOLS))})
        if not _within(module, STORE):
            bad("a database driver outside kb/store", tops & DRIVERS)
    return found


def test_the_code_keeps_the_rules():
    assert violations(ROOT) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_forbidden_import_fails_the_check(tmp_path):
    """A small tree shaped like the product passes; each deliberately added forbidden import fails."""
    clean = {
        "app.py": "from kb.ui.common import page\n",
        "ingest/__init__.py": "", "ingest/reader.py": "import re\n",
        "index/__init__.py": "", "index/dense.py": "import numpy\n", "index/metrics.py": "",
        "kb/__init__.py": "", "kb/errors.py": "", "kb/records.py": "from ingest.reader import re\n",
        "kb/store/__init__.py": "import sqlite3\nfrom kb.records import DocumentRecord\n",
        "kb/lists.py": "from kb.store import Store\nfrom kb.records import ReadingList\n",
        "kb/ingesting.py": "from ingest import reader\nfrom index.dense import numpy\nfrom .store import Store\n",
        "kb/library.py": "from kb.lists import ReadingLists\nfrom kb.store import open_store\n",
        "kb/evaluate.py": "from index.metrics import evaluate\nfrom kb.library import KnowledgeBase\n",
        "kb/ui/__init__.py": "",
        "kb/ui/common.py": "from kb.library import KnowledgeBase\nfrom kb.records import Filters\n"
                           "from kb import errors\nfrom kb.evaluate import run_eval\nkb = None\nkb.count_documents()\n",
        "kb/commands/__init__.py": "", "kb/commands/lists.py": "from kb.library import open_kb\n",
    }
    _write(tmp_path, clean)
    assert violations(tmp_path) == []
    forbidden = {
        "kb/ui/common.py": ("from kb.store import Store\n", "an edge imports below the facade: kb.store"),
        "kb/commands/lists.py": ("from kb import lists\n", "an edge imports below the facade: kb.lists"),
        "app.py": ("import ingest.reader\n", "an edge imports below the facade: ingest.reader"),
        "kb/ui/__init__.py": ("def f(kb):\n    return kb.store.documents\n",
                              "an edge reaches into the facade's parts: store"),
        "kb/lists.py": ("from kb.library import KnowledgeBase\n",
                        "below the facade, a module imports the facade, an edge or a tool: kb.library"),
        "kb/ingesting.py": ("from . import library\n",
                            "below the facade, a module imports the facade, an edge or a tool: kb.library"),
        "kb/records.py": ("import sqlite3\n", "a database driver outside kb/store: sqlite3"),
        "index/dense.py": ("from ingest import reader\n", "a library imports kb or the other library: ingest"),
        "ingest/reader.py": ("from kb.records import Hit\n", "a library imports kb or the other library: kb"),
        "kb/evaluate.py": ("from kb.store import open_store\n", "a tool imports below the facade: kb.store"),
    }
    for name, (line, message) in forbidden.items():
        _write(tmp_path, {name: clean[name] + line})
        assert violations(tmp_path) == [f"{name}: {message}"], name
        _write(tmp_path, {name: clean[name]})
    assert violations(tmp_path) == []


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages a file imports (absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


# ---- the product never imports the benchmarks or the tests ------------------------------------------
PRODUCT = ("kb", "ingest", "index", "app.py")
NOT_PRODUCT = {"bench", "tests", "conftest"}  # conftest: the tests put their folder on sys.path


def _product_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in PRODUCT:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else []
    return files


def _reaches_outside(path: Path) -> set[str]:
    """Benchmark or test packages a module imports, or loads from a file name ("…/conftest.py")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = _imported_packages(path) & NOT_PRODUCT
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "conftest" in node.value:
            found.add("conftest")
    return found


def product_violations(root: Path) -> list[str]:
    return [f"{path.relative_to(root)} reaches {sorted(bad)}"
            for path in _product_files(root) if (bad := _reaches_outside(path))]


def test_the_product_imports_neither_benchmarks_nor_tests():
    assert product_violations(ROOT) == []


def test_a_product_module_reaching_for_bench_or_tests_is_caught(tmp_path):
    modules = {
        "kb/fine.py": "from kb.library import KnowledgeBase\nimport numpy\n",
        "kb/ui/page.py": "from bench.run import run_bench\n",
        "index/fake.py": "from conftest import FakeEncoder\n",
        "ingest/loader.py": "path = ROOT / 'tests' / 'conftest.py'\n",
        "app.py": "import tests.ui_fixtures\n",
        "bench/run.py": "from kb.library import KnowledgeBase\nimport tests\n",  # bench itself may
    }
    for name, source in modules.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    assert sorted(product_violations(tmp_path)) == [
        "app.py reaches ['tests']",
        "index/fake.py reaches ['conftest']",
        "ingest/loader.py reaches ['conftest']",
        "kb/ui/page.py reaches ['bench']",
    ]
