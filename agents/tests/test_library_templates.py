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
    """Test handlers standing in for the scheduling app's booking actions and the calls app's take_message; a
    slot in `taken` ("Tuesday at 11am") is refused."""
    actions = registry.copy()

    def check(ctx, params):
        calls.append(("check_availability", params))
        data = {"available_slots": ["9am", "11am"], "available_day": params["date"], "available_date": params["date"]}
        return ActionResult(ok=True, data=data)

    def book(ctx, params):
        calls.append(("book_appointment", params))
        if params["start"] in taken:
            return ActionResult(ok=False, say="That slot is taken.")
        return ActionResult(ok=True, data={"appointment": params["start"]})

    def resolve(ctx, params):
        calls.append(("resolve_slot", params))
        slot = f"{params['date']} at {params['time']}"
        return ActionResult(ok=True, data={"slot": slot, "slot_start": slot})

    def take_message(ctx, params):
        calls.append(("take_message", params))
        return ActionResult(ok=True, data={"note_id": 1})

    actions.register("check_availability", check, owner="scheduling")
    actions.register("resolve_slot", resolve, owner="scheduling")
    actions.register("book_appointment", book, owner="scheduling")
    actions.register("take_message", take_message, owner="calls")
    return actions


def names(calls) -> list[str]:
    return [name for name, _ in calls]


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
            {"name": "Ann Lee", "start": "Tuesday at 11am", "reason": "a check-up", "phone": "+15550123"},
        ),
    ]
    assert "On Tuesday we have 9am, 11am. Which time would you like?" in said
    assert "Tuesday at 11am, is that right?" in said
    assert "You're booked for Tuesday at 11am. Please arrive ten minutes early." in said
    assert result.ended and result.end_reason == "completed"


