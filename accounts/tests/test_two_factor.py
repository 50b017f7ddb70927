"""Two-factor sign-in: enrolment with a QR code and a first code, a JWT login in two steps (password, then a TOTP or
one of ten single-use recovery codes), no code accepted twice, disabling with the password, and owners requiring it of
every member of their tenant (API keys unaffected)."""

import time

import pyotp
import pytest
from django_tenants.utils import tenant_context

from accounts.models import RecoveryCode, TwoFactor, User
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN, LOGIN_CODE = "/api/auth/login", "/api/auth/login/2fa"
ENROL, CONFIRM, DISABLE = "/api/auth/2fa/enrol", "/api/auth/2fa/confirm", "/api/auth/2fa/disable"
REQUIREMENT = "/api/team/two-factor"


def code_at(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * steps_from_now)


def enrol(api, user) -> tuple[str, list[str]]:
    """Turns 2FA on for `user`: (the TOTP secret, the recovery codes)."""
    secret = api(user).post(ENROL).json()["secret"]
    response = api(user).post(CONFIRM, {"code": code_at(secret)}, format="json")
    assert response.status_code == 200, response.json()
    return secret, response.json()["recovery_codes"]


def password_step(api, email, password):
    response = api().post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["challenge"]


def code_step(api, challenge, code):
    return api().post(LOGIN_CODE, {"challenge": challenge, "code": code}, format="json")


# Enrolment ------------------------------------------------------------------------------------------


def test_enrolment_gives_a_secret_and_its_qr_code(api, alice):
    body = api(alice).post(ENROL).json()
    assert body["otpauth_uri"] == pyotp.TOTP(body["secret"]).provisioning_uri(
        name="alice@example.com", issuer_name="Voice Agents"
    )
    assert body["qr_svg"].startswith("<svg")
    assert not User.objects.get(pk=alice.pk).two_factor_enabled


def test_a_first_code_turns_it_on_with_ten_single_use_recovery_codes_stored_hashed(api, alice):
    _, codes = enrol(api, alice)
    assert len(set(codes)) == 10 and User.objects.get(pk=alice.pk).two_factor_enabled
    stored = set(RecoveryCode.objects.filter(user=alice).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)


def test_a_wrong_first_code_leaves_it_off(api, alice):
    secret = api(alice).post(ENROL).json()["secret"]
    wrong = str((int(code_at(secret)) + 1) % 1_000_000).zfill(6)
    response = api(alice).post(CONFIRM, {"code": wrong}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (401, "invalid_two_factor_code")
    assert not User.objects.get(pk=alice.pk).two_factor_enabled


def test_turning_it_on_ends_other_sessions(api, alice, password):
    old_refresh = api().post(LOGIN, {"email": "alice@example.com", "password": password}, format="json").json()
    enrol(api, alice)
    response = api().post("/api/auth/refresh", {"refresh": old_refresh["tokens"]["refresh"]}, format="json")
    assert response.status_code == 401


def test_enrolling_again_while_on_is_a_conflict(api, alice):
    enrol(api, alice)
    assert api(alice).post(ENROL).status_code == 409


def test_an_api_key_cannot_enrol(api, alice, acme, make_api_key):
    _, secret = make_api_key(acme, alice)
    assert api(api_key=secret).post(ENROL).json()["error_code"] == "api_key_not_allowed"


def test_enabling_and_disabling_are_audited(api, alice, acme, password):
    enrol(api, alice)
    assert api(alice).post(DISABLE, {"password": password}, format="json").status_code == 204
    with tenant_context(acme):
        assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
            "auth.two_factor_enabled",
            "auth.two_factor_disabled",
        ]


# Login ----------------------------------------------------------------------------------------------


def test_the_password_alone_gives_a_challenge_not_tokens(api, alice, password):
    enrol(api, alice)
    response = api().post(LOGIN, {"email": "alice@example.com", "password": password}, format="json")
    assert response.status_code == 202
    assert response.json()["two_factor_required"] and "tokens" not in response.json()


def test_the_challenge_and_a_current_code_give_the_tokens(api, alice, acme, password):
    secret, _ = enrol(api, alice)
    response = code_step(api, password_step(api, "alice@example.com", password), code_at(secret, 1))
    assert response.status_code == 200 and response.json()["user"]["email"] == "alice@example.com"
    with tenant_context(acme):
        login = AuditEvent.objects.get(action="auth.login")
        assert login.data == {"second_factor": "totp"}


