"""Sizes the transports cannot go past."""

# libvirtd carries a monitor reply as one RPC string (REMOTE_STRING_MAX) of at most 4 MiB; past 10 MiB it gives up
# the guest's monitor.
LIBVIRT_REPLY_LIMIT_MIB = 4
