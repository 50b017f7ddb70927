"""End to end in a real browser: Debian's Chromium driven by Playwright against the web process started as
`scripts/run` starts it. Few and real: what only a browser shows (the pages under our Content-Security-Policy, with
htmx and Alpine running, sessions and CSRF across hosts). Each test saves a screenshot of every page it visits in
artifacts/screenshots/<test>/, and fails on any console error (a CSP violation is one)."""

import io
import math
import re
import shutil
import struct
import threading
import uuid
import wave
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.tests.factories import PASSWORD
from agents import flows
from agents.tests.factories import AgentFactory
from config.tests.servers import web_server
from dashboard.tests.factories import GREETING, recorded_call

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
LEADS_CSV = b"phone,first_name\n+14155550101,Ann\nnot a number,Bad\n+14155550101,Ann again\n"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium; scripts/test installs it)"
)


@pytest.fixture(scope="module")
def fake_twilio():
    """api.twilio.com for the web process: a real HTTP server with scripted answers (recordings, dials)."""
    from agents.tests.fake_http import FakeHTTP

    with FakeHTTP() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, fake_twilio):
    with django_db_blocker.unblock(), web_server(TWILIO_API_BASE_URL=fake_twilio.url) as running:
        yield running


def caller_wav(text, path, *, before_ms=10_000, after_ms=4000):
    """`text` in a caller's voice as a WAV file for Chromium's fake microphone, synthesised offline by the project's
    own TTS (flite), after `before_ms` of silence (the agent's greeting plays meanwhile) and before `after_ms` (the
    end of the caller's turn). Chromium plays the file in a loop."""
    from agents.providers.flite import FliteTTS

    speech = FliteTTS(sample_rate=16000).synthesize(text, voice="awb")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(b"\0\0" * (speech.sample_rate * before_ms // 1000))
        out.writeframes(speech.pcm)
        out.writeframes(b"\0\0" * (speech.sample_rate * after_ms // 1000))


@pytest.fixture
def chromium(committed_db, request, tmp_path):
    """Per test: Playwright's sync API keeps an event loop running in this thread while it is open, where Django
    refuses database queries, so the test's data is made before it starts and cleaned after it stops. A test marked
    `microphone("words")` gets a fake microphone saying them (`caller_wav`)."""
    from playwright.sync_api import sync_playwright

    # *.localhost is the loopback interface, where the server listens (IPv4).
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1",
    ]
    microphone = request.node.get_closest_marker("microphone")
    if microphone is not None:
        caller_wav(microphone.args[0], tmp_path / "caller.wav")
        args += [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={tmp_path / 'caller.wav'}",
        ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


class Visit:
    """A browser tab for one test: pages addressed by host, each visited page screenshotted in turn, console
    errors (CSP violations among them) collected."""

    def __init__(self, browser, server, name, viewport=None):
        self.port = server.address.rsplit(":", 1)[1]
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.shots = 0

    def _console(self, message):
        # Chromium logs every 4xx page it loads; the tests expect some (403, 404) and check resources below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} for {response.url}")

    def url(self, host, path="/"):
        return f"http://{host}:{self.port}{path}"

    def go(self, host, path="/"):
        response = self.page.goto(self.url(host, path))
        self.shot(path)
        return response

    def shot(self, label=""):
        self.page.wait_for_load_state("load")
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", (label or self.page.url.split(self.port, 1)[-1]).lower()).strip("-")
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{slug or 'home'}.png", full_page=True)

    def click(self, role, name, within=None):
        """Clicks a link or button that leads to another page, and screenshots that page."""
        with self.page.expect_navigation():
            (within or self.page).get_by_role(role, name=name).click()
        self.shot()

    def log_in(self, host, email, password=PASSWORD, path="/login"):
        self.go(host, path)
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.click("button", "Log in")


@pytest.fixture
def visit(chromium, server, request):
    visits = []

    def make(viewport=None):
        visits.append(Visit(chromium, server, request.node.name, viewport))
        return visits[-1]

    yield make
    for opened in visits:
        opened.context.close()
    assert [error for opened in visits for error in opened.errors] == []


@pytest.fixture
def new_workspace(committed_db):
    """The slug and owner email a test signs up with; the workspace is deleted (its schema dropped) afterwards."""
    from accounts.models import User
    from tenants.models import Tenant

    slug = f"e2e-{uuid.uuid4().hex[:8]}"
    email = f"owner@{slug}.example.com"
    yield slug, email
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        tenant.delete(force_drop=True)
    User.objects.filter(email=email).delete()


def off_the_loop(work):
    """`work()`'s result, run on a thread of its own: Django refuses database work in the thread where Playwright's
    event loop runs."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return result[0]


def on_pro(slug):
    """Puts the workspace on the Pro plan."""
    from billing.models import Plan
    from billing.services import assign_plan
    from tenants.models import Tenant

    off_the_loop(lambda: assign_plan(Tenant.objects.get(slug=slug), Plan.objects.get(slug="pro")))


def current_flow(slug, template_id):
    from agents.models import CallTemplate
    from tenants.models import Tenant

    def read():
        with tenant_context(Tenant.objects.get(slug=slug)):
            template = CallTemplate.objects.get(pk=template_id)
            latest = template.latest_version
            # As the builder shows it: the nodes at the places kept on the template.
            return latest.number, flows.with_layout(latest.flow, template.layout)

    return off_the_loop(read)


def chat(page, text):
    """Says `text` in the sandbox, waits for the agent's answer and returns its last line."""
    from playwright.sync_api import expect

    page.get_by_label("Your reply").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("[data-sandbox-status]")).to_have_text("Your turn.")
    return page.locator(".chat .said.agent").last.inner_text()


def a_weekday_ahead():
    """A working day at least two days ahead (the new calendar's default hours are on weekdays)."""
    day = date.today() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_sign_up_create_an_agent_edit_its_flow_book_in_the_sandbox_and_see_it_in_the_calendar(new_workspace, visit):
    slug, email = new_workspace
    tab = visit()
    page = tab.page
    tab.go(settings.BASE_DOMAIN, "/signup")
    page.get_by_label("Your name").fill("Erin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("Sunny-Harbour-42")
    page.get_by_label("Company").fill("Erin's Dental")
    page.get_by_label("Workspace address").fill(slug)
    tab.click("button", "Create workspace")
    assert page.url.startswith(tab.url(f"{slug}.localhost", "/login"))
    page.get_by_label("Password").fill("Sunny-Harbour-42")  # the email is filled in already
    tab.click("button", "Log in")
    assert page.get_by_role("heading", name="Overview").is_visible()
    # Both libraries run under the CSP (no eval, no inline script).
    assert page.evaluate("() => [window.htmx.version, typeof window.Alpine.data]") == ["2.0.11", "function"]
    # The overview's three charts, drawn by Chart.js under the same CSP.
    assert page.evaluate("() => Object.keys(window.Chart.instances).length") == 3

    # A new workspace is on a Starter trial, whose plan has no branching templates, and every library template
    # branches: the operator moves it to Pro first.
    on_pro(slug)
    tab.click("link", "Agents")
    tab.click("link", "New agent")
    page.get_by_label("Agent name").fill("Mia")
    page.get_by_label("Medical receptionist").check()
    tab.click("button", "Create agent")
    assert page.get_by_role("heading", name="Mia").is_visible()
    greeting = page.get_by_label("Greeting")
    greeting.fill("Hello, ")
    greeting.press_sequentially("{comp")  # its variables are offered as they are typed, as in the flow builder
    greeting.press("Enter")
    greeting.press_sequentially(", Mia speaking.")
    assert greeting.input_value() == "Hello, {company}, Mia speaking."
    tab.click("button", "Save")
    assert page.get_by_role("status").filter(has_text="Mia is saved.").is_visible()
    tab.click("link", "All agents")
    row = page.get_by_role("row").filter(has_text="Mia")
    assert "Medical receptionist" in row.inner_text()

    # The flow builder: one node's words changed in the side panel, saved as version 2, the rest as it was.
    tab.click("link", "Mia")
    tab.click("link", "Edit the call flow")
    template_id = int(page.url.rsplit("/", 1)[1])
    _, library_flow = current_flow(slug, template_id)
    page.get_by_label("Node", exact=True).select_option("booked")
    said = "You're booked, {answers.patient_name}. See you then!"
    text = page.get_by_label("What the agent says")
    text.fill("You're booked, ")
    text.press_sequentially("{answers.pat")  # the flow's own answers are offered as they are typed
    page.get_by_role("listbox", name="Variables").get_by_role("option", name="{answers.patient_name}").click()
    text.press_sequentially(". See you then!")
    assert text.input_value() == said
    assert "See you then!" in node(page, "booked").inner_text()
    tab.click("button", "Save flow")
    assert page.get_by_role("status").filter(has_text="Medical receptionist is saved as version 2.").is_visible()
    number, flow = current_flow(slug, template_id)
    expected = [{**item, "text": said} if item["id"] == "booked" else item for item in library_flow["nodes"]]
    placed = [{key: value for key, value in item.items() if key not in ("x", "y")} for item in flow["nodes"]]
    assert number == 2 and placed == expected and all("x" in item and "y" in item for item in flow["nodes"])

    # The sandbox, over its WebSocket: a booking as a caller makes it, the node and the actions shown as it goes.
    tab.click("link", "Agents")
    tab.click("link", "Mia")
    page.get_by_role("button", name="Start a conversation").click()
    page.get_by_label("Your reply").wait_for()
    assert page.locator("[data-sandbox-node]").inner_text() == "reason"
    chat(page, "I'd like to book an appointment")
    assert page.locator("[data-sandbox-node]").inner_text() == "patient_name"
    chat(page, "Jane Doe")
    chat(page, "A checkup")
    day = a_weekday_ahead()
    offer = chat(page, day.isoformat())
    assert page.locator("[data-sandbox-node]").inner_text() == "visit_time", offer
    assert "check_availability: done" in page.locator(".chat .said.action").first.inner_text()
    read_back = chat(page, "10am")
    assert read_back.endswith("at 10 am, is that right?"), read_back
    assert page.locator("[data-sandbox-node]").inner_text() == "confirm_slot"
    chat(page, "yes")
    tab.shot("sandbox-booked")
    assert "book_appointment: done" in page.locator(".chat .said.action").last.inner_text()
    assert page.locator(".chat .said.agent").filter(has_text="See you then!").count() == 1  # the edited node
    assert page.locator("[data-sandbox-node]").inner_text() == "anything_else"

    tab.go(f"{slug}.localhost", f"/calendar?week={day.isoformat()}")
    booked = page.locator(".day").filter(has_text=day.strftime("%A")).locator(".appointment")
    assert "10:00" in booked.inner_text() and "Jane Doe" in booked.inner_text()


def test_a_member_gets_the_403_page_on_an_owner_page_and_imports_contacts_at_phone_width(visit):
    tab = visit(viewport=PHONE)
    page = tab.page
    tab.log_in("acme.localhost", "mike@example.com")
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()  # folded behind the menu button at phone width
    page.get_by_role("button", name="Menu").click()
    tab.shot("menu-open")
    assert nav.is_visible() and page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
    tab.click("link", "Settings", within=nav)
    assert page.get_by_role("link", name="API keys").count() == 0
    response = tab.go("acme.localhost", "/settings/api-keys")
    assert response.status == 403
    assert page.get_by_role("heading", name="You cannot open this page").is_visible()

    # What a member may do: import leads, and read which rows were refused and why.
    tab.go("acme.localhost", "/contacts/import")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "leads.csv", "mimeType": "text/csv", "buffer": LEADS_CSV}]
    )
    tab.click("button", "Import")
    problems = page.get_by_role("table").get_by_role("row")
    assert problems.nth(1).inner_text().split("\t")[:2] == ["3", "phone"]
    assert "+14155550101 is already in row 2" in problems.nth(2).inner_text()


@pytest.fixture
def acme_secret(committed_db):
    """Committed, for the server to have it to hide (the `acme` fixture's data stays in the test's transaction)."""
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug="acme")):
        return AgentFactory(name="Acme secret receptionist")


