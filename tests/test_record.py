"""costcalc.record: frozen records that are dataclasses to every caller, without importing dataclasses."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import costcalc
from costcalc.count.engine import Cost
from costcalc.record import FrozenInstanceError, field, fields, record, replace

ROOT = Path(__file__).resolve().parent.parent


@record
class Point:
    x: int
    y: int = 0
    tags: dict = field(default_factory=dict, compare=False, repr=False)


@record(kw_only=True)
class Labelled(Point):
    label: str = "p"


def test_a_record_is_a_frozen_dataclass_to_dataclasses_functions():
    """A library user's dataclasses.fields, replace, asdict and is_dataclass serve results as they serve dataclasses."""
    design = costcalc.analyze(costcalc.load(str(ROOT / "specs" / "bottleneck_5x5.yaml"))).designs[0]
    assert dataclasses.is_dataclass(design) and dataclasses.is_dataclass(Cost)
    assert [f.name for f in dataclasses.fields(Cost)] == ["macs", "flops", "trainable_params", "non_trainable_params",
                                                         "activations", "activation_bytes"]
    assert dataclasses.replace(design, name="renamed").name == "renamed"
    assert dataclasses.asdict(design.total)["macs"] == 120_422_400
    assert [f.name for f in dataclasses.fields(Labelled)] == ["x", "y", "tags", "label"]
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags"]  # the subclass's did not replace its own
    assert dataclasses.replace(Labelled(1, label="q"), y=2) == Labelled(1, 2, label="q")


def test_fields_replace_equality_repr_and_freezing():
    point = Point(1, tags={"a": 1})
    assert [f.name for f in fields(point)] == ["x", "y", "tags"] and fields(Labelled)[3].kw_only
    assert replace(point, y=5) == Point(1, 5) and replace(point, y=5).tags == {"a": 1}
    assert point == Point(1, tags={"b": 2}) and hash(point) == hash(Point(1))  # tags: compare=False
    assert repr(Labelled(3, 4)) == "Labelled(x=3, y=4, label='p')"
    assert Point(2).tags is not Point(2).tags
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional arguments but 5 were given"):  # label is keyword-only
        Labelled(1, 2, {}, "r")  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing .*required.* argument: 'x'"):
        Point()  # type: ignore[call-arg]


def test_a_dataclasses_field_in_a_record_is_refused():
    with pytest.raises(TypeError, match=r"Bad.x: a record's field is costcalc.record.field, not dataclasses'"):
        @record
        class Bad:
            x: int = dataclasses.field(default=0)


def test_a_report_does_not_import_dataclasses():
    """The start-up bench/README.md measures: a json report of Inception v3 loads neither dataclasses nor copy."""
    command = ["report", "specs/zoo/inception_v3_keras.yaml", "--format", "json"]
    script = ("import contextlib, io, sys\nfrom costcalc.cli import main\n"
              f"with contextlib.redirect_stdout(io.StringIO()):\n    main.main({command!r}, standalone_mode=False)\n"
              "print('dataclasses' in sys.modules, 'copy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout == "False False\n"
