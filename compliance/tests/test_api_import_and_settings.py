"""POST /api/compliance/dnc/import (CSV or JSON, bad rows reported by row) and GET/PUT /api/compliance/settings."""

from io import BytesIO

import pytest
from django_tenants.utils import tenant_context

from compliance import services, tasks
from compliance.api import views
from compliance.models import AuditEvent, ComplianceSettings, DncEntry, DncImport
from compliance.tests.factories import DncEntryFactory
from config.celery import app

pytestmark = pytest.mark.django_db

IMPORT = "/api/compliance/dnc/import"
SETTINGS = "/api/compliance/settings"


def csv_file(text: str | bytes, name="dnc.csv"):
    upload = BytesIO(text.encode() if isinstance(text, str) else text)
    upload.name = name
    return upload


def upload(client, text, **extra):
    return client.post(IMPORT, {"file": csv_file(text), **extra}, format="multipart")


def numbers_in(tenant):
    with tenant_context(tenant):
        return dict(DncEntry.objects.values_list("number", "reason"))


def test_a_csv_with_good_and_bad_rows_imports_the_good_and_reports_the_bad_by_line(api, alice, acme):
    with tenant_context(acme):
        DncEntryFactory(number="+12125550100")
    text = (
        "phone,name,reason\n"
        "+1 212 555 0100,Old,already there\n"
        "(415) 555-0123,Dana,\n"
        "+14155550124,Eve,lawyer letter\n"
        "\n"
        "not a number,Zed,\n"
        "+14155550124,Eve,twice\n"
        ",Nobody,\n"
    )
    response = upload(api(alice, acme), text)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {k: body[k] for k in ("rows", "added", "already_listed", "invalid", "errors_truncated")} == {
        "rows": 6,
        "added": 1,
        "already_listed": 2,
        "invalid": 3,
        "errors_truncated": False,
    }
    assert [(e["row"], e["value"]) for e in body["errors"]] == [(3, "(415) 555-0123"), (6, "not a number"), (8, "")]
    assert numbers_in(acme) == {"+12125550100": "", "+14155550124": "lawyer letter"}
    with tenant_context(acme):
        assert AuditEvent.objects.get(action="dnc.imported").data["added"] == 1


def test_a_csv_without_a_header_has_the_number_first_and_the_reason_second(api, alice, acme):
    body = upload(api(alice, acme), "+14155550123,opted out on the phone\r\n+14155550124\r\n").json()
    assert (body["rows"], body["added"]) == (2, 2)
    assert numbers_in(acme) == {"+14155550123": "opted out on the phone", "+14155550124": ""}
    with tenant_context(acme):
        assert set(DncEntry.objects.values_list("source", flat=True)) == {"import"}


def test_a_json_list_imports_with_one_reason(api, alice, acme):
    response = api(alice, acme).post(
        IMPORT,
        {"numbers": ["+14155550123", "nope", " +1 415 555 0124 "], "reason": "Purchased suppression list"},
        format="json",
    )
    body = response.json()
    assert (body["rows"], body["added"], body["invalid"]) == (3, 2, 1)
    assert body["errors"] == [{"row": 2, "value": "nope", "error": body["errors"][0]["error"]}]
    assert set(numbers_in(acme).values()) == {"Purchased suppression list"}


# The DNC upload is read by the same rules as the contacts import (config.csv).


def test_a_latin1_csv_is_read(api, alice, acme):
    body = upload(api(alice, acme), "+14155550123,Müller\n".encode("latin-1")).json()
    assert body["added"] == 1 and numbers_in(acme) == {"+14155550123": "Müller"}


def test_a_utf16_csv_with_a_bom_is_read(api, alice, acme):
    body = upload(api(alice, acme), "number\treason\r\n+14155550123\tZoë asked\r\n".encode("utf-16")).json()
    assert body["added"] == 1 and numbers_in(acme) == {"+14155550123": "Zoë asked"}


def test_a_semicolon_separated_csv_is_read(api, alice, acme):
    body = upload(api(alice, acme), "phone;reason\n+14155550123;asked, twice\n+14155550124;\n").json()
    assert body["added"] == 2 and numbers_in(acme) == {"+14155550123": "asked, twice", "+14155550124": ""}


