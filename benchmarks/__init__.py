"""Benchmarks: synthetic reports, a plain-Python baseline and the end-to-end scoring benchmark (not shipped)."""