def test_bob_of_globex_sees_nothing_of_acme_through_the_browser(acme_secret, visit):
    secret = acme_secret
    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "bob@example.com")
    assert page.get_by_role("heading", name="You cannot open this page").is_visible()
    assert "You are not a member of Acme Dental." in page.content()
    for path in ("/agents", f"/agents/{secret.pk}", "/team"):
        assert tab.go("acme.localhost", path).status == 403
        assert "Acme secret receptionist" not in page.content() and "alice@example.com" not in page.content()
    tab.log_in("globex.localhost", "bob@example.com")
    assert tab.go("globex.localhost", f"/agents/{secret.pk}").status == 404
    tab.go("globex.localhost", "/agents")
    assert "Acme secret receptionist" not in page.content()


@pytest.fixture
def acme_greeting(committed_db):
    """Committed for the server to see (the `acme` fixture's data would stay in this test's transaction)."""
    from agents.services.templates import create_template
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug="acme")):
        return create_template(name="Greeting", flow=GREETING)


def drag(page, source, target):
    """Presses on `source`, moves to `target` and lets go there: a connection drawn as a person draws it."""
    start, end = page.locator(source).bounding_box(), page.locator(target).bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()


def node(page, node_id):
    return page.locator(f'.drawflow-node[data-node-id="{node_id}"]')


