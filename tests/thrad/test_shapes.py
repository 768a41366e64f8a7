"""OutputSerializer: the declared fields render the body, as DRF's own machinery would."""

from datetime import UTC, datetime
from types import SimpleNamespace

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from thrad.shapes import OutputSerializer


class Seconds(serializers.IntegerField):
    def to_representation(self, value: datetime) -> int:  # type: ignore[override]
        return int(value.timestamp())


class Item(OutputSerializer):
    code = serializers.CharField(source="*")


class Inner(OutputSerializer):
    limit = serializers.IntegerField(source="limit_micros")
    maybe = serializers.IntegerField(allow_null=True)


class Shape(OutputSerializer):
    id = serializers.UUIDField(source="public_id")
    owner = serializers.CharField(source="parent.name")
    at = Seconds()
    inner = Inner(source="*")
    items = Item(many=True, source="codes")
    hints = serializers.ListField(child=serializers.CharField())
    price = serializers.FloatField()
    extra = serializers.CharField(required=False)
    doubled = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField())
    def get_doubled(self, obj: SimpleNamespace) -> int:
        return obj.limit_micros * 2


def thing(**fields: object) -> SimpleNamespace:
    values = {
        "public_id": "2f1b8f3c-9a43-4a39-9f9f-2f5d7c1d8e11",
        "parent": SimpleNamespace(name="Acme"),
        "at": datetime(2026, 6, 1, tzinfo=UTC),
        "limit_micros": 5,
        "maybe": None,
        "codes": ["US", "FR"],
        "hints": ("a", "b"),
        "price": 7.5,
        **fields,
    }
    return SimpleNamespace(**values)


def test_render_follows_sources_nesting_and_nulls_in_declaration_order():
    body = Shape.render(thing())
    assert list(body) == ["id", "owner", "at", "inner", "items", "hints", "price", "doubled"]
    assert body == {
        "id": "2f1b8f3c-9a43-4a39-9f9f-2f5d7c1d8e11",
        "owner": "Acme",
        "at": 1780272000,
        "inner": {"limit": 5, "maybe": None},
        "items": [{"code": "US"}, {"code": "FR"}],
        "hints": ["a", "b"],
        "price": 7.5,
        "doubled": 10,
    }


def test_an_optional_field_is_absent_when_null_or_missing_and_present_otherwise():
    assert "extra" not in Shape.render(thing(extra=None))
    assert Shape.render(thing(extra="x"))["extra"] == "x"


def test_it_renders_what_drf_renders():
    obj = thing(extra="x")
    assert Shape.render(obj) == serializers.Serializer.to_representation(Shape(), obj)
    assert Shape(obj).data == Shape.render(obj)
