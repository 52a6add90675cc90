"""Load benchmarks of ``POST /_action`` against hand-written Litestar peers.

Run ``python -m bench.run`` (``--quick`` for a smoke run); see ``docs/benchmarks.md``.
"""
