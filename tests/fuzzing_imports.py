"""Model files broken on purpose, for the import fuzz (tests/test_fuzz_imports.py; tools/fuzz_imports.py runs more).

Each case is an ONNX or Keras file of tests/data/imports with one to three things changed: an attribute or a small
constant given an odd value, a weight's shape changed, an operator swapped for another, inputs swapped or dropped
(ONNX); a value anywhere in a layer's JSON replaced or removed (Keras). `costcalc import` must read each or refuse
it in one line (a CostcalcError), never raise anything else.
"""

from __future__ import annotations

import copy
import json
import random
import traceback
from pathlib import Path

IMPORTS = Path(__file__).parent / "data" / "imports"
INTS = [-5, -1, 0, 1, 2, 3, 7, 10**9]
FLOATS = [0.0, -1.0, float("nan"), float("inf"), 1e30, 2.0]
JSON_VALUES = [None, 0, -1, 1, 2, 10**12, 1.5, float("nan"), "", "x", "same", [], [1], [0, 0], {}, True, [None, None],
               [-1, 3]]


def mutated_onnx(model, rng: random.Random):
    """A copy of the ModelProto `model` with one to three things changed."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = copy.deepcopy(model)
    operators = sorted({node.op_type for node in model.graph.node})
    for _ in range(rng.randint(1, 3)):
        node, change = rng.choice(model.graph.node), rng.randrange(5)
        if change == 0 and node.attribute:
            attribute = rng.choice(node.attribute)
            if attribute.type == onnx.AttributeProto.INT:
                attribute.i = rng.choice(INTS)
            elif attribute.type == onnx.AttributeProto.INTS and attribute.ints:
                attribute.ints[rng.randrange(len(attribute.ints))] = rng.choice(INTS)
            elif attribute.type == onnx.AttributeProto.FLOAT:
                attribute.f = rng.choice(FLOATS)
            elif attribute.type == onnx.AttributeProto.STRING:
                attribute.s = rng.choice([b"", b"reflect", b"SAME_UPPER", b"xx", b"linear"])
        elif change == 1 and model.graph.initializer:
            tensor = rng.choice(model.graph.initializer)
            values = numpy_helper.to_array(tensor)
            if 0 < values.size <= 16:  # a small constant: one value made odd
                values = values.copy()
                odd = INTS if values.dtype.kind in "iu" else FLOATS
                values.reshape(-1)[rng.randrange(values.size)] = rng.choice(odd)
            elif values.size and tensor.dims:  # a weight: one of its sizes changed
                dims = list(tensor.dims)
                dims[rng.randrange(len(dims))] = rng.choice([0, 1, 2, 3])
                values = np.zeros(dims, values.dtype)
            tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
        elif change == 2:
            node.op_type = rng.choice(operators)
        elif change == 3 and len(node.input) > 1:
            i, j = rng.sample(range(len(node.input)), 2)
            node.input[i], node.input[j] = node.input[j], node.input[i]
        elif change == 4 and len(node.input) > 1:
            del node.input[-1]
    return model


def mutated_keras(document: dict, rng: random.Random) -> dict:
    """A copy of a Keras model's JSON with one to three values of one layer replaced or removed."""
    document = copy.deepcopy(document)
    layer = rng.choice(document["config"]["layers"])
    for _ in range(rng.randint(1, 3)):
        spots = list(_spots(layer))
        if not spots:
            break
        parent, key = rng.choice(spots)
        if rng.random() < 0.7:
            parent[key] = copy.deepcopy(rng.choice(JSON_VALUES))
        else:
            del parent[key]
    return document


def _spots(value):
    """(container, key) of every value inside `value`."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in list(items):
        yield value, key
        yield from _spots(inner)


def import_problems(count: int, seed: int, folder: Path) -> list[str]:
    """Import `count` mutants of each kind (ONNX, Keras JSON); every exception but a CostcalcError, with its file."""
    import onnx

    from costcalc.bridges.keras_import import import_keras_json
    from costcalc.bridges.onnx_import import import_onnx
    from costcalc.errors import CostcalcError

    rng = random.Random(seed)
    onnx_files = sorted(IMPORTS.glob("*_noweights.onnx")) + sorted(IMPORTS.glob("*_bn.onnx"))
    models = {path.name: onnx.load(path) for path in onnx_files}
    documents = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(IMPORTS.glob("*.json"))}
    problems = []
    for case in range(count):
        for kind in ("onnx", "keras"):
            name = rng.choice(sorted(models if kind == "onnx" else documents))
            try:
                if kind == "onnx":
                    path = folder / f"case{case}.onnx"
                    onnx.save(mutated_onnx(models[name], rng), path)
                    import_onnx(str(path))
                else:
                    import_keras_json(json.dumps(mutated_keras(documents[name], rng)), "m")
            except CostcalcError:
                pass
            except Exception as exc:  # noqa: BLE001  # what the fuzz looks for
                where = traceback.extract_tb(exc.__traceback__)[-1]
                problems.append(f"case {case} of {name}: {type(exc).__name__}: {exc} "
                                f"({Path(where.filename).name}:{where.lineno})")
    return problems
