"""CallSession's states: it moves only along its transitions, and an event its state has no transition for is an
error, logged, that changes nothing (never a goodbye)."""

import logging

import pytest

from calls.media.session import TRANSITIONS, CallSession, Keypad, Silence, Start, State, TimeLimit
from calls.tests.media_helpers import bare_session


def session(sent: list) -> CallSession:
    return bare_session(sent.append, schema="states")


async def test_a_call_begins_in_its_opening():
    assert session([]).state is State.OPENING


async def test_an_unknown_event_is_logged_as_an_error_and_changes_nothing(caplog):
    sent = []
    call = session(sent)
    call.state = State.LISTENING

    with caplog.at_level(logging.ERROR, logger="calls.media.session"):
        over = await call._handle(("max_duration",))

    assert over is False
    assert call.state is State.LISTENING and sent == []
    assert "no transition for ('max_duration',) in LISTENING" in caplog.text


@pytest.mark.parametrize("event", [Keypad("1#", 0.0), Silence(0.0)])
async def test_caller_input_after_the_call_stopped_listening_is_not_answered(event):
    sent = []
    call = session(sent)
    call.state = State.CLOSING

    assert await call._handle(event) is False
    assert call.state is State.CLOSING and sent == []


async def test_a_second_start_is_not_a_second_opening():
    sent = []
    call = session(sent)
    call.state = State.LISTENING

    assert await call._handle(Start(0.0)) is False
    assert call.state is State.LISTENING and sent == []


async def test_the_time_limit_says_no_goodbye_to_a_caller_who_hung_up():
    sent = []
    call = session(sent)
    call.state, call.caller_gone = State.CLOSING, True

    assert await call._handle(TimeLimit()) is False
    assert sent == []


def test_an_ended_call_goes_nowhere_and_nothing_goes_back_to_its_opening():
    assert TRANSITIONS[State.ENDED] == set()
    assert all(State.OPENING not in targets for targets in TRANSITIONS.values())


async def test_a_move_against_the_transitions_is_refused_and_logged(caplog):
    call = session([])
    call.state = State.ENDED

    with caplog.at_level(logging.ERROR, logger="calls.media.session"):
        call._enter(State.LISTENING)

    assert call.state is State.ENDED
    assert "no transition from ENDED to LISTENING" in caplog.text
