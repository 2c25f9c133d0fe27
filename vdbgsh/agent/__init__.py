"""The guest agent (qemu-ga) as a second monitor: its schema, help, guarded commands and conveniences."""
