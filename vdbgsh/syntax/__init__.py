"""Input parsing: what a typed line or a command-line argument means, as a QMP request. No I/O."""
