"""Records: immutable tuples with named fields, defined without generating code.

``typing.NamedTuple`` compiles a constructor for every class it defines (``eval``), and
dataclasses compile several methods: about 0.6 M instructions for each named tuple and twice
that for each dataclass. The forty records on the path of a test that only sends mail cost a
third of what ``import mailtrap`` costs (issue 16: the fixture must cost little more than bare
aiosmtpd). A :class:`Record` is a tuple subclass whose fields are read through properties, so it
compares, hashes, sorts, unpacks and serialises as the tuple of its fields, as a named tuple
does, and offers the same ``_fields``, ``_field_defaults``, ``_make``, ``_replace`` and
``_asdict``::

    class Listen(Record):
        host: str
        port: int = 0

The inherited constructor takes fields by position or by name and fills in defaults. A record
built on a hot path writes its own ``__new__`` (``tuple.__new__(cls, (host, port))``).

PYTEST_DONT_REWRITE
"""

from operator import itemgetter
from typing import Any


class _RecordType(type):
    """Turns a record class's annotated fields into properties over the tuple's items."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        namespace.setdefault("__slots__", ())  # no instance dict: a record costs what a tuple does
        fields: tuple[str, ...] = ()
        defaults: dict[str, Any] = {}
        for base in bases:
            fields += getattr(base, "_fields", ())
            defaults.update(getattr(base, "_field_defaults", {}))
        annotations = namespace.get("__annotations__", {}) if fields or bases != (tuple,) else {}
        for field in annotations:
            if field in namespace:
                defaults[field] = namespace.pop(field)
            elif defaults:
                raise TypeError(f"{name}.{field} has no default but follows a field with one")
            namespace[field] = property(itemgetter(len(fields)), doc=f"Field {field!r}.")
            fields += (field,)
        namespace["_fields"] = namespace["__match_args__"] = fields
        namespace["_field_defaults"] = defaults
        return super().__new__(mcls, name, bases, namespace)


class Record(tuple, metaclass=_RecordType):
    """The base of records; see the module's docstring."""

    _fields: tuple[str, ...]
    _field_defaults: dict[str, Any]

    def __new__(cls, *args: Any, **named: Any) -> Any:
        fields = cls._fields
        if len(args) == len(fields) and not named:
            return tuple.__new__(cls, args)
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} fields, got {len(args)}")
        values = list(args)
        for field in fields[len(args) :]:
            if field in named:
                values.append(named.pop(field))
            elif field in cls._field_defaults:
                values.append(cls._field_defaults[field])
            else:
                raise TypeError(f"{cls.__name__}() is missing the field {field!r}")
        if named:
            raise TypeError(f"{cls.__name__}() got unexpected or repeated fields: {sorted(named)}")
        return tuple.__new__(cls, values)

    @classmethod
    def _make(cls, values: Any) -> Any:
        """The record of ``values`` in field order (no defaults, no checks)."""
        return tuple.__new__(cls, values)

    def _replace(self, **changes: Any) -> Any:
        record = self._make([changes.pop(f, v) for f, v in zip(self._fields, self, strict=True)])
        if changes:
            raise TypeError(f"{type(self).__name__} has no field(s) {sorted(changes)}")
        return record

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self) -> tuple[Any, ...]:  # copy and pickle rebuild through __new__
        return tuple(self)

    def __repr__(self) -> str:
        values = ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({values})"
