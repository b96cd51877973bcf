"""Benchmarks for the help portal: `make bench` (python -m bench.run) writes docs/benchmarks.md."""
