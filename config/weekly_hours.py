"""Weekly opening hours, shared by agents (business hours) and scheduling (calendars):
`{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}`, days mon…sun, HH:MM clock times."""

import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def weekly_hours_problems(hours) -> list[str]:
    """What is wrong with `hours`, one message per problem; empty when they are valid."""
    if not isinstance(hours, dict):
        return ["Expected an object of weekday → list of [open, close] times."]
    problems = []
    for day, ranges in hours.items():
        if day not in WEEKDAYS:
            problems.append(f"Unknown day '{day}' (use {', '.join(WEEKDAYS)}).")
            continue
        if not isinstance(ranges, list):
            problems.append(f"{day}: expected a list of [open, close] pairs.")
            continue
        for pair in ranges:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) and _CLOCK.match(v) for v in pair)
            ):
                problems.append(f'{day}: {pair!r} is not an ["HH:MM", "HH:MM"] pair.')
            elif pair[0] >= pair[1]:
                problems.append(f"{day}: {pair[0]}–{pair[1]} closes before it opens.")
    return problems
