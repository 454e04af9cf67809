"""`python -m kb.bench SPEC.json`: the worker process measuring one collection size (see kb.bench.scale)."""

import sys

from kb.bench.scale import main

sys.exit(main(sys.argv[1:]))