def test_a_file_with_nul_bytes_is_400_not_csv_and_imports_nothing(api, alice, acme):
    response = upload(api(alice, acme), "+14155550123\n+14155550124,re\x00ason\n")
    assert (response.status_code, response.json()["error_code"]) == (400, "not_csv")
    assert numbers_in(acme) == {}


def test_a_row_with_a_million_columns_is_400_and_imports_nothing(api, alice, acme):
    response = upload(api(alice, acme), "+14155550123\n+14155550124" + "," * 1_000_000 + "\n")
    assert (response.status_code, response.json()["error_code"]) == (400, "too_many_columns")
    assert numbers_in(acme) == {}


def test_an_unterminated_quote_is_400_naming_the_line_and_imports_nothing(api, alice, acme):
    response = upload(api(alice, acme), '+14155550123\n+14155550124,"never closed\n' + "x" * 140_000)
    assert (response.status_code, response.json()["error_code"]) == (400, "malformed_csv")
    assert response.json()["errors"]["file"][0].startswith("Line ") and numbers_in(acme) == {}


def test_a_multipart_upload_without_the_file_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).post(IMPORT, {"other": csv_file("+14155550123")}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_an_empty_json_list_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).post(IMPORT, {"numbers": []}, format="json")
    assert response.status_code == 400 and "numbers" in response.json()["errors"]


def test_an_oversize_file_is_413_and_imports_nothing(api, alice, acme, monkeypatch):
    monkeypatch.setattr(views, "MAX_IMPORT_BYTES", 20)
    response = upload(api(alice, acme), "+14155550123\n+14155550124\n")
    assert (response.status_code, response.json()["error_code"]) == (413, "import_too_large")
    assert numbers_in(acme) == {}


def test_too_many_rows_is_413_and_imports_nothing(api, alice, acme, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 1)
    response = upload(api(alice, acme), "+14155550123\n+14155550124\n")
    assert (response.status_code, response.json()["error_code"]) == (413, "import_too_large")
    assert numbers_in(acme) == {}


def test_more_bad_rows_than_reported_are_counted_and_flagged(api, alice, acme, monkeypatch):
    monkeypatch.setattr(services, "MAX_REPORTED_ERRORS", 2)
    body = upload(api(alice, acme), "a\nb\nc\n+14155550123\n").json()
    assert (body["invalid"], len(body["errors"]), body["errors_truncated"], body["added"]) == (3, 2, True, 1)


