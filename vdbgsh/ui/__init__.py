"""The terminal user interface: the only layer that builds prompt_toolkit applications."""
