"""Response shapes declared once: an `OutputSerializer` is both the OpenAPI schema and the body.

drf-spectacular reads the declared fields for the schema; `render(obj)` builds the response body
from the same fields. DRF's own `to_representation` walks its per-field machinery on every
object (about 6× the cost of a hand-written dict: a list of 500 campaigns would pay it 500
times), so `render` runs a plan compiled once per class from the declared fields instead: one
getter and one converter per field, the converter being the field's own `to_representation`.

Rules of the plan, in DRF's terms:
- `source` is followed with attribute access (dotted, `"*"` for the object itself);
- a null value renders as null, without calling the field;
- a nested `OutputSerializer` (or `many=True` of one) renders with its own plan;
- a `SerializerMethodField` calls `get_<name>(obj)` (annotate it with `extend_schema_field`);
- a field declared `required=False` is left out of the body when its value is null or its
  attribute is missing (DRF skips such a field too): that is what "optional" means in the
  schema drf-spectacular writes for it.
"""

import json
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar

from django.http import HttpResponse
from rest_framework import serializers

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None, bool]


def _identity(obj: Any) -> Any:
    return obj


def _converter(field: serializers.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, OutputSerializer):
        return field.plan()
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, OutputSerializer):
        item = field.child.plan()
        return lambda values: [item(value) for value in values]
    return field.to_representation


def _tolerant(getter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        try:
            return getter(obj)
        except AttributeError:
            return None

    return get


def _step(serializer: "OutputSerializer", name: str, field: serializers.Field) -> Step:
    optional = not field.required
    if isinstance(field, serializers.SerializerMethodField):
        return name, getattr(serializer, field.method_name), None, optional
    getter = _identity if field.source == "*" else attrgetter(field.source or name)
    return name, _tolerant(getter) if optional else getter, _converter(field), optional


class OutputSerializer(serializers.Serializer):
    # A read-only response shape; `Shape.render(obj)` is the body for `obj`. (A comment, not a
    # docstring: drf-spectacular would copy a docstring into every shape's schema.)

    _plans: ClassVar[dict[type, Callable[[Any], dict[str, Any]]]] = {}

    def plan(self) -> Callable[[Any], dict[str, Any]]:
        """This (bound) serializer's fields as one function from an object to its body."""
        steps = [_step(self, name, field) for name, field in self.fields.items() if not field.write_only]

        def render(obj: Any) -> dict[str, Any]:
            body: dict[str, Any] = {}
            for name, get, convert, optional in steps:
                value = get(obj)
                if value is None:
                    if not optional:
                        body[name] = None
                elif convert is None:
                    body[name] = value
                else:
                    body[name] = convert(value)
            return body

        return render

    @classmethod
    def render(cls, obj: Any) -> dict[str, Any]:
        """The response body of `obj` in this shape."""
        plan = OutputSerializer._plans.get(cls)
        if plan is None:
            plan = OutputSerializer._plans[cls] = cls().plan()
        return plan(obj)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's entry point renders through the same plan."""
        return type(self).render(instance)


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    """`body` as DRF's JSONRenderer writes it (compact UTF-8, no NaN), as a plain response: for
    the DSP's hot paths, whose bodies are plain JSON already, without the cost of DRF's
    response rendering (a template response, its renderer context and callbacks)."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return HttpResponse(text.encode(), status=status, content_type="application/json")
