"""Tools, not product: the benchmark (``python -m frontmap.bench``, :mod:`.bench`)
and the seeded synthetic series it and the tests use (:mod:`.synthetic`).

May import anything; nothing in the product imports it.
"""
