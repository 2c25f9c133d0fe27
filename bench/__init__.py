"""vdbgsh's benchmarks: ``make bench`` (python -m bench). Each figure is printed next to its baseline."""