def test_a_recovery_code_gives_the_tokens_once(api, alice, password):
    _, codes = enrol(api, alice)
    assert code_step(api, password_step(api, "alice@example.com", password), codes[3].upper()).status_code == 200
    again = code_step(api, password_step(api, "alice@example.com", password), codes[3])
    assert (again.status_code, again.json()["error_code"]) == (401, "invalid_two_factor_code")
    assert RecoveryCode.objects.filter(user=alice, used_at__isnull=True).count() == 9


def test_a_code_already_used_is_refused(api, alice, password):
    secret, _ = enrol(api, alice)  # enrolment used the current code
    response = code_step(api, password_step(api, "alice@example.com", password), code_at(secret))
    assert (response.status_code, response.json()["error_code"]) == (401, "invalid_two_factor_code")


def test_an_older_code_than_the_last_used_is_refused(api, alice, password):
    secret, _ = enrol(api, alice)
    step = int(time.time()) // 30  # one clock for the whole test: a step may end while it runs
    newer, older = (pyotp.TOTP(secret).at((step + offset) * 30) for offset in (1, -1))
    assert code_step(api, password_step(api, "alice@example.com", password), newer).status_code == 200
    response = code_step(api, password_step(api, "alice@example.com", password), older)
    assert response.status_code == 401
    assert TwoFactor.objects.get(user=alice).last_step == step + 1


def test_a_forged_challenge_is_refused(api, alice, password):
    secret, _ = enrol(api, alice)
    response = code_step(api, "alice:forged", code_at(secret, 1))
    assert (response.status_code, response.json()["error_code"]) == (401, "invalid_challenge")


def test_a_wrong_code_is_audited_and_counts_towards_the_login_lockout(api, alice, acme, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    enrol(api, alice)
    challenge = password_step(api, "alice@example.com", password)
    assert code_step(api, challenge, "000000").status_code == 401
    assert code_step(api, challenge, "000001").status_code == 401
    assert code_step(api, challenge, "000002").status_code == 429
    with tenant_context(acme):
        assert AuditEvent.objects.filter(action="auth.two_factor_failed").count() == 2


def test_disabling_needs_the_password_and_then_the_password_alone_logs_in(api, alice, password):
    enrol(api, alice)
    wrong = api(alice).post(DISABLE, {"password": "not it"}, format="json")
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "wrong_password")
    assert api(alice).post(DISABLE, {"password": password}, format="json").status_code == 204
    response = api().post(LOGIN, {"email": "alice@example.com", "password": password}, format="json")
    assert response.status_code == 200 and "tokens" in response.json()
    assert not RecoveryCode.objects.filter(user=alice).exists() and not TwoFactor.objects.filter(user=alice).exists()


# The tenant-wide requirement ------------------------------------------------------------------------


def require_two_factor(api, owner, tenant):
    enrol(api, owner)
    response = api(owner, tenant).put(REQUIREMENT, {"required": True}, format="json")
    assert response.json() == {"required": True}


def test_an_owner_requires_two_factor_and_members_without_it_are_refused(api, alice, mike, acme):
    require_two_factor(api, alice, acme)
    refused = api(mike, acme).get("/api/team/members")
    assert (refused.status_code, refused.json()["error_code"]) == (403, "two_factor_required")


def test_a_member_who_enrols_is_let_back_in(api, alice, mike, acme):
    require_two_factor(api, alice, acme)
    enrol(api, mike)
    assert api(mike, acme).get("/api/team/members").status_code == 200


def test_the_requirement_does_not_follow_a_member_into_other_tenants(api, alice, bob, acme, globex):
    require_two_factor(api, alice, acme)
    assert api(bob, globex).get("/api/team/members").status_code == 200


def test_api_keys_are_not_affected_by_the_requirement(api, alice, mike, acme, make_api_key):
    require_two_factor(api, alice, acme)
    _, secret = make_api_key(acme, mike, scopes=("read",))
    assert api(api_key=secret).get("/api/team/members").status_code == 200


def test_an_owner_without_two_factor_cannot_require_it(api, alice, acme):
    response = api(alice, acme).put(REQUIREMENT, {"required": True}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "enable_two_factor_first")


def test_only_owners_change_the_requirement(api, amy, acme):
    response = api(amy, acme).put(REQUIREMENT, {"required": True}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (403, "role_forbidden")


def test_changing_the_requirement_is_audited(api, alice, acme):
    require_two_factor(api, alice, acme)
    with tenant_context(acme):
        assert AuditEvent.objects.get(action="team.two_factor_required").actor_label == "alice@example.com"
