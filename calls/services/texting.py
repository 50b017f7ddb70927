"""Text messages (SMS) through the tenant's Twilio account, from its numbers."""

from calls.models import PhoneNumber
from calls.selectors import twilio_account
from calls.twilio.client import client_for, twilio_errors
from config.errors import DomainError


def _sender_number(agent_id: int | None) -> str:
    numbers = PhoneNumber.objects.order_by("id")
    number = (numbers.filter(agent_id=agent_id).first() if agent_id else None) or numbers.first()
    if number is None:
        raise DomainError("No phone number to send SMS reminders from.", error_code="no_sender_number")
    return number.number


def send_sms(*, to: str, body: str, agent_id: int | None = None) -> None:
    """Texts `to` from the agent's number, else the tenant's first number."""
    account = twilio_account()
    if account is None:
        raise DomainError("No Twilio account is connected.", error_code="no_twilio_account")
    with twilio_errors():
        client_for(account.account_sid, account.auth_token).messages.create(
            to=to, from_=_sender_number(agent_id), body=body
        )
