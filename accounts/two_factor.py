"""Business rules of two-factor sign-in: TOTP (RFC 6238) from an authenticator app, enrolled with a QR code and
verified once, plus ten single-use recovery codes; disabled only with the password. A JWT login of a user with 2FA
takes two steps: the password gives a short-lived signed challenge, the challenge and a code give the tokens.
API keys are not affected (they are not a person signing in)."""

import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import RecoveryCode, TwoFactor, User
from config.errors import Conflict, DomainError, Unauthenticated

RECOVERY_CODES = 10
CHALLENGE_SALT = "accounts.two-factor-challenge"
CHALLENGE_SECONDS = 300
# Codes of the step before and after the current one are accepted too: clocks drift, people type slowly.
VALID_WINDOW = 1


class InvalidCode(Unauthenticated):
    error_code = "invalid_two_factor_code"


@dataclass
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _recovery_hash(code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the database alone does not let anyone try codes offline.
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("accounts.recovery-code", normalised, algorithm="sha256").hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def start_enrolment(user: User) -> Enrolment:
    """A new secret for the user's authenticator app (replacing an unfinished enrolment); 2FA is on once
    `confirm_enrolment` sees a code from it."""
    if user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on; disable it first.", error_code="two_factor_enabled")
    secret = pyotp.random_base32()
    TwoFactor.objects.update_or_create(user=user, defaults={"secret": secret, "confirmed_at": None, "last_step": None})
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.TWO_FACTOR_ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=segno.make(uri, error="m").svg_inline(scale=4))


def _accept_totp(two_factor: TwoFactor, code: str) -> bool:
    """Whether `code` is the TOTP of a step near now that is newer than the last code accepted; if so, that
    step becomes the last one (so the same code is refused next time). The row must be locked."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp, now_step = pyotp.TOTP(two_factor.secret), int(time.time()) // 30
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if two_factor.last_step is not None and step <= two_factor.last_step:
            continue
        if hmac.compare_digest(totp.at(step * 30), code):
            two_factor.last_step = step
            two_factor.save(update_fields=["last_step"])
            return True
    return False


def _accept_recovery_code(user: User, code: str) -> bool:
    used = RecoveryCode.objects.filter(user=user, code_hash=_recovery_hash(code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return used == 1


def check_code(user: User, code: str) -> str:
    """Accepts a current TOTP code or an unused recovery code (each once); returns which ("totp" or
    "recovery_code"), else raises `InvalidCode`."""
    with transaction.atomic():
        two_factor = TwoFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if two_factor is not None and _accept_totp(two_factor, code):
            return "totp"
        if two_factor is not None and _accept_recovery_code(user, code):
            return "recovery_code"
    raise InvalidCode("The code is wrong, expired or already used.", errors={"code": ["Wrong, expired or used."]})


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turns 2FA on once the app's first code checks out; returns the ten recovery codes (shown this once)."""
    with transaction.atomic():
        two_factor = TwoFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if two_factor is None:
            raise Conflict("Start enrolment first.", error_code="two_factor_not_enrolling")
        if not _accept_totp(two_factor, code):
            raise InvalidCode("The code is wrong or expired.", errors={"code": ["Wrong or expired."]})
        two_factor.confirmed_at = timezone.now()
        two_factor.save(update_fields=["confirmed_at"])
        User.objects.filter(pk=user.pk).update(two_factor_enabled=True)
        user.two_factor_enabled = True
        codes = _replace_recovery_codes(user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes)
    return codes


@transaction.atomic
def disable(user: User, *, password: str) -> None:
    if not user.check_password(password):
        raise DomainError(
            "The password is incorrect.", error_code="wrong_password", errors={"password": ["Incorrect."]}
        )
    TwoFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(two_factor_enabled=False)
    user.two_factor_enabled = False


def challenge_for(user: User) -> str:
    """The proof that the password was right, to be sent back with the code (`user_of_challenge`)."""
    return signing.dumps({"user": user.pk}, salt=CHALLENGE_SALT)


def user_of_challenge(challenge: str) -> User:
    invalid = Unauthenticated(
        "The sign-in challenge is invalid or expired; log in again.",
        error_code="invalid_challenge",
        errors={"challenge": ["Invalid or expired."]},
    )
    try:
        user_id = signing.loads(challenge, salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS)["user"]
    except (signing.BadSignature, KeyError, TypeError):
        raise invalid from None
    user = User.objects.filter(pk=user_id, is_active=True, two_factor_enabled=True).first()
    if user is None:
        raise invalid
    return user
