"""Transcripts: every request, reply and event of a session as JSON lines; read back for replay and export."""
