"""Sizes the transports cannot go past."""

# libvirtd carries a monitor reply as one RPC string (REMOTE_STRING_MAX) of at most 4 MiB; past 10 MiB it gives up
# the guest's monitor.
LIBVIRT_REPLY_LIMIT_MIB = 4
# Past this much reply text libvirtd gives up the guest's monitor until the guest restarts (measured: 10 MiB).
LIBVIRT_MONITOR_LOSS_MIB = 10
# A command travels as one RPC string too (REMOTE_STRING_MAX): a longer one cannot be encoded, and is not sent.
LIBVIRT_REQUEST_LIMIT_BYTES = 4 * 1024 * 1024
