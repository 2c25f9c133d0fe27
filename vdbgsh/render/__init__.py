"""Replies, errors and events turned into text for a terminal or a pipe. No I/O."""
