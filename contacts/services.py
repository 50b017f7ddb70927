"""Business rules for contacts and contact lists; the only writers of their tables.

Imports are set-based: rows are parsed and checked in Python, then written with one
`INSERT ... ON CONFLICT (phone)` per chunk of rows and one bulk insert of list memberships, so a
10,000-lead file costs a handful of queries. A bad row is reported (row, field, reason) and skipped;
it never blocks the good ones. Only a file that cannot be read as a table at all is refused (400/413).
"""

import json
import re
import unicodedata
import zoneinfo
from functools import cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from config.audit import audit
from config.csv import read_rows
from config.errors import Conflict, DomainError, in_use
from config.phone_numbers import to_e164
from contacts.models import Contact, ContactImport, ContactList, ContactListMembership

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
UPSERT_CHUNK = 2_000

# Header (normalised: lower case, non-alphanumerics as "_") → contact attribute. Several columns may name a phone;
# the first alias in this order that the file has is the phone, the others stay custom fields.
PHONE_ALIASES = ("phone", "phone_number", "mobile", "number")
STANDARD_COLUMNS = ("first_name", "last_name", "name", "email", "company", "timezone", "tags")
# Names `Contact.variables()` gives itself; a custom field with one of them would be shadowed.
RESERVED_FIELDS = frozenset({"first_name", "last_name", "name", "phone", "email", "company", "timezone", "tags"})
FIELD_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
TEXT_LIMITS = {"first_name": 100, "last_name": 100, "company": 200, "email": 254}


# Checking one contact's values ------------------------------------------------------------------


@cache
def _time_zones() -> frozenset:
    # available_timezones() walks the tzdata directories on every call: far too slow per row.
    return frozenset(zoneinfo.available_timezones())


def _phone(value, region):
    text = str(value or "").strip()
    if not text:
        raise ValueError("A phone number is required.")
    try:
        return to_e164(text, region or None)
    except ValueError:
        raise ValueError(f"'{text}' is not a valid phone number.") from None


def _text(name):
    def clean(value, region):
        text = str(value or "").strip()
        if len(text) > TEXT_LIMITS[name]:
            raise ValueError(f"Longer than {TEXT_LIMITS[name]} characters.")
        return text

    return clean


def _email(value, region):
    text = _text("email")(value, region)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError(f"'{text}' is not a valid email address.") from None
    return text


def _timezone(value, region):
    text = str(value or "").strip()
    if text and text not in _time_zones():
        raise ValueError(f"'{text}' is not an IANA time zone such as America/New_York.")
    return text


def _tags(value, region):
    items = re.split(r"[,;|]", value) if isinstance(value, str) else list(value or [])
    tags = list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if too_long := [tag for tag in tags if len(tag) > 50]:
        raise ValueError(f"Tag '{too_long[0]}' is longer than 50 characters.")
    return tags


def _fields(value, region):
    if not isinstance(value, dict):
        raise ValueError("Must be an object of custom fields.")
    for key, item in value.items():
        if not FIELD_KEY.match(key) or key in RESERVED_FIELDS:
            raise ValueError(
                f"'{key}' cannot be a custom field name: use lowercase letters, digits and '_', "
                f"and none of {', '.join(sorted(RESERVED_FIELDS))}."
            )
        if isinstance(item, (dict, list)):
            raise ValueError(f"'{key}' must be a text, number or boolean value.")
    return value


CLEANERS = {
    "phone": _phone,
    "first_name": _text("first_name"),
    "last_name": _text("last_name"),
    "email": _email,
    "company": _text("company"),
    "timezone": _timezone,
    "tags": _tags,
    "fields": _fields,
}


