"""One command across many guests on many hosts (``vdbgsh exec`` with several targets).

``targets``: which guests the command line names (names, UUIDs, ``--domain GLOB``, ``--all``, several ``-c``), each
host's connection opened once. ``probe``/``planning``: every line through the one pipeline (vdbgsh/plan/), planned
once per distinct QEMU on each host against that QEMU's own schema. ``run``: the requests sent concurrently, a bound
per host. ``report``: a table on a terminal, JSON lines when piped, the counts and the exit status.
"""