def test_medical_receptionist_offers_the_free_times_again_when_a_slot_is_refused():
    calls = []
    result, said, actions = call(
        "medical-receptionist",
        *BOOKING_AT_11,
        engine=Engine(actions=scheduling_actions(calls, taken={"Tuesday at 11am"})),
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


UNANSWERED = [Event.dtmf("2"), Event.utterance("Do you do home visits?")]


def test_medical_receptionist_offers_the_front_desk_for_a_question_it_cannot_answer():
    result, said, actions = call("medical-receptionist", *UNANSWERED)
    assert said[-1] == "I don't have that information, but the front desk will. Would you like me to put you through?"
    assert not result.ended and actions[-1]["name"] == "lookup_knowledge"


def test_medical_receptionist_goes_on_without_a_transfer_when_the_caller_declines_the_front_desk():
    _, said, actions = call("medical-receptionist", *UNANSWERED, Event.utterance("no"))
    assert said[-1] == "Is there anything else I can help you with?"
    assert "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_puts_an_unanswered_question_through_when_the_caller_wants_it():
    result, _, actions = call("medical-receptionist", *UNANSWERED, Event.utterance("yes"))
    assert result.end_reason == "transfer" and actions[-1]["name"] == "transfer"


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


def test_medical_receptionist_without_scheduling_says_so_and_asks_for_another_day(no_scheduling):
    result, said, actions = call(
        "medical-receptionist",
        Event.utterance("book an appointment"),
        Event.utterance("Ann"),
        Event.utterance("a filling"),
        Event.utterance("Friday"),
    )
    assert said[-2:] == ["I'm sorry, I can't check the calendar on this line right now.", "Which day would suit you?"]
    assert not result.ended and "transfer" not in [action["name"] for action in actions]


def test_medical_receptionist_takes_a_message_when_no_day_can_be_checked():
    calls = []
    actions = scheduling_actions(calls)
    actions.register("check_availability", None, owner="scheduling")
    result, said, performed = call(
        "medical-receptionist",
        *[Event.utterance(text) for text in ("book an appointment", "Ann", "a filling", "Friday", "Monday", "Tuesday")],
        Event.utterance("Ann Lee, please call me back"),
        engine=Engine(actions=actions),
    )
    assert (
        "I can take a message instead. Please leave your name and a short message, and the front desk will call "
        "you back."
    ) in said
    assert calls == [("take_message", {"message": "Ann Lee, please call me back"})]
    assert "transfer" not in [action["name"] for action in performed]


# A buyer qualifying with the real-estate template, up to the read-back of what they said.
HOT_LEAD = [
    Event.dtmf("1"),
    Event.utterance("Maple Heights"),
    Event.utterance("around four hundred thousand"),
    Event.utterance("within three months"),
]


def test_real_estate_qualifies_a_hot_lead_and_texts_them():
    result, said, actions = call(
        "real-estate-lead-qualification", *HOT_LEAD, Event.utterance("yes"), Event.utterance("yes please")
    )
    assert result.state["answers"]["lead_status"] == "hot"
    sms = next(a for a in actions if a["name"] == "send_sms")
    assert sms["data"] == {
        "to": "+15550123",
        "body": "Thanks for talking to Acme! An agent will call you today about Maple Heights.",
    }
    assert result.ended


def test_real_estate_reads_back_the_area_budget_and_timeline_before_acting():
    result, said, actions = call("real-estate-lead-qualification", *HOT_LEAD)
    assert said[-1] == (
        "So that's Maple Heights, a budget of around four hundred thousand, within three months. Is that right?"
    )
    assert "lead_status" not in result.state["answers"] and actions == []


def test_real_estate_asks_again_when_the_read_back_is_wrong():
    result, said, actions = call("real-estate-lead-qualification", *HOT_LEAD, Event.utterance("no"))
    assert said[-1] == "Are you looking to buy, sell, or rent?"
    assert not result.ended and actions == []


def test_real_estate_nurtures_a_low_budget_buyer():
    result, said, _ = call(
        "real-estate-lead-qualification",
        Event.utterance("buy"),
        Event.utterance("Downtown"),
        Event.utterance("$90,000"),
        Event.utterance("within three months"),
        Event.utterance("yes"),
    )
    assert result.state["answers"]["lead_status"] == "nurture" and result.ended


# A prospect agreeing to a demo on Thursday at 2pm, up to the read-back of that slot.
DEMO_AT_2 = [
    Event.utterance(text) for text in ("yes, go ahead", "no", "it's too expensive", "okay then", "Thursday", "2pm")
]


def test_sales_books_a_demo_after_handling_a_price_objection():
    calls = []
    result, said, actions = call(
        "sales-appointment-setting",
        *DEMO_AT_2,
        Event.utterance("yes"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert "That's fair. The demo is free, and most customers recover the cost within two months." in said
    assert calls[-1] == (
        "book_appointment",
        {
            "name": "Ann Lee",
            "phone": "+15550123",
            "email": "ann@example.com",
            "start": "Thursday at 2pm",
            "reason": "Product demo",
        },
    )
    assert result.state["answers"]["outcome"] == "demo booked"
    assert any(a["name"] == "send_sms" for a in actions) and result.ended


def test_sales_reads_back_the_demo_slot_before_booking():
    calls = []
    result, said, _ = call("sales-appointment-setting", *DEMO_AT_2, engine=Engine(actions=scheduling_actions(calls)))
    assert said[-1] == "A fifteen-minute demo on Thursday at 2pm. Is that right?"
    assert names(calls) == ["resolve_slot"] and not result.ended


def test_sales_asks_for_the_day_again_when_the_read_back_is_wrong():
    calls = []
    result, said, actions = call(
        "sales-appointment-setting", *DEMO_AT_2, Event.utterance("no"), engine=Engine(actions=scheduling_actions(calls))
    )
    assert said[-1] == "Great! Which day works best for you?"
    assert "book_appointment" not in names(calls) and not result.ended
    assert "transfer" not in [action["name"] for action in actions]


def test_sales_offers_the_free_times_when_the_demo_slot_is_refused():
    calls = []
    result, said, _ = call(
        "sales-appointment-setting",
        *DEMO_AT_2,
        Event.utterance("yes"),
        engine=Engine(actions=scheduling_actions(calls, taken={"Thursday at 2pm"})),
    )
    assert said[-2:] == ["That slot is taken.", "On Thursday we have 9am, 11am. Which time suits you?"]
    assert not result.ended and "demo booked" not in result.state["answers"].values()


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


# A party of four booking a table on Saturday at 7pm, up to the read-back of the reservation.
TABLE_AT_7 = [Event.utterance(text) for text in ("I'd like to book a table", "four of us", "Saturday", "7pm", "Lee")]


def test_restaurant_reserves_a_table():
    calls = []
    result, said, _ = call(
        "restaurant-reservations", *TABLE_AT_7, Event.utterance("yes"), engine=Engine(actions=scheduling_actions(calls))
    )
    assert names(calls) == ["resolve_slot", "book_appointment"]
    assert calls[1][1] == {
        "name": "Lee",
        "phone": "+15550123",
        "start": "Saturday at 7pm",
        "reason": "Table for four of us",
    }
    assert "Wonderful, Lee: a table for four of us on Saturday at 7pm. See you then!" in said
    assert result.ended and result.end_reason == "completed"


def test_restaurant_reads_back_the_party_day_time_and_name_before_reserving():
    calls = []
    result, said, _ = call("restaurant-reservations", *TABLE_AT_7, engine=Engine(actions=scheduling_actions(calls)))
    assert said[-1] == "That's a table for four of us on Saturday at 7pm, under the name Lee. Is that right?"
    assert "book_appointment" not in names(calls) and not result.ended


def test_restaurant_asks_for_the_day_again_when_the_read_back_is_wrong():
    calls = []
    result, said, actions = call(
        "restaurant-reservations", *TABLE_AT_7, Event.utterance("no"), engine=Engine(actions=scheduling_actions(calls))
    )
    assert said[-1] == "Which day would you like to come in?"
    assert "book_appointment" not in names(calls) and not result.ended
    assert "transfer" not in [action["name"] for action in actions]


def test_restaurant_offers_the_free_times_when_the_table_is_taken():
    calls = []
    result, said, _ = call(
        "restaurant-reservations",
        *TABLE_AT_7,
        Event.utterance("yes"),
        engine=Engine(actions=scheduling_actions(calls, taken={"Saturday at 7pm"})),
    )
    assert said[-2:] == ["That slot is taken.", "On Saturday we have 9am, 11am. Which time would you like?"]
    assert not result.ended


def test_restaurant_hands_large_parties_to_the_manager():
    result, _, actions = call("restaurant-reservations", Event.dtmf("1"), Event.utterance("twelve"))
    assert result.end_reason == "transfer" and actions[-1]["params"] == {"reason": "large party"}


# A caller leaving a message after hours, up to the read-back of their name and typed number.
MESSAGE_FROM_ANN = [Event.utterance("no, it can wait"), Event.utterance("Ann Lee"), Event.dtmf("5550199#")]


def test_after_hours_takes_a_message_through_the_take_message_action():
    calls = []
    result, said, actions = call(
        "after-hours-answering",
        *MESSAGE_FROM_ANN,
        Event.utterance("yes"),
        Event.utterance("Please call me about my invoice"),
        engine=Engine(actions=scheduling_actions(calls)),
    )
    assert calls == [
        ("take_message", {"name": "Ann Lee", "message": "Please call me about my invoice (call back on 5550199)"})
    ]
    assert result.state["answers"]["outcome"] == "message taken"
    assert actions[-2]["data"]["body"] == "Acme received your message and will call you back on 5550199."
    assert result.ended


def test_after_hours_reads_back_the_name_and_number_before_taking_the_message():
    result, said, _ = call("after-hours-answering", *MESSAGE_FROM_ANN)
    assert said[-1] == "That's Ann Lee, on 5550199. Is that right?" and not result.ended


def test_after_hours_asks_for_the_name_again_when_the_read_back_is_wrong():
    result, said, actions = call("after-hours-answering", *MESSAGE_FROM_ANN, Event.utterance("no"))
    assert said[-1] == "I'll take a message. May I have your name?"
    assert not result.ended and actions == []


def test_after_hours_never_says_it_passed_on_a_message_it_could_not_store():
    calls = []
    actions = scheduling_actions(calls)
    actions.register(
        "take_message", lambda ctx, params: ActionResult(ok=False, say="I couldn't take it."), owner="calls"
    )
    result, said, _ = call(
        "after-hours-answering",
        *MESSAGE_FROM_ANN,
        Event.utterance("yes"),
        Event.utterance("Please call me"),
        engine=Engine(actions=actions),
    )
    assert said[-2:] == ["I couldn't take it.", "Thank you for calling. Goodbye!"]
    assert not any("passed your message on" in line for line in said) and result.ended


def test_after_hours_puts_urgent_calls_through_to_the_on_call_number():
    result, _, actions = call("after-hours-answering", Event.dtmf("1"))
    assert result.end_reason == "transfer" and actions[-1]["data"]["to"] == "+15550100"


def test_after_hours_takes_a_message_when_nobody_is_on_call():
    agent = AgentConfig(name="Ava", company="Acme")
    result, said, _ = call("after-hours-answering", Event.utterance("yes"), agent=agent)
    assert said[-1] == "I'll take a message. May I have your name?" and not result.ended
