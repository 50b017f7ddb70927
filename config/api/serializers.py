"""The base of every model serializer of the API: DRF's ModelSerializer, with its fields built once per class.

DRF builds a ModelSerializer's fields anew for every instance, reading the model's fields and their validators each
time: on a read of one object that costs more CPU than the database work. A serializer's fields depend only on its
class (its Meta and declared fields), so each class builds them once and every instance gets copies to bind. A
field that holds fields of its own (a nested serializer, a list of a child field) binds them to itself when it is
made, so it is deep-copied; any other is a shallow copy, which bind() then fills in for its serializer alone.
"""

import copy

from rest_framework import serializers


def _copy_for_instance(field):
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        # Looked up on the class itself: a subclass's fields are its own, never its parent's.
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _copy_for_instance(field) for name, field in built.items()}
