"""`python -m bench.worker SPEC.json`: the process measuring one collection size (see bench.scale)."""

import sys

from bench.scale import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
