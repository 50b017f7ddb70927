"""Who holds what about a person. The apps above compliance (calls, scheduling, campaigns, webhooks) register what they
keep about a contact, so that compliance can export it, erase it and apply the retention period without importing
them (the app import order): `register(Holder(...))` from the app's `ready()`."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Subject:
    """A data subject as the holders look for them: the contact's id (if any) and what identifies them in rows that
    only copied it (a call's number, an appointment's attendee details)."""

    contact_id: int | None
    phone: str
    email: str = ""


@dataclass(frozen=True)
class Holder:
    name: str
    # Files for the export's zip, {path inside it: content}.
    export: Callable[[Subject], dict[str, bytes]]
    # Erases (deletes, or blanks the personal fields of) every row about the subject; how many rows it touched.
    erase: Callable[[Subject], int]
    # Deletes recordings and transcripts made before the cutoff; how many calls it touched. None: keeps nothing dated.
    purge: Callable[[datetime], int] | None = None
    # Files for the whole tenant's export: every row it holds, about anyone. None: nothing beyond the subjects' rows.
    export_all: Callable[[], dict[str, bytes]] | None = None


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    _holders[holder.name] = holder


def holders() -> list[Holder]:
    return list(_holders.values())