def test_an_admin_adds_a_node_connects_it_by_dragging_and_sees_the_problems_on_the_nodes(acme_greeting, visit):
    from playwright.sync_api import expect

    template = acme_greeting
    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "amy@example.com")
    tab.go("acme.localhost", f"/templates/{template.pk}")
    assert node(page, "hello").count() == 1 and "start" in node(page, "hello").get_attribute("class")
    page.get_by_role("button", name="Add message").click()
    assert page.get_by_label("Node", exact=True).input_value() == "message_1"
    text = page.get_by_label("What the agent says")
    text.fill("Anything else I can do for you at ")
    text.press_sequentially("{comp")  # the variables a text may use, offered as they are typed
    expect(page.get_by_role("listbox", name="Variables").get_by_role("option")).to_have_text(["{company}"])
    tab.shot("variables-offered")
    text.press("Enter")
    expect(page.get_by_role("listbox", name="Variables")).to_be_hidden()
    assert text.input_value() == "Anything else I can do for you at {company}"
    assert "Anything else I can do for you at {company}" in node(page, "message_1").inner_text()
    # hello's only output now leads to the new node, which leads nowhere yet.
    drag(page, '.drawflow-node[data-node-id="hello"] .output_1', '.drawflow-node[data-node-id="message_1"] .input_1')
    tab.shot("connected")
    tab.click("button", "Save flow")
    assert "The flow was not saved" in page.get_by_role("alert").inner_text()
    assert "invalid" in node(page, "message_1").get_attribute("class")
    assert node(page, "message_1").locator(".node-problems").inner_text() != ""
    assert "invalid" in node(page, "bye").get_attribute("class")  # no longer reachable
    assert current_flow("acme", template.pk)[0] == 1

    drag(page, '.drawflow-node[data-node-id="message_1"] .output_1', '.drawflow-node[data-node-id="bye"] .input_1')
    tab.click("button", "Save flow")
    assert page.get_by_role("status").filter(has_text="Greeting is saved as version 2.").is_visible()
    number, flow = current_flow("acme", template.pk)
    edges = {item["id"]: item.get("next") for item in flow["nodes"]}
    assert number == 2 and edges == {"hello": "message_1", "bye": None, "message_1": "bye"}
    assert flow["nodes"][2]["text"] == "Anything else I can do for you at {company}"

    tab.click("button", "Restore version 1")
    assert page.get_by_role("status").filter(has_text="Version 1 is restored as version 3.").is_visible()
    assert node(page, "message_1").count() == 0


