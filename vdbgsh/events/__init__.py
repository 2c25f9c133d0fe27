"""Live QMP events: filtering, bounded history, formatting, and following them on libvirt or a QMP socket."""
