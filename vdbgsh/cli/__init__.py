"""Command-line entry points: argument parsing and exit statuses, no logic of their own."""
