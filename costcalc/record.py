"""Frozen records that cost little to define: dataclasses whose methods are written once, here.

Python 3.11 writes and compiles six functions for every `@dataclass(frozen=True)`, about 0.6 ms
a class; the layer kinds and the spec tree, some forty classes, are defined on every run, which
made them a fifth of a report's start-up (bench/startup.py). `@record` gives the same class
(fields, `replace`, equality, hashing, repr, no assignment) with the shared methods below, and
writes a class's __init__ when its first instance is made.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tells type checkers that a record is a frozen dataclass (PEP 681); nothing at run time
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_):
        return lambda decorator: decorator


@dataclass_transform(frozen_default=True, kw_only_default=False, field_specifiers=(field,))
def record(cls=None, /, *, kw_only: bool = False):
    """`@dataclass(frozen=True, slots=True)` without generated code; `kw_only` as dataclass's."""

    def make(cls):
        cls = dataclass(cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only)
        every = fields(cls)
        cls.__record__ = (tuple((f.name, f.default, f.default_factory) for f in every),
                          tuple(f.name for f in every if not f.kw_only),
                          tuple(f.name for f in every if f.compare),
                          tuple(f.name for f in every if f.repr))
        for name, method in METHODS.items():
            if name not in cls.__dict__:
                setattr(cls, name, method)
        return cls

    return make if cls is None else make(cls)


def _init(self, *args, **kwargs) -> None:
    """The first instance of a class writes its __init__, as dataclass would have, and runs it: the classes a
    run never makes cost nothing to compile."""
    init = _compile_init(type(self))
    type(self).__init__ = init
    init(self, *args, **kwargs)


def _compile_init(cls):
    every, positional, _, _ = cls.__record__
    names: dict = {"MISSING": MISSING, "setter": object.__setattr__}
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
        body.append(f"    setter(self, {name!r}, {name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


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
