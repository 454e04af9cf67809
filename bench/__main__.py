"""`python -m bench [options]`: the same as `kb bench [options]`, without the installed entry point."""

import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads, as kb/cli.py does

from bench.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
