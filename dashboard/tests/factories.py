"""Data the dashboard's tests share."""

from datetime import timedelta

from django.utils import timezone

from agents.tests.factories import AgentFactory
from calls.models import CallTurn
from calls.tests.factories import API_PREFIX, CallFactory, TwilioAccountFactory

# A call template's flow: a greeting, then goodbye.
GREETING = {
    "schema_version": 1,
    "nodes": [
        {"id": "hello", "type": "message", "start": True, "text": "Hello from {company}.", "next": "bye"},
        {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye!"},
    ],
}


def recorded_call(sid, turns):
    """In the current tenant: its Twilio account and a finished call of its receptionist recorded at Twilio as `sid`,
    with `turns` as (speaker, text, seconds after the answer, when the recording starts)."""
    TwilioAccountFactory()
    started = timezone.now() - timedelta(minutes=10)
    call = CallFactory(
        agent=AgentFactory(name="Reception"),
        started_at=started,
        duration_seconds=4,
        recording_sid=sid,
        recording_url=f"https://api.twilio.com{API_PREFIX}/Recordings/{sid}",
    )
    for index, (speaker, text, after) in enumerate(turns):
        turn = CallTurn.objects.create(call=call, index=index, speaker=speaker, text=text)
        CallTurn.objects.filter(pk=turn.pk).update(created_at=started + timedelta(seconds=after))
    return call
