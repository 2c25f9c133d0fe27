"""The guest's QMP schema as a frozen model: commands, events, types. No I/O except the cache module."""
