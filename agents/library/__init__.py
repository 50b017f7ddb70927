"""The seeded library of call templates, one JSON file each in `templates/`."""

import copy
import json
from functools import lru_cache
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ORDER = (
    "medical-receptionist",
    "real-estate-lead-qualification",
    "sales-appointment-setting",
    "restaurant-reservations",
    "after-hours-answering",
)


@lru_cache(maxsize=1)
def _load() -> tuple[dict, ...]:
    entries = [json.loads(path.read_text()) for path in TEMPLATES_DIR.glob("*.json")]
    return tuple(
        sorted(entries, key=lambda entry: ORDER.index(entry["slug"]) if entry["slug"] in ORDER else len(ORDER))
    )


def templates() -> list[dict]:
    """Each template (slug, name, description, industry, initial_message, flow), as a fresh copy to edit freely.

    `key` repeats `slug` for callers that look templates up by key.
    """
    return [{**copy.deepcopy(entry), "key": entry["slug"]} for entry in _load()]


def template(slug: str) -> dict | None:
    return next((entry for entry in templates() if entry["slug"] == slug), None)
