"""Tools, not product: the benchmark (``python -m frontmap.bench``, :mod:`.bench`)
and the seeded synthetic series it and the tests use (:mod:`.synthetic`);
:mod:`.ijson_trial`, the ijson streaming reader that was measured and not kept.

May import anything; nothing in the product imports it.
"""
