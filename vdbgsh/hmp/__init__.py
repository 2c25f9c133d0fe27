"""HMP (QEMU's human monitor): its exact argument grammar, and the translation of its lines into QMP."""
