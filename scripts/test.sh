#!/usr/bin/env bash
# The tests: install kb with its test extras, check the lint and type rules, then run the whole suite
# (slow tests included); arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,ocr,bench,dev
bash scripts/lint.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
