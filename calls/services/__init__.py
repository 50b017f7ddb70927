"""Business rules of the calls app: the only writers of its models.

- `lifecycle`: start a call, record a turn, follow its status, finish it (shared with the sandbox).
- `telephony`: the tenant's Twilio account, phone numbers, and answering Twilio's webhooks.
- `dialing`: the pre-dial check every dial path goes through, placing and ending calls.
- `postcall`: the analysis and billable usage of a finished call.
- `review`: notes, tags, feedback and training corrections, share links, ingesting external calls.
- `reaper`: ending calls that never got their media or a final status, so they free their line.
"""

from calls.services.dialing import end_call, place_call, predial_check  # noqa: F401
from calls.services.lifecycle import (  # noqa: F401
    TIMING_FIELDS,
    TWILIO_STATUSES,
    apply_status,
    finish_call,
    record_turn,
    schedule_analysis,
    start_call,
)