def _clean(values: dict, region=None) -> tuple[dict, dict[str, str]]:
    """(cleaned values, {field: reason}) for the contact attributes given."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        try:
            cleaned[name] = CLEANERS[name](value, region)
        except ValueError as exc:
            errors[name] = str(exc)
    return cleaned, errors


def _cleaned_or_400(values: dict) -> dict:
    cleaned, errors = _clean(values)
    if errors:
        field, reason = next(iter(errors.items()))
        raise DomainError(
            f"{field}: {reason}",
            error_code="validation_error",
            errors={name: [message] for name, message in errors.items()},
        )
    return cleaned


def _phone_taken(phone):
    return Conflict(
        f"phone: a contact with {phone} exists already.",
        error_code="contact_exists",
        errors={"phone": ["A contact with this number exists already."]},
    )


# Contacts ---------------------------------------------------------------------------------------


def create_contact(*, phone, source=Contact.Source.MANUAL, **values) -> Contact:
    cleaned = _cleaned_or_400({"phone": phone, **values})
    if Contact.objects.filter(phone=cleaned["phone"]).exists():
        raise _phone_taken(cleaned["phone"])
    try:
        with transaction.atomic():
            return Contact.objects.create(source=source, **cleaned)
    except IntegrityError:  # created by a concurrent request since the check above
        raise _phone_taken(cleaned["phone"]) from None


def update_contact(contact: Contact, **changes) -> Contact:
    """Changes the given attributes; `fields` and `tags` are replaced as a whole."""
    cleaned = _cleaned_or_400(changes)
    if "phone" in cleaned and Contact.objects.filter(phone=cleaned["phone"]).exclude(pk=contact.pk).exists():
        raise _phone_taken(cleaned["phone"])
    for name, value in cleaned.items():
        setattr(contact, name, value)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise _phone_taken(cleaned["phone"]) from None
    return contact


@transaction.atomic
def delete_contact(contact: Contact, *, actor=None) -> None:
    contact_id = contact.pk
    contact.delete()  # its calls keep their copy of the variables (Call.contact is SET_NULL)
    audit("contact.deleted", actor=actor, target=f"contact:{contact_id}")


def upsert_contacts_for_numbers(numbers: list[str], *, source=Contact.Source.API) -> list[Contact]:
    """The contact of each number, created where missing (existing contacts are left as they are).

    Two queries whatever the count. Returns one contact per distinct number, in the order given; an invalid
    number is a 400 whose `errors` name it as `numbers.<index>`.
    """
    phones, errors = [], {}
    for index, number in enumerate(numbers):
        try:
            phones.append(to_e164(number))
        except ValueError as exc:
            errors[f"numbers.{index}"] = [str(exc)]
    if errors:
        field, [message] = next(iter(errors.items()))
        raise DomainError(f"{field}: {message}", error_code="validation_error", errors=errors)
    unique = list(dict.fromkeys(phones))
    Contact.objects.bulk_create(
        [Contact(phone=phone, source=source) for phone in unique], ignore_conflicts=True, batch_size=UPSERT_CHUNK
    )
    by_phone = Contact.objects.in_bulk(unique, field_name="phone")
    return [by_phone[phone] for phone in unique]


# Contact lists ----------------------------------------------------------------------------------


def _name_taken(name):
    return Conflict(
        f"name: a list named '{name}' exists already.",
        error_code="list_exists",
        errors={"name": ["A list with this name exists already."]},
    )


def create_contact_list(*, name, description="") -> ContactList:
    name = name.strip()
    if ContactList.objects.filter(name=name).exists():
        raise _name_taken(name)
    try:
        with transaction.atomic():
            return ContactList.objects.create(name=name, description=description)
    except IntegrityError:
        raise _name_taken(name) from None


def list_named(name: str) -> ContactList:
    """The list with this name, created if there is none (imports name their target list)."""
    contact_list, _ = ContactList.objects.get_or_create(name=name.strip())
    return contact_list


def update_contact_list(contact_list: ContactList, **changes) -> ContactList:
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if ContactList.objects.filter(name=changes["name"]).exclude(pk=contact_list.pk).exists():
            raise _name_taken(changes["name"])
    for name, value in changes.items():
        setattr(contact_list, name, value)
    try:
        with transaction.atomic():
            contact_list.save()
    except IntegrityError:
        raise _name_taken(changes["name"]) from None
    return contact_list


def delete_contact_list(contact_list: ContactList, *, actor=None) -> None:
    """The contacts stay; only their memberships go. Not while a campaign calls the list."""
    list_id, name = contact_list.pk, contact_list.name
    try:
        with transaction.atomic():
            contact_list.delete()
            audit("contact_list.deleted", actor=actor, target=f"contact_list:{list_id}", data={"name": name})
    except ProtectedError as error:
        raise in_use(contact_list, error, error_code="contact_list_in_use") from None


def add_to_list(contact_list: ContactList, contact_ids) -> int:
    """Adds the contacts (one bulk insert); returns how many were not members yet."""
    ids = set(contact_ids)
    found = set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := sorted(ids - found):
        raise DomainError(
            f"contacts: no contacts with ids {missing}.",
            error_code="validation_error",
            errors={"contacts": [f"Unknown contact ids: {missing}."]},
        )
    members = set(contact_list.memberships.filter(contact_id__in=found).values_list("contact_id", flat=True))
    ContactListMembership.objects.bulk_create(
        [ContactListMembership(contact_list=contact_list, contact_id=pk) for pk in found - members],
        ignore_conflicts=True,
        batch_size=UPSERT_CHUNK,
    )
    return len(found - members)


def remove_from_list(contact_list: ContactList, contact_ids) -> int:
    """Removes those contacts from the list (ids that are not members are ignored); returns how many left it."""
    removed, _ = contact_list.memberships.filter(contact_id__in=set(contact_ids)).delete()
    return removed


# CSV import -------------------------------------------------------------------------------------


def _refuse(detail, error_code):
    return DomainError(f"file: {detail}", error_code=error_code, errors={"file": [detail]})


def _column_key(header: str) -> str:
    """'First Name' → first_name, 'Prénom' → prenom: headers become `{contact.x}` names."""
    ascii_text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:64]


def _records(file_or_rows) -> list[list[str]]:
    """The table as lists of cells, header first: from an uploaded file, bytes, text, or a list of dicts."""
    if isinstance(file_or_rows, list):
        header = list(dict.fromkeys(key for row in file_or_rows for key in row))
        return [header] + [["" if row.get(key) is None else str(row[key]) for key in header] for row in file_or_rows]
    records = []
    for _, cells in read_rows(file_or_rows, max_bytes=MAX_IMPORT_BYTES):
        records.append(cells)
        if len(records) > MAX_IMPORT_ROWS + 1:
            raise _refuse(f"The file has more than {MAX_IMPORT_ROWS} rows; split it.", "too_many_rows")
    return records


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(standard attribute → column index, custom field → column index) for the header row."""
    keys = [_column_key(cell) for cell in header]
    seen = set()
    for key, cell in zip(keys, header):
        if key and key in seen:
            raise _refuse(f"Column '{cell.strip()}' appears twice.", "duplicate_column")
        seen.add(key)
    index = {key: position for position, key in enumerate(keys) if key}
    phone_column = next((alias for alias in PHONE_ALIASES if alias in index), None)
    if phone_column is None:
        raise _refuse(f"No phone column: name one {', '.join(PHONE_ALIASES)}.", "missing_phone_column")
    standard = {"phone": index[phone_column], **{key: index[key] for key in STANDARD_COLUMNS if key in index}}
    custom = {key: position for key, position in index.items() if key != phone_column and key not in standard}
    return standard, custom


