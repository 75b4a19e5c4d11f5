"""Benchmarks: cameras sustained per machine, offline speed beside the baseline, soak runs."""
