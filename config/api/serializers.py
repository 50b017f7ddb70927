"""The base of every model serializer of the API: DRF's ModelSerializer, with its fields built once per class.

DRF builds a ModelSerializer's fields anew for every instance, reading the model's fields and their validators each
time: on a read of one object that costs more CPU than the database work. A serializer's fields depend only on its
class (its Meta and declared fields), so each class builds them once and every instance gets copies to bind. A
field that holds fields of its own (a nested serializer, a list of a child field) binds them to itself when it is
made, so it is deep-copied; any other is a shallow copy, which bind() then fills in for its serializer alone.

Reading an object goes the same way: DRF resolves every field's source through its generic path (mappings,
callables, missing attributes) for every object of a list. A field whose source is a plain column of the model is
read with one getattr instead; which fields those are is worked out once per serializer instance. A date-time
column shown in ISO 8601 (the API's format) is converted to the zone DRF would use, looked up once per serializer
instance too: DRF asks for the current zone again for every value, which on a page of calls cost more than the rest
of the reading.
"""

import copy
import datetime

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers
from rest_framework.fields import ISO_8601, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.settings import api_settings


def _copy_for_instance(field):
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


def _column_of(model, field) -> str | None:
    """The model column `field` reads, when it reads nothing else; None when it needs DRF's generic path."""
    if len(field.source_attrs) != 1 or isinstance(field, (serializers.BaseSerializer, RelatedField)):
        return None
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.is_relation:
        return None
    return model_field.attname


def _iso_zone(field) -> datetime.tzinfo | None:
    """The zone an ISO 8601 date-time field shows aware values in; None for any other field (read DRF's way)."""
    if type(field) is not serializers.DateTimeField:
        return None
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return None
    return field.timezone if hasattr(field, "timezone") else field.default_timezone()


def _iso(value: datetime.datetime, zone: datetime.tzinfo) -> str:
    """DRF's DateTimeField.to_representation of an aware date-time in ISO 8601."""
    shown = value.astimezone(zone).isoformat()
    return shown[:-6] + "Z" if shown.endswith("+00:00") else shown


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        # Looked up on the class itself: a subclass's fields are its own, never its parent's.
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _copy_for_instance(field) for name, field in built.items()}

    def to_representation(self, instance):
        if not isinstance(instance, self.Meta.model):  # e.g. validated data not saved: DRF's way
            return super().to_representation(instance)
        readers = self.__dict__.get("_readers")
        if readers is None:
            model = self.Meta.model
            readers = self._readers = [
                (field, column, _iso_zone(field) if column else None)
                for field in self._readable_fields
                for column in [_column_of(model, field)]
            ]
        representation = {}
        for field, column, zone in readers:
            if column is not None:
                attribute = getattr(instance, column)
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check_for_none is None:
                representation[field.field_name] = None
            elif zone is not None and isinstance(attribute, datetime.datetime) and attribute.tzinfo is not None:
                representation[field.field_name] = _iso(attribute, zone)
            else:
                representation[field.field_name] = field.to_representation(attribute)
        return representation


class TokenField(serializers.CharField):
    """A secret another service gave (an access token, an API key) that we send back to it in an HTTP header:
    visible ASCII only, since a space, a line break or a non-ASCII letter cannot go into a header."""

    default_error_messages = {"header_unsafe": "Only visible ASCII characters, with no spaces, can be in a token."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not all("!" <= char <= "~" for char in value):
            self.fail("header_unsafe")
        return value