def wav(seconds, rate=8000):
    """A tone as a WAV file: audio Chromium plays, standing in for Twilio's recording."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(frames)
    return out.getvalue()


@pytest.fixture
def acme_finished_call(committed_db, fake_twilio):
    """A finished call of Acme's with its recording at (fake) Twilio: the caller at 0.5 s, the agent at 1.5 s and
    2.5 s into it."""
    from calls.tests.factories import API_PREFIX
    from tenants.models import Tenant

    sid = "RE" + "c" * 32
    fake_twilio.add("GET", f"{API_PREFIX}/Recordings/{sid}.mp3", body=wav(4), headers={"Content-Type": "audio/wav"})
    with tenant_context(Tenant.objects.get(slug="acme")):
        return recorded_call(
            sid, [("caller", "Do you have parking?", 0.5), ("agent", "I'm not sure.", 1.5), ("agent", "Goodbye.", 2.5)]
        )


def test_a_member_plays_a_finished_call_follows_its_transcript_and_adds_a_note_and_a_correction(
    acme_finished_call, visit
):
    from playwright.sync_api import expect

    call = acme_finished_call
    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "mike@example.com")
    tab.click("link", "Calls")
    with page.expect_navigation():
        page.locator(f'a[href="/calls/{call.pk}"]').click()
    tab.shot()
    assert page.get_by_role("heading", name="Transcript").is_visible()

    # The recording plays through the dashboard; the turn being heard is marked as it goes.
    page.get_by_role("button", name="Play from 2 seconds").click()  # the agent's first turn, at 1.5 s
    expect(page.locator("#turn-1")).to_have_attribute("aria-current", "true")
    expect(page.locator("#turn-2")).to_have_attribute("aria-current", "true", timeout=5000)
    assert page.locator("#turn-1").get_attribute("aria-current") is None
    assert page.evaluate("document.querySelector('audio').currentTime") >= 2.5
    tab.shot("playing")

    page.get_by_label("Add a note").fill("Ask the front desk about parking.")
    tab.click("button", "Add note")
    assert page.get_by_role("status").filter(has_text="The note is added.").is_visible()
    assert page.get_by_text("Ask the front desk about parking.").is_visible()

    turn = page.locator("#turn-1")
    turn.get_by_text("Correct this reply").click()
    turn.get_by_label("Should have said…").fill("Yes, there is free parking behind the clinic.")
    tab.click("button", "Save correction", within=turn)
    assert page.get_by_role("status").filter(has_text="The correction is saved.").is_visible()
    assert "Should have said: Yes, there is free parking behind the clinic." in page.locator("#turn-1").inner_text()


LINE = "+14155550100"


@pytest.fixture
def acme_live_call(committed_db, fake_twilio):
    """Acme's Twilio line, answered by its receptionist, and a call on it in progress with two turns so far; Twilio
    (fake) accepts changes to that call."""
    from calls.models import Call, CallTurn
    from calls.tests.factories import API_PREFIX, CallFactory, PhoneNumberFactory, TwilioAccountFactory, call_resource
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug="acme")):
        TwilioAccountFactory()
        agent = AgentFactory(name="Reception")
        PhoneNumberFactory(number=LINE, agent=agent)
        call = CallFactory(
            agent=agent,
            status=Call.Status.IN_PROGRESS,
            started_at=timezone.now(),
            twilio_call_sid="CA" + "d" * 32,
            from_number="+14155550111",
            to_number=LINE,
        )
        CallTurn.objects.create(call=call, index=0, speaker="agent", text="Acme Dental, how can I help?")
        CallTurn.objects.create(call=call, index=1, speaker="caller", text="I'd like to move my appointment.")
    resource = call_resource(call.twilio_call_sid, to=LINE, from_=call.from_number, status="in-progress")
    fake_twilio.add("POST", f"{API_PREFIX}/Calls/{call.twilio_call_sid}.json", json=resource)
    return call


def ring(server, sid, caller):
    """Twilio's signed voice webhook for a new inbound call on Acme's line, sent to the web process."""
    import requests
    from twilio.request_validator import RequestValidator

    from calls.tests.factories import AUTH_TOKEN, voice_params

    path = "/api/webhooks/twilio/acme/voice"
    params = voice_params(sid, to=LINE, from_=caller)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"http://{settings.API_HOST}{path}", params)
    response = requests.post(
        f"{server.url}{path}", data=params, headers={"Host": settings.API_HOST, "X-Twilio-Signature": signature}
    )
    assert response.status_code == 200, response.text


def exchange(server, settings, call, **said):
    """One exchange of a live call as its media session records it and tells the call's watchers (on the web
    server's channel layer)."""
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers

    from calls.groups import broadcast
    from calls.media.services import record_exchange
    from tenants.models import Tenant

    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {
        "default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": server.channel_layer_prefix}}
    }
    channel_layers.backends.pop("default", None)  # built again from the settings above

    def send():
        tenant = Tenant.objects.get(slug="acme")
        with tenant_context(tenant):
            events = record_exchange(call.pk, node_id="", actions=[], timings={}, state={}, **said)
        async_to_sync(broadcast)(tenant.schema_name, call.pk, *[{"type": "turn", "turn": turn} for turn in events])

    off_the_loop(send)