def _row_values(cells, standard, custom) -> dict:
    def cell(position):
        return cells[position].strip() if position < len(cells) else ""

    values = {name: cell(position) for name, position in standard.items()}
    full_name = values.pop("name", "")
    if full_name and not values.get("first_name") and not values.get("last_name"):
        values["first_name"], _, values["last_name"] = full_name.partition(" ")
    values["fields"] = {key: cell(position) for key, position in custom.items() if cell(position)}
    return values


def _upsert_sql(update_existing: bool) -> str:
    table = connection.ops.quote_name(Contact._meta.db_table)
    if update_existing:
        # Blank cells keep what the contact has; custom fields and tags are merged into the existing ones.
        keep = ", ".join(
            f"{name} = COALESCE(NULLIF(EXCLUDED.{name}, ''), c.{name})"
            for name in ("first_name", "last_name", "email", "company", "timezone")
        )
        action = (
            f"UPDATE SET {keep}, fields = c.fields || EXCLUDED.fields, "
            "tags = ARRAY(SELECT t FROM unnest(c.tags || EXCLUDED.tags) WITH ORDINALITY AS u(t, n) "
            "GROUP BY t ORDER BY min(n)), updated_at = now()"
        )
    else:
        action = "NOTHING"
    return f"""
        INSERT INTO {table} AS c
            (phone, first_name, last_name, email, company, timezone, fields, tags, source, created_at, updated_at)
        SELECT r.phone, r.first_name, r.last_name, r.email, r.company, r.timezone, r.fields,
               ARRAY(SELECT jsonb_array_elements_text(r.tags)), %s, now(), now()
        FROM jsonb_to_recordset(%s::jsonb) AS r(phone text, first_name text, last_name text, email text,
                                               company text, timezone text, fields jsonb, tags jsonb)
        ON CONFLICT (phone) DO {action}
        RETURNING c.id, (c.xmax = 0) AS inserted
    """


