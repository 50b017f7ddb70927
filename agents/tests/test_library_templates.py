"""The seeded library: every template is valid and a scripted, offline conversation drives it to its goal."""

import pytest

from agents.engine import ActionResult, AgentConfig, Engine, Event, registry
from agents.flows import validate
from agents.flows.variables import DEFAULT_VARIABLES, names_in
from agents.library import template, templates

SLUGS = [
    "medical-receptionist",
    "real-estate-lead-qualification",
    "sales-appointment-setting",
    "restaurant-reservations",
    "after-hours-answering",
]
CONTACT = {"contact": {"name": "Ann Lee", "first_name": "Ann", "phone": "+15550123", "email": "ann@example.com"}}


def scheduling_actions(calls, taken=()):
    """Test handlers standing in for the scheduling app's booking actions; a time in `taken` is refused."""
    actions = registry.copy()

    def check(ctx, params):
        calls.append(("check_availability", params))
        return ActionResult(ok=True, data={"available_slots": ["9am", "11am"], "available_day": params["date"]})

    def book(ctx, params):
        calls.append(("book_appointment", params))
        if params["time"] in taken:
            return ActionResult(ok=False, say="That slot is taken.")
        return ActionResult(ok=True, data={"appointment": f"{params['date']} at {params['time']}"})

    def resolve(ctx, params):
        calls.append(("resolve_slot", params))
        return ActionResult(ok=True, data={"slot": f"{params['date']} at {params['time']}"})

    actions.register("check_availability", check, owner="scheduling")
    actions.register("resolve_slot", resolve, owner="scheduling")
    actions.register("book_appointment", book, owner="scheduling")
    return actions


def call(slug, *events, engine=None, agent=None):
    entry = template(slug)
    agent = agent or AgentConfig(
        name="Ava", company="Acme", greeting=entry["initial_message"], transfer_number="+15550100"
    )
    engine = engine or Engine()
    result = engine.start(agent, entry["flow"], CONTACT)
    said, actions = list(result.utterances), list(result.actions)
    for event in events:
        assert not result.ended, f"call ended before {event}"
        result = engine.handle(agent, entry["flow"], result.state, event)
        said += result.utterances
        actions += result.actions
    return result, said, actions


def test_the_library_has_the_five_seeded_templates():
    assert [t["slug"] for t in templates()] == SLUGS
    for entry in templates():
        assert {"slug", "name", "description", "industry", "initial_message", "flow"} <= set(entry)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_template_is_valid(slug):
    entry = template(slug)
    assert validate(entry["flow"]) == []
    assert names_in(entry["initial_message"]) <= DEFAULT_VARIABLES


def test_templates_are_fresh_copies():
    templates()[0]["flow"]["nodes"].clear()
    assert templates()[0]["flow"]["nodes"]


# A caller booking with the medical receptionist, up to the time they pick and confirm when it is read back.
BOOKING_AT_11 = [
    Event.utterance(text)
    for text in ("I'd like to book an appointment", "Ann Lee", "a check-up", "Tuesday", "11am", "yes")
]


