"""Guests vdbgsh starts itself: scratch guests for trying things out, and the same guests for the tests."""