def test_an_admin_follows_live_calls_and_holds_and_ends_one(acme_live_call, server, settings, visit):
    from playwright.sync_api import expect

    call = acme_live_call
    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "amy@example.com")
    tab.click("link", "Calls")
    tab.click("link", "Live calls")
    card = page.locator(f'[data-live-call="{call.pk}"]')
    expect(card.locator(".turn")).to_have_count(2)  # the transcript so far, from the call's live socket
    expect(page.get_by_role("status").filter(has_text="Following the calls as they happen.")).to_be_visible()

    # The next exchange, recorded and sent to the call's live group as the media pipeline does, appears as it happens.
    said = {"caller_text": "Tuesday would be better.", "agent_text": "Tuesday at ten is free. Shall I book it?"}
    exchange(server, settings, call, **said)
    expect(card.locator(".turn")).to_have_count(4)
    expect(card.locator(".turn.agent").last).to_contain_text("Tuesday at ten is free. Shall I book it?")
    tab.shot("a-new-turn")

    # A call that starts now appears by itself, from the events stream.
    ring(server, "CA" + "e" * 32, "+14155550222")
    expect(page.locator(".live-call").filter(has_text="+14155550222")).to_be_visible()
    tab.shot("a-new-call")

    card.get_by_role("button", name="Hold").click()
    expect(card.locator("[data-call-flags]")).to_have_text(" · on hold")
    expect(card.get_by_role("status")).to_have_text("hold by amy@example.com.")
    card.get_by_role("button", name="End call").click()
    expect(card.locator("[data-call-state]")).to_have_text("Completed (ended_by_staff)")
    expect(card.get_by_role("button", name="Hold")).to_be_disabled()
    tab.shot("ended")