def test_medical_receptionist_books_an_appointment():
    calls = []
    result, said, _ = call(
        "medical-receptionist",
        *BOOKING_AT_11,
        Event.utterance("no"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert calls == [
        ("check_availability", {"date": "Tuesday", "reason": "a check-up"}),
        ("resolve_slot", {"date": "Tuesday", "time": "11am"}),
        (
            "book_appointment",
            {"name": "Ann Lee", "date": "Tuesday", "time": "11am", "reason": "a check-up", "phone": "+15550123"},
        ),
    ]
    assert "On Tuesday we have 9am, 11am. Which time would you like?" in said
    assert "Tuesday at 11am, is that right?" in said
    assert "You're booked for Tuesday at 11am. Please arrive ten minutes early." in said
    assert result.ended and result.end_reason == "completed"


def test_medical_receptionist_offers_the_free_times_again_when_a_slot_is_refused():
    calls = []
    result, said, actions = call(
        "medical-receptionist", *BOOKING_AT_11, engine=Engine(actions=scheduling_actions(calls, taken={"11am"}))
    )
    assert said[-2:] == ["That slot is taken.", "On Tuesday we have 9am, 11am. Which time would you like?"]
    assert not result.ended and "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_asks_for_the_time_again_when_the_read_back_is_wrong():
    calls = []
    result, said, actions = call(
        "medical-receptionist",
        *BOOKING_AT_11[:-1],
        Event.utterance("no"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert said[-2:] == ["Tuesday at 11am, is that right?", "On Tuesday we have 9am, 11am. Which time would you like?"]
    assert "book_appointment" not in [name for name, _ in calls]
    assert not result.ended and "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_ends_the_call_politely_on_no_thanks_thats_all():
    result, said, actions = call("medical-receptionist", Event.utterance("No thanks, that's all."))
    assert said[-1] == "Thank you for calling Acme. Goodbye!"
    assert result.ended and result.end_reason != "transfer"
    assert "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_answers_a_question_from_the_knowledge_base():
    engine = Engine(knowledge=lambda query: ["Yes, we accept Delta Dental and Aetna."])
    result, said, _ = call(
        "medical-receptionist",
        Event.dtmf("2"),
        Event.utterance("Do you take Aetna?"),
        Event.utterance("no thanks"),
        engine=engine,
    )
    assert "Yes, we accept Delta Dental and Aetna." in said and result.ended


def test_medical_receptionist_asks_again_when_the_caller_only_says_hello():
    result, said, actions = call("medical-receptionist", Event.utterance("Hello?"))
    assert said[-2:] == [
        "Sorry, I didn't quite catch that.",
        "Are you calling to book an appointment, to ask a question, or to speak to someone at the front desk?",
    ]
    assert not result.ended and actions == []


def test_medical_receptionist_says_goodbye_after_three_answers_it_cannot_place():
    result, said, actions = call("medical-receptionist", *[Event.utterance("hello")] * 3)
    assert said[-1] == "Thank you for calling Acme. Goodbye!"
    assert result.ended and "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_sends_emergencies_to_911():
    result, said, _ = call("medical-receptionist", Event.utterance("It's an emergency, I have chest pain"))
    assert said[-1] == "If this is a medical emergency, please hang up and dial 911 now."
    assert result.end_reason == "emergency"


def test_medical_receptionist_without_scheduling_says_so_and_transfers(no_scheduling):
    result, said, _ = call(
        "medical-receptionist",
        Event.utterance("book an appointment"),
        Event.utterance("Ann"),
        Event.utterance("a filling"),
        Event.utterance("Friday"),
    )
    assert "I'm sorry, I can't check the calendar on this line right now." in said
    assert result.end_reason == "transfer"


def test_real_estate_qualifies_a_hot_lead_and_texts_them():
    result, said, actions = call(
        "real-estate-lead-qualification",
        Event.dtmf("1"),
        Event.utterance("Maple Heights"),
        Event.utterance("around four hundred thousand"),
        Event.utterance("within three months"),
        Event.utterance("yes please"),
    )
    assert result.state["answers"]["lead_status"] == "hot"
    sms = next(a for a in actions if a["name"] == "send_sms")
    assert sms["data"] == {
        "to": "+15550123",
        "body": "Thanks for talking to Acme! An agent will call you today about Maple Heights.",
    }
    assert result.ended


def test_real_estate_nurtures_a_low_budget_buyer():
    result, said, _ = call(
        "real-estate-lead-qualification",
        Event.utterance("buy"),
        Event.utterance("Downtown"),
        Event.utterance("$90,000"),
        Event.utterance("within three months"),
    )
    assert result.state["answers"]["lead_status"] == "nurture" and result.ended


def test_sales_books_a_demo_after_handling_a_price_objection():
    calls = []
    result, said, actions = call(
        "sales-appointment-setting",
        Event.utterance("yes, go ahead"),
        Event.utterance("no"),
        Event.utterance("it's too expensive"),
        Event.utterance("okay then"),
        Event.utterance("Thursday"),
        Event.utterance("2pm"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert "That's fair. The demo is free, and most customers recover the cost within two months." in said
    assert calls[0][1]["date"] == "Thursday" and calls[0][1]["email"] == "ann@example.com"
    assert result.state["answers"]["outcome"] == "demo booked"
    assert any(a["name"] == "send_sms" for a in actions) and result.ended


def test_sales_stops_after_two_refusals():
    result, said, _ = call(
        "sales-appointment-setting",
        Event.utterance("sure"),
        Event.utterance("no"),
        Event.utterance("too busy"),
        Event.utterance("no"),
        Event.utterance("nothing really"),
    )
    assert result.state["answers"]["outcome"] == "not interested" and result.ended


def test_sales_respects_an_opt_out():
    result, said, _ = call("sales-appointment-setting", Event.utterance("No. Stop calling me."))
    assert result.state["answers"]["outcome"] == "opted out"
    assert result.end_reason == "opted_out"


def test_restaurant_reserves_a_table():
    calls = []
    result, said, _ = call(
        "restaurant-reservations",
        Event.utterance("I'd like to book a table"),
        Event.utterance("four of us"),
        Event.utterance("Saturday"),
        Event.utterance("7pm"),
        Event.utterance("Lee"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert [name for name, _ in calls] == ["check_availability", "book_appointment"]
    assert calls[1][1]["reason"] == "Table for four of us"
    assert "Wonderful, Lee: a table for four of us on Saturday at 7pm. See you then!" in said
    assert result.ended and result.end_reason == "completed"


def test_restaurant_hands_large_parties_to_the_manager():
    result, _, actions = call("restaurant-reservations", Event.dtmf("1"), Event.utterance("twelve"))
    assert result.end_reason == "transfer" and actions[-1]["params"] == {"reason": "large party"}


def test_after_hours_takes_a_message_with_a_typed_callback_number():
    result, said, actions = call(
        "after-hours-answering",
        Event.utterance("no, it can wait"),
        Event.utterance("Ann Lee"),
        Event.dtmf("5550199#"),
        Event.utterance("Please call me about my invoice"),
    )
    answers = result.state["answers"]
    assert (answers["caller_name"], answers["callback_number"], answers["message"]) == (
        "Ann Lee",
        "5550199",
        "Please call me about my invoice",
    )
    assert answers["outcome"] == "message taken"
    assert actions[-2]["data"]["body"] == "Acme received your message and will call you back on 5550199."
    assert result.ended


def test_after_hours_puts_urgent_calls_through_to_the_on_call_number():
    result, _, actions = call("after-hours-answering", Event.dtmf("1"))
    assert result.end_reason == "transfer" and actions[-1]["data"]["to"] == "+15550100"


def test_after_hours_takes_a_message_when_nobody_is_on_call():
    agent = AgentConfig(name="Ava", company="Acme")
    result, said, _ = call("after-hours-answering", Event.utterance("yes"), agent=agent)
    assert said[-1] == "I'll take a message. May I have your name?" and not result.ended
