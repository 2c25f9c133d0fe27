"""Guard rails: what a QMP request does to a guest libvirt manages, and whether to send it, ask first, or refuse."""