def test_an_admin_uploads_do_not_call_numbers_follows_the_import_and_sets_the_calling_hours(committed_db, visit):
    from playwright.sync_api import expect

    from compliance.models import DncImport
    from compliance.services import run_dnc_import
    from tenants.models import Tenant

    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "amy@example.com")
    tab.click("link", "Compliance")
    tab.click("link", "Upload numbers")
    numbers = b"number,reason\n+14155550150,asked\nnot a number,\n+14155550151,\n"
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "dnc.csv", "mimeType": "text/csv", "buffer": numbers}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    tab.shot("queued")
    expect(page.get_by_role("status")).to_have_text("Waiting for its turn…")
    assert page.get_by_label("Sending the file").count() == 0  # a new page: the upload is over

    # The worker's part, played here: the page, asking every second, shows the report by itself.
    def work():
        with tenant_context(Tenant.objects.get(slug="acme")):
            return run_dnc_import(DncImport.objects.get().pk).added

    assert off_the_loop(work) == 2
    expect(page.locator("[data-job-status]")).to_have_attribute("data-job-status", "done")
    assert page.locator('[data-stat="added"]').inner_text() == "2"
    assert "not a number" in page.get_by_role("table").inner_text()
    tab.shot("imported")

    tab.click("link", "Calling hours")
    page.get_by_label("From").fill("09:00")
    page.get_by_label("Until").fill("18:00")
    page.get_by_label("Saturday").uncheck()
    page.get_by_label("Sunday").uncheck()
    tab.click("button", "Save")
    expect(page.get_by_role("status").filter(has_text="The calling hours are saved.")).to_be_visible()
    assert page.get_by_label("Until").input_value() == "18:00" and not page.get_by_label("Saturday").is_checked()


