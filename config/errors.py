"""The platform's domain errors: what a business rule refused, in terms of the domain, with a stable `error_code`
(API surface), a message and the fields at fault. No HTTP here: `config.api.errors` maps each kind to a status and
headers, once for every view, consumer and webhook.

Raise the kind that says what happened (a subclass with its own `error_code` where callers tell cases apart):
`DomainError` (the request is invalid), `NotFound`, `Forbidden`, `Conflict`, `Unauthenticated`, `Gone`,
`TooLarge`, `TooManyRequests` (with `retry_after_seconds`), `PlanLimit` (the tenant's plan or subscription does not
allow it), `UpstreamError` (a provider failed), `Unavailable` (a dependency of ours is down)."""

from django.db.models.deletion import ProtectedError, RestrictedError


class DomainError(Exception):
    """A business rule refused the request: it is invalid as sent."""

    error_code = "invalid_request"

    def __init__(self, detail, *, error_code=None, errors=None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        if error_code:
            self.error_code = error_code


class NotFound(DomainError):
    error_code = "not_found"


class Forbidden(DomainError):
    error_code = "permission_denied"


class Conflict(DomainError):
    """The request contradicts the current state (taken, in use, already done)."""

    error_code = "conflict"


class Unauthenticated(DomainError):
    error_code = "not_authenticated"


class Gone(DomainError):
    """It existed and is no more (an expired or used invitation)."""

    error_code = "gone"


class TooLarge(DomainError):
    error_code = "too_large"


class TooManyRequests(DomainError):
    """Too many of these, too fast: allowed again after `retry_after_seconds`. A rate limit may say where the caller
    stands (`limit`, `remaining`, `reset_seconds`)."""

    error_code = "too_many_requests"

    def __init__(self, detail, *, retry_after_seconds, limit=None, remaining=None, reset_seconds=None, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        self.limit, self.remaining, self.reset_seconds = limit, remaining, reset_seconds


class PlanLimit(DomainError):
    """The tenant's plan does not allow this: `limit_name` names the limit (e.g. "agents", "monthly_minutes", a feature,
    or "subscription" when it is not paid), `current` is what is in use, `allowed` what the plan allows, `plan` the
    tenant's plan and `upgrade_to` the plan that lifts the limit (None when no listed plan does)."""

    error_code = "plan_limit"

    def __init__(self, detail, *, limit, current, allowed, plan, upgrade_to=None, **kwargs):
        super().__init__(detail, **kwargs)
        self.limit_name, self.current, self.allowed, self.plan, self.upgrade_to = (
            limit,
            current,
            allowed,
            plan,
            upgrade_to,
        )

    def as_dict(self) -> dict:
        return {
            "name": self.limit_name,
            "current": self.current,
            "allowed": self.allowed,
            "plan": self.plan,
            "upgrade_to": self.upgrade_to,
        }


class UpstreamError(DomainError):
    """A provider we called (Twilio, a calendar, an LLM) failed or refused."""

    error_code = "provider_error"


class Unavailable(DomainError):
    """Something of ours the request needs is down or not set up; `retry_after_seconds` when it is worth a retry."""

    error_code = "unavailable"

    def __init__(self, detail, *, retry_after_seconds=None, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after_seconds = retry_after_seconds


def names_of(objects, limit=5) -> str:
    """A few of `objects` by name, for a message."""
    names = sorted({str(obj) for obj in objects})
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def in_use(instance, error: ProtectedError | RestrictedError, error_code="in_use") -> Conflict:
    """A conflict naming what still uses `instance` (e.g. "Agent is used by campaign(s): Spring promo")."""
    objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj._meta.verbose_name, []).append(obj)
    uses = "; ".join(f"{kind}(s): {names_of(users)}" for kind, users in sorted(by_kind.items()))
    return Conflict(f"{str(instance._meta.verbose_name).capitalize()} is used by {uses}.", error_code=error_code)
