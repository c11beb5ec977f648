"""Frozen records that cost little to define: dataclasses whose methods are written once, here.

Python 3.11's `@dataclass(frozen=True)` writes and compiles six functions for every class, and even
without them its class processing costs about 0.4 ms a class (some 420,000 instructions); the layer
kinds and the spec tree, some 120 classes, are defined on every run, which made them the largest part
of a report's start-up (bench/startup.py). `@record` gives the same class (fields declared as a
dataclass's, equality, hashing, repr, no assignment, slots) with the shared methods below, and writes a
class's __init__ when its second instance is made. It does not import `dataclasses` (3.7 M instructions
with the `copy` module it brings): a record's `field`, `fields` and `replace` are this module's (`replace`
serves any dataclass too), and `dataclasses.fields`, `replace`, `asdict` and `is_dataclass` find a
record's `__dataclass_fields__` when first asked (`_DataclassFields`).
"""

from __future__ import annotations

from types import MappingProxyType, MemberDescriptorType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # tells type checkers that a record is a frozen dataclass (PEP 681); nothing at run time
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_):
        return lambda decorator: decorator

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default given (as `dataclasses.MISSING`)."""


class FrozenInstanceError(AttributeError):
    """An assignment to a record's field."""


class Field:
    """One field of a record, as `dataclasses.Field` describes one: its name, type, default or default factory,
    whether __init__ takes it by keyword only, and whether equality and repr read it."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "compare", "kw_only", "metadata")

    def __init__(self, default, default_factory, repr: bool, compare: bool, metadata, kw_only):
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name: str = ""
        self.type: Any = None
        self.default, self.default_factory, self.init = default, default_factory, True
        self.repr, self.compare, self.kw_only = repr, compare, kw_only
        self.metadata = MappingProxyType(dict(metadata or {}))

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, kw_only={self.kw_only!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True, compare: bool = True,
          metadata=None, kw_only: Any = MISSING) -> Any:
    """A record's field with a default, a default factory, or left out of repr or equality (as `dataclasses.field`)."""
    return Field(default, default_factory, repr, compare, metadata, kw_only)


def fields(class_or_instance) -> tuple:
    """A record's fields in order."""
    return tuple(class_or_instance.__record_fields__.values())


def replace(obj: T, /, **changes) -> T:
    """A copy of a record with `changes` to its fields (`dataclasses.replace`, which serves any other dataclass)."""
    layout = getattr(type(obj), "__record__", None)
    if layout is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    for name, _, _ in layout[0]:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return type(obj)(**changes)


class _DataclassFields:
    """A record class's `__dataclass_fields__`, made when first read: `dataclasses.fields`, `replace`, `asdict`
    and `is_dataclass` serve records as they serve dataclasses; a run that never calls them never imports them."""

    def __get__(self, obj, cls) -> dict:
        import dataclasses

        def theirs(value: Any) -> Any:
            return dataclasses.MISSING if value is MISSING else value

        made: dict[str, Any] = {}
        for f in cls.__record_fields__.values():
            made[f.name] = given = dataclasses.field(default=theirs(f.default),
                                                     default_factory=theirs(f.default_factory),
                                                     kw_only=theirs(f.kw_only), repr=f.repr, compare=f.compare,
                                                     metadata=f.metadata)
            given.name, given.type = f.name, f.type
            given._field_type = getattr(dataclasses, "_FIELD")  # type: ignore[attr-defined]  # how fields() tells one
        setattr(cls, "__dataclass_fields__", made)  # the class's own entry: a subclass has its own
        return made


@dataclass_transform(frozen_default=True, kw_only_default=False, field_specifiers=(field,))
def record(cls=None, /, *, kw_only: bool = False):
    """`@dataclass(frozen=True, slots=True)` without generated code; `kw_only` as dataclass's."""

    def make(cls):
        every: dict[str, Field] = {}
        for base in cls.__mro__[-1:0:-1]:
            every.update(getattr(base, "__record_fields__", {}))
        namespace = dict(cls.__dict__)
        for name, annotation in namespace.get("__annotations__", {}).items():
            if _is_class_var(annotation):
                continue
            value = namespace.pop(name, MISSING)
            if type(value).__module__ == "dataclasses":
                raise TypeError(f"{cls.__name__}.{name}: a record's field is costcalc.record.field, not dataclasses'")
            every[name] = _field(value if isinstance(value, Field) else field(default=value), name, annotation, kw_only)
        inherited = {slot for base in cls.__mro__[1:-1] for slot in base.__dict__.get("__slots__", ())}
        namespace["__slots__"] = tuple(name for name in every if name not in inherited)
        namespace.pop("__dict__", None)
        namespace.pop("__weakref__", None)
        namespace.update(__record_fields__=every, __dataclass_fields__=_DataclassFields(),
                         __match_args__=tuple(name for name, f in every.items() if not f.kw_only),
                         __record__=(tuple((f.name, f.default, f.default_factory) for f in every.values()),
                                     tuple(f.name for f in every.values() if not f.kw_only),
                                     tuple(f.name for f in every.values() if f.compare),
                                     tuple(f.name for f in every.values() if f.repr)))
        for name, method in METHODS.items():
            namespace.setdefault(name, method)
        made = type(cls)(cls.__name__, cls.__bases__, namespace)
        made.__qualname__ = cls.__qualname__
        return made

    return make if cls is None else make(cls)


