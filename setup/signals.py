from django.dispatch import Signal

# Sent when an administrator asks for the duplicate index to be rebuilt (SET-3); the contacts
# area, which owns the index, starts its bulk job. Arguments: user.
duplicate_index_rebuild_requested = Signal()
