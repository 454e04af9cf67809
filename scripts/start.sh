#!/usr/bin/env bash
# The main job: install, build the bundled sample knowledge base (once), start the UI.
#   KB_DATA   data directory (default: ./data/sample)
#   KB_PORT   UI port (default 8501)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KB_DATA="${KB_DATA:-$PWD/data/sample}"
export HF_HUB_OFFLINE=1
.venv/bin/kb --data "$KB_DATA" sample
exec .venv/bin/streamlit run app.py --server.port "${KB_PORT:-8501}" --server.headless true \
  --browser.gatherUsageStats false
