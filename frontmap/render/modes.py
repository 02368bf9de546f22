"""Names the page renderer accepts, importable without the geometry stack."""

#: the page's layouts: two synchronised maps, or one map with a swipe divider
MODES = ("side-by-side", "swipe")
