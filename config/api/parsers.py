"""The API's JSON parser: strict, bounded, and naming what is wrong.

Refused with a 400 `malformed_request`: bytes that are not UTF-8, NaN/Infinity (and numbers too large to be one),
a key given twice in one object, nesting deeper than `MAX_JSON_DEPTH` (however deep: Python's own parser would raise
RecursionError), and strings the database cannot store (NUL, lone surrogates), naming the field.
"""

import json

from django.conf import settings
from rest_framework import exceptions, parsers

from config.api.errors import PayloadTooLarge

MAX_JSON_DEPTH = 64


class MalformedJSON(exceptions.ParseError):
    def __init__(self, detail, field=None):
        super().__init__(detail)
        self.field = field


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]}... is too large")
    return value


def _unique_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f'the key "{key[:50]}" appears twice in one object')
        obj[key] = value
    return obj


def _storable(text):
    """Whether PostgreSQL can store the string: no NUL, and valid UTF-8 (no lone surrogates)."""
    if "\x00" in text:
        return "must not contain NUL (\\u0000) characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it has a lone surrogate)"
    return None


def check_document(data):
    """Depth and strings of a parsed document, walked without recursion; raises `MalformedJSON`."""
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise MalformedJSON(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                field = f"{path}.{key}" if path else key
                if problem := _storable(key):
                    raise MalformedJSON(f"A key in {path or 'the body'} {problem}.", field=path or "non_field_errors")
                stack.append((item, field, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(value)
            )
        elif isinstance(value, str) and (problem := _storable(value)):
            raise MalformedJSON(f"{path or 'The body'} {problem}.", field=path or "non_field_errors")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(f"A JSON body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedJSON(f"The body is not valid UTF-8 (byte {exc.start}).")
        try:
            data = json.loads(
                text,
                parse_constant=_reject_constant,
                parse_float=_finite,
                object_pairs_hook=_unique_keys,
            )
        except RecursionError:
            raise MalformedJSON(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
        except ValueError as exc:  # json.JSONDecodeError, and our hooks' refusals
            raise MalformedJSON(f"JSON parse error: {exc}")
        check_document(data)
        return data