@pytest.fixture
def agency(committed_db):
    """An agency workspace Alice owns, and (afterwards) it and its clients deleted with their schemas."""
    from accounts.models import User
    from billing.models import Plan
    from billing.services import assign_plan
    from tenants.models import Tenant
    from tenants.services import create_tenant

    slug = f"agency-{uuid.uuid4().hex[:8]}"
    alice = User.objects.get(email="alice@example.com")
    agency = create_tenant(name="Sunrise Agency", slug=slug, kind=Tenant.Kind.AGENCY, owner=alice)
    assign_plan(agency, Plan.objects.get(slug="agency"))
    yield agency
    for tenant in [*Tenant.objects.filter(parent=agency), agency]:
        tenant.delete(force_drop=True)


def test_an_agency_brands_itself_creates_a_client_and_switches_into_it(agency, visit):
    from playwright.sync_api import expect

    from compliance.models import AuditEvent
    from tenants.models import Tenant

    client_slug = f"{agency.slug}-smiles"
    tab = visit()
    page = tab.page
    tab.log_in(f"{agency.slug}.localhost", "alice@example.com")
    # The brand editor's preview follows the typing, before anything is saved.
    tab.click("link", "Brand")
    page.get_by_label("Product name").fill("BrightDesk")
    page.get_by_label("Colour").fill("#0a7d5a")
    preview = page.locator("#brand-preview")
    expect(preview.locator('[data-preview="name"]')).to_have_text("BrightDesk")
    assert preview.evaluate("node => node.style.getPropertyValue('--accent')") == "#0a7d5a"
    tab.click("button", "Save brand")
    expect(page.locator(".brand")).to_have_text("BrightDesk")
    tab.click("link", "Clients")
    page.get_by_label("Client name").fill("Bright Smiles")
    page.get_by_label("Client address").fill(client_slug)
    tab.click("button", "Create client")
    expect(page.get_by_role("status").filter(has_text="Bright Smiles is created")).to_be_visible()
    tab.click("button", "Switch into Bright Smiles")
    assert page.url.startswith(tab.url(f"{client_slug}.localhost", "/login"))
    assert page.get_by_label("Email").input_value() == "alice@example.com"
    page.get_by_label("Password").fill(PASSWORD)
    tab.click("button", "Log in")
    assert page.locator(".brand").inner_text() == "BrightDesk"  # the agency's brand, which the client wears
    assert page.get_by_role("heading", name="Overview").is_visible()

    def audited():
        with tenant_context(Tenant.objects.get(slug=client_slug)):
            return list(AuditEvent.objects.values_list("action", "actor_label", "data"))

    assert ("agency.impersonation", "alice@example.com", {"agency": agency.slug}) in off_the_loop(audited)


@pytest.fixture
def acme_ready_to_dial(committed_db, fake_twilio):
    """Acme's agent Sally with a caller id, calls allowed at any hour, and (fake) Twilio taking one dial."""
    from agents.models import Agent
    from campaigns.tests.conftest import ready_to_dial, script_dials
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug="acme")):
        agent = ready_to_dial()
        Agent.objects.filter(pk=agent.pk).update(name="Sally")
    script_dials(fake_twilio, 1)


