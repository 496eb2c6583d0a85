"""Benchmarks run by `make bench`. Each module's `main()` prints one section of ratios."""
