#!/usr/bin/env bash
# The main job: install, build the bundled sample knowledge base (once), start the UI in 本机模式 —
# listening on 127.0.0.1 only, no login (serving the office network is `kb serve --lan`, see README).
#   KB_DATA   data directory (default: ./data/sample)
#   KB_PORT   UI port (default 8501)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KB_DATA="${KB_DATA:-$PWD/data/sample}"
export HF_HUB_OFFLINE=1
.venv/bin/kb --data "$KB_DATA" sample
exec .venv/bin/kb --data "$KB_DATA" serve --port "${KB_PORT:-8501}"
