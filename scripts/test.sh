#!/usr/bin/env bash
# The tests: install kb with its test extras, then run the whole suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,ocr,bench
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
