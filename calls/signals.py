"""What other apps may follow about calls without importing calls' internals."""

from django.dispatch import Signal

# Sent inside the transaction that finishes a call, once, with `call` (its final status set). Receivers
# (the campaign dialer) update their own rows in the same transaction, so a crash loses neither.
call_finished = Signal()
