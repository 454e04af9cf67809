"""The one-way import rule: app.py -> kb -> {ingest, index}; ingest and index import neither."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "ingest": {"kb", "index", "app"},
    "index": {"kb", "ingest", "app"},
    "kb": {"app"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_imports_flow_one_way():
    violations = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            bad = _imported_packages(path) & forbidden
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []


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