def test_an_admin_imports_leads_starts_a_campaign_and_watches_it_dial(acme_ready_to_dial, fake_twilio, visit):
    from django.test import override_settings
    from playwright.sync_api import expect

    from campaigns.models import Attempt
    from campaigns.services.dispatch import dial, tick
    from campaigns.tests.conftest import dialed_numbers
    from tenants.models import Tenant

    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "amy@example.com")
    tab.go("acme.localhost", "/contacts/import")
    page.get_by_label("CSV file").set_input_files(
        files=[
            {"name": "leads.csv", "mimeType": "text/csv", "buffer": b"phone,first_name\n+14155550101,Ann\nnope,Bad\n"}
        ]
    )
    page.get_by_label("Add them to the list (optional)").fill("Spring leads")
    tab.click("button", "Import")
    assert page.get_by_role("table").get_by_role("row").nth(1).inner_text().split("\t")[:2] == ["3", "phone"]

    tab.click("link", "Campaigns")
    tab.click("link", "New campaign")
    page.get_by_label("Name").fill("Spring recall")
    page.get_by_label("Agent").select_option(label="Sally")
    page.get_by_label("Contact list").select_option(label="Spring leads")
    tab.click("button", "Create draft")
    tab.click("button", "Start")
    expect(page.locator("[data-status]")).to_have_text("Running")
    expect(page.locator('[data-stat="calls"]')).to_have_text("0")

    # The dialer's part (a beat, then the dial task of each claim), played here against the fake Twilio; the page
    # shows the call by itself.
    def dispatch():
        with tenant_context(Tenant.objects.get(slug="acme")), override_settings(TWILIO_API_BASE_URL=fake_twilio.url):
            for claim in tick():
                dial(claim.attempt_id, claim.token)
            return list(Attempt.objects.values_list("status", flat=True))

    assert off_the_loop(dispatch) == ["in_progress"]
    expect(page.locator('[data-stat="calls"]')).to_have_text("1", timeout=8000)
    assert dialed_numbers(fake_twilio) == ["+14155550101"]
    tab.shot("dialing")


@pytest.fixture
def acme_receptionist(committed_db):
    """Acme's demo receptionist: the offline Whisper recognition, the flow and Festival's voice."""
    from agents.services import seed_demo_agent
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug="acme")
    with tenant_context(tenant):
        return seed_demo_agent(tenant)


@pytest.mark.microphone("I'd like to book an appointment")
def test_a_member_talks_to_the_agent_by_voice_and_sees_the_transcript(acme_receptionist, visit):
    from playwright.sync_api import expect

    tab = visit()
    page = tab.page
    tab.log_in("acme.localhost", "mike@example.com")
    tab.go("acme.localhost", f"/agents/{acme_receptionist.pk}")
    voice = page.locator("[data-voice]")
    voice.get_by_role("button", name="Start talking").click()
    log = voice.get_by_role("list", name="Voice conversation")
    # The greeting, then what the microphone said as the phone pipeline heard it, then the flow's next question.
    expect(log.locator(".said.agent").first).to_contain_text("Acme Dental", timeout=30_000)
    expect(log.locator(".said.caller").first).to_contain_text("appointment", timeout=30_000)
    expect(log.locator(".said.agent").nth(1)).to_contain_text("name", timeout=30_000)
    tab.shot("talking")
    voice.get_by_role("button", name="Hang up").click()
    expect(voice.get_by_role("status")).to_have_text("The conversation has ended.")


PHONE_375 = {"width": 375, "height": 812}
# What reaches furthest right on the page, for the failure's message.
WIDEST = """() => [...document.querySelectorAll("body *")]
    .map((element) => [element.getBoundingClientRect().right, element.tagName + "." + element.className])
    .sort((a, b) => b[0] - a[0]).slice(0, 3)"""
MAIN_PAGES = [
    "/",
    "/agents",
    "/agents/new",
    "/templates",
    "/knowledge",
    "/calls",
    "/calls/live",
    "/contacts",
    "/contacts/import",
    "/campaigns",
    "/campaigns/new",
    "/calendar",
    "/compliance/dnc",
    "/compliance/calling-hours",
    "/team",
    "/settings",
    "/settings/api-keys",
    "/settings/providers",
]


@pytest.fixture
def acme_at_work(acme_greeting, acme_finished_call):
    """Pages with something on them: a call template, an agent on it and a finished call with its transcript."""
    return acme_greeting, acme_finished_call


def test_the_main_pages_fit_a_375_px_phone_without_scrolling_sideways(acme_at_work, visit):
    template, call = acme_at_work
    tab = visit(viewport=PHONE_375)
    page = tab.page
    tab.log_in("acme.localhost", "amy@example.com")
    overflowing = {}
    for path in [*MAIN_PAGES, f"/templates/{template.pk}", f"/calls/{call.pk}", f"/agents/{call.agent_id}"]:
        tab.go("acme.localhost", path)
        # How far the page reaches beyond the screen (a box that scrolls on its own, as a wide table's, is fine).
        width = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if width > 0:
            overflowing[path] = (width, page.evaluate(WIDEST))
    assert overflowing == {}