def _is_class_var(annotation) -> bool:
    """Whether an annotation (a string, under `from __future__ import annotations`) is a ClassVar."""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _field(f: Field, name: str, annotation, kw_only: bool) -> Field:
    """A field as dataclass completes it: named, typed, kw_only given; a mutable default refused."""
    f.name, f.type = name, annotation
    if f.kw_only is MISSING:
        f.kw_only = kw_only
    if f.default is not MISSING and f.default.__class__.__hash__ is None:
        raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
    return f


def _init(self, *args, **kwargs) -> None:
    """A class's first instance sets its fields here: most classes a report uses (layer kinds, a spec, its analysis)
    make one, and compiling an __init__ takes 15 to 130 µs. The second writes the class's own."""
    _set_fields(self, args, kwargs)
    type(self).__init__ = _compiling_init


def _compiling_init(self, *args, **kwargs) -> None:
    """A class's second instance writes its __init__, as dataclass would have, and runs it: the classes a run
    never makes, or makes once, cost nothing to compile."""
    init = _compile_init(type(self))
    type(self).__init__ = init
    init(self, *args, **kwargs)


def _set_fields(self, args: tuple, kwargs: dict) -> None:
    """What a class's own __init__ does, for any class: each field from the arguments, else its default."""
    cls = type(self)
    every, positional = cls.__record__[:2]
    names = [name for name, _, _ in every]
    leading = next((i for i, name in enumerate(names) if name not in positional), len(names))  # before the `*`
    if len(args) > leading:
        raise TypeError(f"{cls.__qualname__}() takes {leading} positional arguments but {len(args)} were given")
    values = dict(zip(names, args))
    for name, value in kwargs.items():
        if name in values or name not in names:
            raise TypeError(f"{cls.__qualname__}() got an unexpected or repeated argument {name!r}")
        values[name] = value
    for name, default, factory in every:
        if name in values:
            value = values[name]
        elif default is not MISSING:
            value = default
        elif factory is not MISSING:
            value = factory()
        else:
            raise TypeError(f"{cls.__qualname__}() missing required argument: {name!r}")
        _slot(cls, name).__set__(self, value)
    if hasattr(cls, "__post_init__"):
        self.__post_init__()


def _compile_init(cls):
    every, positional = cls.__record__[:2]
    names: dict = {"MISSING": MISSING}
    params, body = [], []
    for name, default, factory in every:
        if name not in positional and "*" not in params:
            params.append("*")
        if factory is not MISSING:
            names[f"factory_{name}"] = factory
            params.append(f"{name}=MISSING")
            body.append(f"    if {name} is MISSING: {name} = factory_{name}()")
        elif default is not MISSING:
            names[f"default_{name}"] = default
            params.append(f"{name}=default_{name}")
        else:
            params.append(name)
        names[f"set_{name}"] = _slot(cls, name).__set__
        body.append(f"    set_{name}(self, {name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _slot(cls, name: str):
    """The slot that holds field `name`: __init__ sets it directly, not through object.__setattr__ (which looks
    the name up on every call: a third of the time a record took to make)."""
    return next(klass.__dict__[name] for klass in cls.__mro__
                if isinstance(klass.__dict__.get(name), MemberDescriptorType))


def _compared(self) -> tuple:
    return tuple(getattr(self, name) for name in type(self).__record__[2])


def _eq(self, other):
    return _compared(self) == _compared(other) if other.__class__ is self.__class__ else NotImplemented


def _hash(self) -> int:
    return hash(_compared(self))


def _repr(self) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record__[3])
    return f"{type(self).__qualname__}({shown})"


def _frozen(self, name, *value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


METHODS = {"__init__": _init, "__eq__": _eq, "__hash__": _hash, "__repr__": _repr,
           "__setattr__": _frozen, "__delattr__": _frozen}
