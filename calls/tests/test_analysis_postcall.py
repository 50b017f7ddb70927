"""After a call: the finalised transcript, summary, sentiment, per-agent extraction, success and billable
usage — from the agent's LLM (a fake OpenAI-compatible server) or, without one, offline heuristics."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.services.credentials import set_credentials
from agents.tests.factories import AgentFactory
from agents.tests.fake_http import openai_chat_completion
from calls import services
from calls.analysis import sentiment_of
from calls.models import AnalysisProfile, Call
from calls.services import postcall
from calls.tasks import analyse_call
from calls.tests.factories import CallFactory, CallTurnFactory

pytestmark = pytest.mark.django_db

PROFILE = [
    {"name": "name", "description": "The caller's name"},
    {"name": "reason", "description": "Why they called"},
    {"name": "callback_time", "description": "When to call back"},
]


@pytest.fixture
def in_acme(acme):
    with tenant_context(acme):
        yield


def finished_call(agent=None, *lines, status="completed", duration=75, **fields):
    call = CallFactory(
        agent=agent,
        status=status,
        duration_seconds=duration,
        started_at=timezone.now() - timedelta(seconds=duration) if status == "completed" else None,
        **fields,
    )
    for index, text in enumerate(lines):
        CallTurnFactory(call=call, index=index, speaker="agent" if index % 2 == 0 else "caller", text=text)
    return call


@pytest.mark.parametrize(
    "said, expected",
    [
        (["Thanks so much, that's great"], "positive"),
        (["This is terrible, my invoice is wrong"], "negative"),
        (["That is not good at all"], "negative"),
        (["I'd like to book an appointment on Tuesday"], "neutral"),
    ],
)
def test_offline_sentiment_reads_the_callers_words(said, expected):
    assert sentiment_of(said) == expected


def test_the_offline_analysis_extracts_the_profiles_fields_from_what_was_said(in_acme):
    agent = AgentFactory()
    AnalysisProfile.objects.create(agent=agent, fields=PROFILE)
    call = finished_call(
        agent,
        "Acme Dental, how can I help?",
        "Hi, my name is Dana Scully and my crown came loose",
        "Sorry to hear that. When can we call you back?",
        "Tomorrow at 3 pm works, thanks",
        "Great, we will call you tomorrow at 3 pm.",
    )
    analysed = postcall.analyse_call(call.pk)
    assert analysed.extraction == {
        "name": "Dana Scully",
        "reason": "Hi, my name is Dana Scully and my crown came loose",
        "callback_time": "Tomorrow at 3 pm",
    }
    assert (analysed.sentiment, analysed.success) == ("positive", True)
    assert 'The caller said: "Hi, my name is Dana Scully' in analysed.summary
    assert "callback_time = Tomorrow at 3 pm" in analysed.summary


def test_what_the_flow_collected_wins_over_guessing(in_acme):
    agent = AgentFactory()
    AnalysisProfile.objects.create(agent=agent, fields=[{"name": "name", "description": ""}])
    call = finished_call(agent, "Your name?", "It's Bob", state={"answers": {"name": "Robert Paulson"}})
    assert postcall.analyse_call(call.pk).extraction == {"name": "Robert Paulson"}


def test_a_call_missing_a_wanted_field_is_not_a_success(in_acme):
    agent = AgentFactory()
    AnalysisProfile.objects.create(agent=agent, fields=PROFILE)
    call = finished_call(agent, "How can I help?", "Just checking your opening hours")
    analysed = postcall.analyse_call(call.pk)
    assert analysed.extraction["callback_time"] is None and analysed.success is False


def test_the_transcript_is_finalised_with_what_the_caller_heard(in_acme):
    call = finished_call(None)
    CallTurnFactory(
        call=call,
        index=0,
        speaker="agent",
        text="Our hours are nine to five every weekday.",
        interrupted=True,
        heard_text="Our hours are",
    )
    CallTurnFactory(call=call, index=1, speaker="caller", text="Are you open Saturday?")
    assert postcall.analyse_call(call.pk).transcript == "Agent: Our hours are\nCaller: Are you open Saturday?"


def test_the_finalised_transcript_is_searchable(api, alice, acme):
    with tenant_context(acme):
        call = finished_call(None, "Hello", "I need an emergency extraction")
        postcall.analyse_call(call.pk)
    found = api(alice, acme).get("/api/calls?q=extraction").json()["results"]
    assert [c["id"] for c in found] == [call.pk]


def test_usage_is_the_answered_duration_and_unanswered_calls_cost_nothing(in_acme):
    answered = postcall.analyse_call(finished_call(None, "Hi", "Hello", duration=75).pk)
    missed = postcall.analyse_call(finished_call(None, status="no_answer", duration=None).pk)
    assert (answered.billable_seconds, missed.billable_seconds) == (75, 0)


def test_analysing_twice_changes_nothing(in_acme):
    call = finished_call(None, "Hi", "Thanks, bye")
    first = postcall.analyse_call(call.pk)
    second = postcall.analyse_call(call.pk)
    assert (second.billable_seconds, second.summary, second.sentiment) == (
        first.billable_seconds,
        first.summary,
        first.sentiment,
    )


def test_a_live_call_is_not_analysed(in_acme):
    call = CallFactory(status="in_progress")
    assert postcall.analyse_call(call.pk) is None
    assert Call.objects.get(pk=call.pk).analysed_at is None


def test_the_agents_llm_analyses_the_call_when_it_has_one(in_acme, fake_http):
    set_credentials("openai_compatible", {"base_url": fake_http.url + "/v1"})
    agent = AgentFactory(llm_provider="openai_compatible", llm_model="llama3.1:8b")
    AnalysisProfile.objects.create(agent=agent, fields=PROFILE[:1], success_criteria="An appointment was booked.")
    fake_http.add(
        "POST",
        "/v1/chat/completions",
        json=openai_chat_completion(
            '{"summary": "Dana booked a cleaning for Tuesday.", "sentiment": "positive", '
            '"extraction": {"name": "Dana"}, "success": true}'
        ),
    )
    call = finished_call(agent, "How can I help?", "Book me a cleaning on Tuesday, I'm Dana")
    analysed = postcall.analyse_call(call.pk)
    assert (analysed.summary, analysed.sentiment, analysed.extraction, analysed.success) == (
        "Dana booked a cleaning for Tuesday.",
        "positive",
        {"name": "Dana"},
        True,
    )
    [request] = fake_http.requests_to("POST", "/v1/chat/completions")
    system, user = request.json["messages"]
    assert '"name" (The caller\'s name)' in system["content"] and "An appointment was booked." in system["content"]
    assert user["content"] == "Agent: How can I help?\nCaller: Book me a cleaning on Tuesday, I'm Dana"


def test_an_off_format_llm_answer_falls_back_to_the_offline_analysis(in_acme, fake_http):
    set_credentials("openai_compatible", {"base_url": fake_http.url + "/v1"})
    agent = AgentFactory(llm_provider="openai_compatible", llm_model="llama3.1:8b")
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("The caller seemed happy."))
    analysed = postcall.analyse_call(finished_call(agent, "Hello", "Thanks, that was great").pk)
    assert (analysed.sentiment, analysed.summary.startswith("Inbound call, completed")) == ("positive", True)


def test_the_task_runs_the_analysis_in_the_tenant(in_acme):
    call = finished_call(None, "Hi", "Thanks")
    result = analyse_call.apply(args=[call.pk])
    assert result.successful() and result.result == "positive"
    assert Call.objects.get(pk=call.pk).analysed_at is not None


def test_sandbox_sessions_are_not_queued_for_analysis(in_acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.finish_call(services.start_call(direction="sandbox", is_test=True))
    assert callbacks == []


# Analysis profile API -----------------------------------------------------------------------


def test_an_admin_sets_what_is_extracted_for_an_agent(api, amy, acme):
    with tenant_context(acme):
        agent = AgentFactory()
    url = f"/api/agents/{agent.pk}/analysis-profile"
    response = api(amy, acme).put(url, {"fields": PROFILE, "success_criteria": "Booked."}, format="json")
    assert response.status_code == 200
    assert api(amy, acme).get(url).json()["fields"] == PROFILE


@pytest.mark.parametrize(
    "fields, error",
    [
        ([{"name": "Caller Name"}], "fields.0.name"),
        ([{"name": "a"}, {"name": "a"}], "fields"),
    ],
)
def test_bad_extraction_fields_are_400_naming_them(api, amy, acme, fields, error):
    with tenant_context(acme):
        agent = AgentFactory()
    response = api(amy, acme).put(f"/api/agents/{agent.pk}/analysis-profile", {"fields": fields}, format="json")
    assert response.status_code == 400 and error in response.json()["errors"]


def test_members_cannot_change_and_bob_cannot_see_an_agents_profile(api, mike, bob, acme, globex):
    with tenant_context(acme):
        agent = AgentFactory()
    url = f"/api/agents/{agent.pk}/analysis-profile"
    assert api(mike, acme).put(url, {"fields": []}, format="json").status_code == 403
    assert api(bob, globex).get(url).status_code == 404