def _write(rows: list[dict], *, update_existing: bool) -> tuple[list[int], int, int]:
    """(ids written, created, updated) for rows of cleaned values, one statement per chunk."""
    sql = _upsert_sql(update_existing)
    ids, created, updated = [], 0, 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = [
                {"first_name": "", "last_name": "", "email": "", "company": "", "timezone": "", "tags": [], **row}
                for row in rows[start : start + UPSERT_CHUNK]
            ]
            cursor.execute(sql, [Contact.Source.IMPORT, json.dumps(chunk)])
            for contact_id, inserted in cursor.fetchall():
                ids.append(contact_id)
                created += inserted
                updated += not inserted
    return ids, created, updated


def import_contacts(
    file_or_rows,
    *,
    contact_list: ContactList | None = None,
    default_region: str | None = None,
    update_existing: bool = True,
    file_name: str = "",
    created_by=None,
) -> dict:
    """Imports a CSV (file, bytes or text) or a list of dicts, and returns the report:
    {id, total_rows, created, updated, skipped, duplicates_in_file, errors: [{row, field, reason}]}.

    Rows are numbered as a spreadsheet shows them (the header is row 1). National numbers are read in
    `default_region` (settings.CONTACTS_DEFAULT_REGION, "US" unless set). A number already in the file is
    reported and skipped: the first row with it wins. Existing contacts (same number) get the row's non-blank
    values, merged custom fields and tags when `update_existing`, otherwise they are `skipped` untouched.
    Every contact of the file (new or existing) joins `contact_list` when one is given.
    """
    region = (default_region or settings.CONTACTS_DEFAULT_REGION).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise DomainError(
            f"default_region: '{region}' is not a country code such as US or GB.",
            error_code="validation_error",
            errors={"default_region": ["Unknown country code."]},
        )
    records = _records(file_or_rows)
    if not records or not any(cell.strip() for cell in records[0]):
        raise _refuse("The file is empty.", "empty_file")
    standard, custom = _columns(records[0])
    width = len(records[0])

    rows, errors, first_row_of = [], [], {}
    duplicates = total = 0
    for row_number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        total += 1
        if any(cell.strip() for cell in cells[width:]):
            errors.append(
                {
                    "row": row_number,
                    "field": "row",
                    "reason": f"{len(cells)} cells, but the header has {width} columns.",
                }
            )
            continue
        cleaned, row_errors = _clean(_row_values(cells, standard, custom), region)
        if row_errors:
            errors.extend({"row": row_number, "field": field, "reason": reason} for field, reason in row_errors.items())
            continue
        phone = cleaned["phone"]
        if phone in first_row_of:
            duplicates += 1
            errors.append(
                {
                    "row": row_number,
                    "field": "phone",
                    "reason": f"{phone} is already in row {first_row_of[phone]}; that row was imported.",
                }
            )
            continue
        first_row_of[phone] = row_number
        rows.append(cleaned)
    if total == 0:
        raise _refuse("The file has a header but no rows.", "empty_file")

    with transaction.atomic():
        ids, created, updated = _write(rows, update_existing=update_existing)
        if contact_list is not None and rows:
            if not update_existing:  # DO NOTHING returns only the new rows
                ids = list(Contact.objects.filter(phone__in=list(first_row_of)).values_list("pk", flat=True))
            ContactListMembership.objects.bulk_create(
                [ContactListMembership(contact_list=contact_list, contact_id=pk) for pk in ids],
                ignore_conflicts=True,
                batch_size=UPSERT_CHUNK,
            )
        record = ContactImport.objects.create(
            file_name=file_name[:255],
            contact_list=contact_list,
            default_region=region,
            update_existing=update_existing,
            total_rows=total,
            created=created,
            updated=updated,
            skipped=len(rows) - created - updated,
            duplicates_in_file=duplicates,
            errors=errors,
            created_by_id=getattr(created_by, "pk", None),
        )
    return record.report()
