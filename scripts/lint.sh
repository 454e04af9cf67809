#!/usr/bin/env bash
# The house rules that are not tests: ruff over everything, mypy over the core (configured in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/mypy
