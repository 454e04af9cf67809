"""Benchmarks of kb (`kb bench`, `python -m bench`): speed and memory, each beside a baseline or target.

Not part of the product: installed with kb, its third-party dependencies come with the `bench` extra,
and kb finds the command through the "kb.commands" entry point (pyproject.toml). This module imports
nothing, so `kb --help` works without those dependencies.
"""