def test_a_large_file_spooled_to_disk_imports_too(api, alice, acme, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    text = "".join(f"+1212555{n:04d}\n" for n in range(5000))
    body = upload(api(alice, acme), text).json()
    assert (body["rows"], body["added"], body["invalid"]) == (5000, 5000, 0)


def test_members_cannot_import(api, mike, acme):
    assert upload(api(mike, acme), "+14155550123\n").status_code == 403
    assert numbers_in(acme) == {}


def test_an_import_lands_in_its_own_tenant_only(api, bob, acme, globex):
    upload(api(bob, globex), "+14155550123\n")
    assert numbers_in(acme) == {} and list(numbers_in(globex)) == ["+14155550123"]


def background_upload(client, text, monkeypatch, capture):
    """Uploads `text` as a large file; returns the response and the queued tasks' (args, headers)."""
    monkeypatch.setattr(views, "SYNC_IMPORT_BYTES", 10)
    queued = []
    monkeypatch.setattr(
        app,
        "send_task",
        lambda name, args, headers: queued.append((args, headers)) if name == tasks.run_dnc_import.name else None,
    )
    with capture(execute=True):
        response = upload(client, text)
    return response, queued


def run_as_the_worker(tenant, job_id):
    with tenant_context(tenant):
        assert tasks.run_dnc_import.apply(args=[job_id]).successful()


def test_a_large_csv_is_imported_in_the_background_and_reported_on_its_job(
    api, alice, acme, monkeypatch, django_capture_on_commit_callbacks
):
    response, queued = background_upload(
        api(alice, acme), "number,reason\n+14155550123,x\nbad\n", monkeypatch, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "pending" and response["Location"].endswith(f"/api/compliance/dnc/imports/{job['id']}")
    assert queued == [((job["id"],), {"_schema_name": "t_acme"})]
    run_as_the_worker(acme, job["id"])
    body = api(alice, acme).get(f"/api/compliance/dnc/imports/{job['id']}").json()
    assert (body["status"], body["rows"], body["added"], body["invalid"]) == ("done", 2, 1, 1)
    assert body["filename"] == "dnc.csv"
    assert body["errors"][0]["row"] == 3 and body["finished_at"]
    assert numbers_in(acme) == {"+14155550123": "x"}
    with tenant_context(acme):
        assert AuditEvent.objects.get(action="dnc.imported").actor_label == "alice@example.com"
    run_as_the_worker(acme, job["id"])  # redelivered: a finished job is left alone
    assert api(alice, acme).get("/api/compliance/dnc/imports").json()["count"] == 1


def test_an_import_job_keeps_no_copy_of_the_upload_once_done(
    api, alice, acme, monkeypatch, django_capture_on_commit_callbacks
):
    response, _ = background_upload(api(alice, acme), "+14155550123\n", monkeypatch, django_capture_on_commit_callbacks)
    run_as_the_worker(acme, response.json()["id"])
    with tenant_context(acme):
        assert bytes(DncImport.objects.get().payload) == b""


def test_a_large_upload_with_a_very_long_file_name_keeps_its_first_200_characters(
    api, alice, acme, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(views, "SYNC_IMPORT_BYTES", 10)
    monkeypatch.setattr(app, "send_task", lambda *args, **kwargs: None)
    name = "n" * 296 + ".csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice, acme).post(IMPORT, {"file": csv_file("+14155550123\n", name=name)}, format="multipart")
    assert (response.status_code, response.json()["filename"]) == (202, name[:200])


def test_a_large_malformed_csv_fails_its_job_and_imports_nothing(
    api, alice, acme, monkeypatch, django_capture_on_commit_callbacks
):
    response, _ = background_upload(
        api(alice, acme), '+14155550123\n+14155550124,"never closed\n', monkeypatch, django_capture_on_commit_callbacks
    )
    run_as_the_worker(acme, response.json()["id"])
    body = api(alice, acme).get(f"/api/compliance/dnc/imports/{response.json()['id']}").json()
    assert (body["status"], body["error_code"], body["added"]) == ("failed", "malformed_csv", 0)
    assert body["detail"].startswith("Malformed CSV at line 2")
    assert numbers_in(acme) == {}


def test_an_import_job_is_visible_only_in_its_tenant_and_to_admins(
    api, alice, mike, bob, acme, globex, monkeypatch, django_capture_on_commit_callbacks
):
    response, _ = background_upload(api(alice, acme), "+14155550123\n", monkeypatch, django_capture_on_commit_callbacks)
    path = f"/api/compliance/dnc/imports/{response.json()['id']}"
    assert api(bob, globex).get(path).status_code == 404
    assert api(mike, acme).get(path).status_code == 403


# Settings -----------------------------------------------------------------------------------


def test_settings_default_to_eight_to_nine_every_day(api, amy, acme):
    body = api(amy, acme).get(SETTINGS).json()
    assert (body["calling_window_start"], body["calling_window_end"], body["calling_days"]) == (
        "08:00",
        "21:00",
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    )


def test_an_admin_sets_the_window_and_days_and_it_is_audited(api, amy, acme):
    response = api(amy, acme).put(
        SETTINGS,
        {"calling_window_start": "09:30", "calling_window_end": "18:00", "calling_days": ["fri", "mon", "mon"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["calling_days"], response.json()["calling_window_start"]) == (["mon", "fri"], "09:30")
    with tenant_context(acme):
        settings = ComplianceSettings.objects.get()
        assert (f"{settings.calling_window_end:%H:%M}", settings.calling_days) == ("18:00", ["mon", "fri"])
        event = AuditEvent.objects.get(action="compliance.settings_updated")
    assert (event.actor_label, event.target) == ("amy@example.com", "calling_window")
    assert event.data == {
        "calling_window_start": "09:30",
        "calling_window_end": "18:00",
        "calling_days": ["mon", "fri"],
        "opt_out_digit": "9",
        "record_calls": False,
        "recording_disclosure": "This call is recorded.",
        "retention_days": None,
        "redact_pii": True,
    }
    assert api(amy, acme).get(SETTINGS).json()["calling_window_start"] == "09:30"


def test_recording_retention_and_redaction_are_the_tenants_choice(api, alice, acme):
    window = {"calling_window_start": "08:00", "calling_window_end": "21:00", "calling_days": ["mon"]}
    changes = {
        "record_calls": True,
        "recording_disclosure": "Calls with {company} are recorded.",
        "retention_days": 30,
        "redact_pii": False,
    }
    assert api(alice, acme).put(SETTINGS, {**window, **changes}, format="json").status_code == 200
    assert {name: api(alice, acme).get(SETTINGS).json()[name] for name in changes} == changes
    # Left out, they keep their values; a null retention keeps recordings and transcripts for ever.
    assert api(alice, acme).put(SETTINGS, {**window, "retention_days": None}, format="json").status_code == 200
    saved = api(alice, acme).get(SETTINGS).json()
    assert (saved["record_calls"], saved["retention_days"], saved["redact_pii"]) == (True, None, False)


def test_by_default_calls_are_not_recorded_kept_for_ever_and_redacted(api, alice, acme):
    saved = api(alice, acme).get(SETTINGS).json()
    assert (saved["record_calls"], saved["retention_days"], saved["redact_pii"]) == (False, None, True)


def test_a_window_to_midnight_is_accepted(api, alice, acme):
    response = api(alice, acme).put(
        SETTINGS,
        {"calling_window_start": "00:00", "calling_window_end": "00:00", "calling_days": ["sun"]},
        format="json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "change, field",
    [
        ({"calling_window_end": "07:00"}, "calling_window_end"),
        ({"calling_window_start": "25:00"}, "calling_window_start"),
        ({"calling_days": []}, "calling_days"),
        ({"calling_days": ["someday"]}, "calling_days"),
        ({"opt_out_digit": "12"}, "opt_out_digit"),
        ({"opt_out_digit": "#"}, "opt_out_digit"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": "soon"}, "retention_days"),
        ({"record_calls": "sometimes"}, "record_calls"),
        ({"recording_disclosure": "x" * 501}, "recording_disclosure"),
        ({"recording_disclosure": None}, "recording_disclosure"),
    ],
)
def test_bad_settings_are_400_naming_the_field(api, alice, acme, change, field):
    data = {"calling_window_start": "08:00", "calling_window_end": "21:00", "calling_days": ["mon"], **change}
    response = api(alice, acme).put(SETTINGS, data, format="json")
    assert response.status_code == 400 and any(key.startswith(field) for key in response.json()["errors"])


def test_the_keypad_opt_out_is_9_until_an_admin_changes_or_clears_it(api, alice, acme):
    assert api(alice, acme).get(SETTINGS).json()["opt_out_digit"] == "9"
    window = {"calling_window_start": "08:00", "calling_window_end": "21:00", "calling_days": ["mon"]}
    assert (
        api(alice, acme).put(SETTINGS, {**window, "opt_out_digit": "*"}, format="json").json()["opt_out_digit"] == "*"
    )
    assert api(alice, acme).put(SETTINGS, window, format="json").json()["opt_out_digit"] == "*"
    assert api(alice, acme).put(SETTINGS, {**window, "opt_out_digit": ""}, format="json").json()["opt_out_digit"] == ""


def test_members_cannot_read_or_change_settings(api, mike, acme):
    assert api(mike, acme).get(SETTINGS).status_code == 403
    assert api(mike, acme).put(SETTINGS, {}, format="json").status_code == 403


def test_settings_are_per_tenant(api, alice, bob, acme, globex):
    api(bob, globex).put(
        SETTINGS,
        {"calling_window_start": "10:00", "calling_window_end": "12:00", "calling_days": ["mon"]},
        format="json",
    )
    assert api(alice, acme).get(SETTINGS).json()["calling_window_start"] == "08:00"
