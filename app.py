"""学习资料库: the Streamlit front end over the kb library, started by `kb serve` (or scripts/start.sh)."""

import os

# Idle torch threads spin by default and, on 2 busy cores, slow encoding ~5x; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from kb.ui.app import main  # noqa: E402

main()
