"""Records behave as the named tuples they replace: by value, as tuples, with the same helpers."""

import copy
import pickle
from typing import NamedTuple

import pytest

from mailtrap.config import Listen
from mailtrap.record import Record
from mailtrap.store.model import MailboxId


class Point(Record):
    x: int
    y: int = 0
    label: str = ""


class Named(NamedTuple):
    x: int
    y: int = 0
    label: str = ""


class Point3(Point):
    z: int = 0


def test_builds_like_a_named_tuple() -> None:
    for args, named in [((1,), {}), ((1, 2), {}), ((1,), {"label": "a"}), ((), {"x": 1, "y": 2})]:
        point, expected = Point(*args, **named), Named(*args, **named)
        assert tuple(point) == tuple(expected)
        assert (point.x, point.y, point.label) == (expected.x, expected.y, expected.label)
    assert Point._fields == Named._fields == Point.__match_args__
    assert Point._field_defaults == Named._field_defaults


def test_refuses_what_a_named_tuple_refuses() -> None:
    with pytest.raises(TypeError, match="missing the field 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected or repeated"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="unexpected or repeated"):
        Point(1, colour="red")
    with pytest.raises(TypeError, match="takes 3 fields"):
        Point(1, 2, "a", 4)
    with pytest.raises(TypeError, match="no default but follows"):

        class Bad(Record):
            a: int = 0
            b: int


def test_compares_hashes_sorts_and_unpacks_as_its_tuple() -> None:
    assert Point(1, 2) == Point(1, 2) == (1, 2, "")
    assert Point(1, 2) != Point(2, 1)
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert sorted([Point(2), Point(1, 5), Point(1, 3)]) == [Point(1, 3), Point(1, 5), Point(2)]
    x, y, label = Point(7, 8, "p")
    assert (x, y, label) == (7, 8, "p")
    assert Point(7)[0] == 7
    assert {MailboxId("a@example.com"): 1}[MailboxId("a@example.com", "INBOX")] == 1


def test_helpers() -> None:
    point = Point(1, 2, "a")
    assert point._replace(y=5) == Point(1, 5, "a")
    with pytest.raises(TypeError, match="no field"):
        point._replace(z=1)
    assert point._asdict() == {"x": 1, "y": 2, "label": "a"}
    assert Point._make([3, 4, "b"]) == Point(3, 4, "b")
    assert repr(point) == "Point(x=1, y=2, label='a')"
    assert str(Listen("::1", 25)) == "[::1]:25"  # a record's own methods still win


def test_copies_and_pickles() -> None:
    point = Point(1, 2, "a")
    assert copy.copy(point) == copy.deepcopy(point) == point
    assert type(copy.deepcopy(point)) is Point
    restored = pickle.loads(pickle.dumps(point))
    assert restored == point and type(restored) is Point


def test_costs_what_a_tuple_costs() -> None:
    point = Point(1)
    assert not hasattr(point, "__dict__")
    with pytest.raises(AttributeError):
        point.x = 2  # type: ignore[misc]
    assert point.__sizeof__() == (1, 0, "").__sizeof__()


def test_subclass_adds_fields() -> None:
    assert Point3._fields == ("x", "y", "label", "z")
    point = Point3(1, z=4)
    assert (point.x, point.z) == (1, 4)
    assert isinstance(point, Point)
