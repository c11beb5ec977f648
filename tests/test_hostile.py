"""Hostile and malformed specs: each refused with one clear line and exit status 2, quickly.

What a student types or a pull request carries is never trusted: alias bombs, huge or
binary files, deep nesting, YAML's type traps, expansion bombs and expressions that try
to compute too much are all refused before the work they would cause. Exact numbers at
scale come out as exact integers in every format. (The plain error cases, one per
message, are in test_errors.py.)
"""

import csv
import io
import json
import time

import pytest
import yaml
from conftest import run

from costcalc.limits import MAX_FILE_BYTES
from costcalc.spec import yamlload

HEAD = "input: [28, 28, 3]\n"

PER_AXIS = "one per spatial axis ([height, width]; [length]; [time, height, width])"


def refused(path: str, *flags: str) -> str:
    """The one line costcalc prints for a spec it refuses (exit 2, nothing on stdout)."""
    result = run("report", path, *flags)
    assert (result.code, result.out) == (2, ""), result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    return result.err.rstrip("\n")


def refused_quickly(path: str, seconds: float = 2.0) -> str:
    """Refused within `seconds` of this process's CPU time: the work it takes, whatever else the machine runs."""
    started = time.process_time()
    message = refused(path)
    assert time.process_time() - started < seconds
    return message


# --- YAML hazards -----------------------------------------------------------------------

def test_alias_bomb_is_refused_by_the_node_limit_within_a_second(spec_file):
    text = "input: [8, 8, 3]\n" + "\n".join(
        [f"a0: &a0 [{', '.join(['relu'] * 10)}]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    ) + "\nlayers: *a9\n"
    message = refused_quickly(spec_file(text), seconds=2.0)
    assert message == "spec.yaml:8:15: the spec expands to more than 2,000,000 YAML nodes (aliases included)"


def test_aliases_within_the_limit_are_fine(spec_file):
    text = "input: [8, 8, 3]\ndesigns:\n  a: &layers [relu, relu6]\n  b: *layers\n"
    result = run("report", spec_file(text), "--format", "json")
    assert result.code == 0
    assert [len(d["rows"]) for d in json.loads(result.out)["designs"]] == [2, 2]


def test_duplicate_design_names_are_an_error_not_the_last_one_silently(spec_file):
    text = HEAD + "designs:\n  small: [relu]\n  large: [relu6]\n  small: [sigmoid]\n"
    assert refused(spec_file(text)) == (
        "spec.yaml:5:3: duplicate key 'small', first given at 3:3; YAML forbids repeated keys in one mapping; keep one")


def test_duplicate_key_in_a_flow_mapping_of_block_arguments(spec_file):
    text = HEAD + "blocks:\n  b:\n    args: {k: 1, k: 3}\n    layers: [relu]\nlayers: [b]\n"
    assert refused(spec_file(text)) == (
        "spec.yaml:4:18: duplicate key 'k', first given at 4:12; YAML forbids repeated keys in one mapping; keep one")


def test_file_over_the_size_limit_is_refused_unread(spec_file):
    path = spec_file(HEAD + "layers: []\n" + "#" * MAX_FILE_BYTES + "\n")
    assert refused_quickly(path) == "spec.yaml: larger than 8 MiB, the limit for a spec file"


def test_file_just_within_the_size_limit_is_read(spec_file):
    text = HEAD + "layers: [relu]\n"
    path = spec_file(text + "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n")
    assert run("report", path).code == 0


@pytest.mark.parametrize("data, message", [
    (b"name: caf\xe9\ninput: [8, 8, 3]\nlayers: []\n", "spec.yaml: not UTF-8 text (byte 9 is 0xe9)"),
    ("input: [8, 8, 3]\nlayers: []\n".encode("utf-16"), "spec.yaml: is a binary file, not a YAML spec"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "spec.yaml: is a binary file, not a YAML spec"),
    (bytes(range(128, 256)), "spec.yaml: not UTF-8 text (byte 0 is 0x80)"),
], ids=["latin-1", "utf-16", "png", "high bytes"])
def test_non_utf8_and_binary_files(spec_file, tmp_path, data, message):
    (tmp_path / "spec.yaml").write_bytes(data)
    assert refused("spec.yaml") == message


def test_utf8_with_a_byte_order_mark_is_read(spec_file, tmp_path):
    (tmp_path / "spec.yaml").write_text("\ufeff" + HEAD + "layers: [relu]\n", encoding="utf-8")
    assert run("report", "spec.yaml").code == 0


def test_a_directory_given_to_report(spec_file, tmp_path):
    (tmp_path / "specs.yaml").mkdir()
    assert refused("specs.yaml") == "specs.yaml: is a directory, not a spec file"


@pytest.mark.parametrize("layers, message", [
    ("[" * 10_000 + "]" * 10_000, "spec.yaml:2:208: YAML nesting deeper than 200 levels"),
    ("\n" + "- " * 10_000 + "relu", "spec.yaml:3:399: YAML nesting deeper than 200 levels"),
    ("{a: " * 10_000 + "1" + "}" * 10_000, "spec.yaml:2:805: YAML nesting deeper than 200 levels"),
], ids=["flow list", "block list", "flow mapping"])
@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_ten_thousand_levels_of_nesting(spec_file, monkeypatch, parser, layers, message):
    """costcalc's own limit speaks first, whichever parser PyYAML has and whatever libyaml caps itself."""
    if parser == "python":
        monkeypatch.setattr(yamlload, "_Loader", yaml.SafeLoader)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML was built without libyaml")
    assert refused_quickly(spec_file(HEAD + "layers: " + layers + "\n")) == message


class _CappedLibyaml(yaml.SafeLoader):
    """A parser that, as libyaml 0.2.5 does inside PyYAML 6.0.3+, refuses nesting before handing out events."""

    def get_event(self):
        mark = yaml.Mark("spec.yaml", 0, 1, 1007, "", 0)
        raise yaml.parser.ParserError(None, None, "exceeded maximum nesting depth", mark)


def test_a_parser_that_caps_nesting_first_still_gives_costcalcs_message(spec_file, monkeypatch):
    monkeypatch.setattr(yamlload, "_Loader", _CappedLibyaml)
    assert refused(spec_file(HEAD + "layers: " + "[" * 300 + "]" * 300 + "\n")) == (
        "spec.yaml:2:208: YAML nesting deeper than 200 levels")


def test_python_tags_are_refused_on_collections_and_scalars(spec_file):
    assert refused(spec_file("input: !!python/object:os.system [8, 8, 3]\nlayers: []\n")) == (
        "spec.yaml:1:8: unsupported YAML tag tag:yaml.org,2002:python/object:os.system")
    assert refused(spec_file("input: [8, 8, 3]\nname: !!python/name:os.system x\nlayers: []\n")) == (
        "spec.yaml:2:7: unsupported YAML tag tag:yaml.org,2002:python/name:os.system")


# --- Type traps: refused with line and column, never coerced ------------------------------

TYPE_TRAPS = {
    "no as filters": ("conv: {filters: no, kernel: 3}", "3:21: conv option 'filters': expected a positive integer,"
                      " got the boolean false (YAML reads yes/no/on/off as booleans)"),
    "on as a kernel side": ("conv: {filters: 8, kernel: [on, 3]}", "3:32: conv option 'kernel': expected a positive"
                            f" integer or a list of them, {PER_AXIS}, got [True, 3]"),
    "yes as repeat": ("relu: {repeat: yes}", "3:20: repeat must be an integer ≥ 1, got True"),
    "1e400 (a string to YAML 1.1)": ("dense: {units: 1e400}", "3:20: dense option 'units': expected a positive"
                                     " integer, got the string '1e400'"),
    "1.0e+400 (a float: infinity)": ("dense: {units: 1.0e+400}", "3:20: dense option 'units': expected a positive"
                                     " integer, got the float inf"),
    ".inf": ("maxpool: {size: .inf}", "3:21: maxpool option 'size': expected a positive integer or a list"
             f" of them, {PER_AXIS}, got the float inf"),
    "-.inf": ("zeropad: {padding: -.inf}", "3:24: zeropad option 'padding': expected a padding p, [ph, pw] or"
              " [top, bottom, left, right] of non-negative integers, got the float -inf"),
    ".nan": ("conv: {filters: .nan, kernel: 3}", "3:21: conv option 'filters': expected a positive integer,"
             " got the float nan"),
    "an integral float": ("conv: {filters: 8, kernel: 3.0}", "3:32: conv option 'kernel': expected a positive"
                          f" integer or a list of them, {PER_AXIS}, got the float 3.0"),
    "a float stride": ("conv: {filters: 8, kernel: 3, stride: [1, 1.5]}", "3:43: conv option 'stride': expected a"
                       f" positive integer or a list of them, {PER_AXIS}, got [1, 1.5]"),
    "a float repeat": ("relu: {repeat: 2.0}", "3:20: repeat must be an integer ≥ 1, got 2.0"),
    "32K as filters": ("conv: {filters: 32K, kernel: 3}", "3:21: conv option 'filters': expected a positive"
                       " integer, got the string '32K'"),
    "1M as units": ("dense: {units: 1M}", "3:20: dense option 'units': expected a positive integer,"
                    " got the string '1M'"),
    "3x3 as a kernel": ("conv: {filters: 8, kernel: 3x3}", "3:32: conv option 'kernel': expected a positive"
                        f" integer or a list of them, {PER_AXIS}, got the string '3x3'"),
    "2x as repeat": ("relu: {repeat: 2x}", "3:20: repeat must be an integer ≥ 1, got '2x'"),
}


@pytest.mark.parametrize("layer, message", TYPE_TRAPS.values(), ids=TYPE_TRAPS.keys())
def test_type_traps(spec_file, layer, message):
    assert refused(spec_file(HEAD + "layers:\n  - " + layer + "\n")) == "spec.yaml:" + message


@pytest.mark.parametrize("shape, message", [
    ("[yes, 28, 3]", "got [True, 28, 3]"),
    ("[28.0, 28, 3]", "got [28.0, 28, 3]"),
    ("[224, 224, 3K]", "got [224, 224, '3K']"),
    ("[.inf, 1, 1]", "got [inf, 1, 1]"),
])
def test_type_traps_in_the_input(spec_file, shape, message):
    assert refused(spec_file(f"input: {shape}\nlayers: []\n")) == (
        "spec.yaml:1:8: input must be [height, width, channels] or [channels] (or [length, channels], [time, height,"
        " width, channels]) of positive integers, " + message)


def test_a_boolean_where_a_boolean_belongs_is_fine(spec_file):
    result = run("report", spec_file(HEAD + "layers:\n  - conv: {filters: 8, kernel: 3, bias: no}\n"), "--exact")
    assert result.code == 0
    assert "Total params: 216" in result.out


# --- Expansion bombs: refused against MAX_LAYERS before the work -------------------------

def test_a_billion_repeats_are_refused_at_the_repeat(spec_file):
    path = spec_file(HEAD + "layers:\n  - conv: {filters: 8, kernel: 3, repeat: 1000000000}\n")
    assert refused_quickly(path, seconds=1.0) == (
        "spec.yaml:3:43: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_blocks_that_multiply_exponentially_are_refused_before_expanding(spec_file):
    blocks = "blocks:\n  b0:\n    layers: [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]\n"
    blocks += "".join(f"  b{i}:\n    layers: [{', '.join([f'b{i - 1}'] * 10)}]\n" for i in range(1, 30))
    path = spec_file(HEAD + blocks + "layers: [b29]\n")  # 10**30 layers
    assert refused_quickly(path, seconds=1.0) == (
        "spec.yaml:14:18: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_repeats_spread_over_designs_count_together(spec_file):
    text = HEAD + "designs:\n  a: [{relu: {repeat: 150000}}]\n  b: [{relu: {repeat: 60000}}]\n"
    assert refused_quickly(spec_file(text), seconds=1.0) == (
        "spec.yaml:4:6: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_a_repeat_computed_by_an_expression_is_still_counted(spec_file):
    text = HEAD + "blocks:\n  b:\n    args: {n: 1}\n    layers: [{relu: {repeat: $n}}]\nlayers: [{b: {n: 300000}}]\n"
    assert refused_quickly(spec_file(text), seconds=1.0) == (
        "spec.yaml:5:30: the spec expands to more than 200,000 layers; lower a repeat or split the design")


def test_a_long_chain_of_blocks_is_refused_not_a_recursion_error(spec_file):
    chain = "".join(f"  b{i}:\n    layers: [b{i + 1}]\n" for i in range(3000)) + "  b3000:\n    layers: [relu]\n"
    assert refused_quickly(spec_file(HEAD + "blocks:\n" + chain + "layers: [b0]\n")) == (
        "spec.yaml:203:3: blocks and branches nest more than 100 deep")


def test_branches_nested_through_blocks_are_refused_not_a_recursion_error(spec_file):
    def nest(inner: str) -> str:
        for _ in range(60):
            inner = "{branches: {a: [" + inner + "]}}"
        return inner

    blocks = "".join(f"  b{i}:\n    layers: [{nest(f'b{i + 1}')}]\n" for i in range(20))
    blocks += "  b20:\n    layers: [relu]\n"
    assert refused_quickly(spec_file(HEAD + "blocks:\n" + blocks + "layers: [b0]\n")) == (
        "spec.yaml:6:622: blocks and branches nest more than 100 deep")


# --- The expression evaluator ---------------------------------------------------------------

ONLY = "(only + - * / // %, comparisons, and, or, not, a if c else b, parentheses, min, max, round, int, ceil, floor)"
EXPRESSIONS = {
    "attribute": ("(3).__class__", f"attribute is not allowed in an expression {ONLY}"),
    "a builtin beyond the whitelist": ("abs(-3)",
                                       "only min, max, round, int, ceil and floor may be called in an expression"),
    "pow": ("pow(9, 99)", "only min, max, round, int, ceil and floor may be called in an expression"),
    "a lambda": ("(lambda: 3)()", "only min, max, round, int, ceil and floor may be called in an expression"),
    "a comprehension": ("min(1, [i for i in (2, 3)])", f"listcomp is not allowed in an expression {ONLY}"),
    "a generator": ("min(1, (i for i in (2, 3)))", f"generatorexp is not allowed in an expression {ONLY}"),
    "a power tower": ("9**9**9", f"binop is not allowed in an expression {ONLY}"),
    "a shift": ("1 << 100000000", f"binop is not allowed in an expression {ONLY}"),
    "division by zero": ("8 / (4 - 4)", "cannot compute '8 / (4 - 4)': division by zero"),
    "floor division by zero": ("8 // 0", "cannot compute '8 // 0': division by zero"),
    "int of nan": ("int(1e308 * 10 - 1e308 * 10)",
                   "cannot compute 'int(1e308 * 10 - 1e308 * 10)': cannot convert float NaN to integer"),
    "round to a billion digits": ("round(5, -10 * 100000000)",
                                  "cannot compute 'round(5, -10 * 100000000)': round() to more than 4,000 digits"),
    "an undefined name": ("width * 2", "unknown name 'width' in expression (known: none here)"),
    "a string": ("'8' * 8", "'8' is not a number; expressions compute with numbers only"),
}


@pytest.mark.parametrize("expression, message", EXPRESSIONS.values(), ids=EXPRESSIONS.keys())
def test_expression_refusals(spec_file, expression, message):
    path = spec_file(HEAD + f'layers:\n  - conv: {{filters: "${{{expression}}}", kernel: 3}}\n')
    assert refused_quickly(path, seconds=1.0) == f"spec.yaml:3:21: in ${{{expression}}}: {message}"


def test_an_undefined_name_in_a_block_lists_the_known_ones(spec_file):
    text = HEAD + ('blocks:\n  b:\n    args: {width: 8, k: 3}\n'
                   '    layers: [conv: {filters: "${widht * 2}", kernel: $k}]\n')
    assert refused(spec_file(text + "layers: [b]\n")) == (
        "spec.yaml:5:30: in ${widht * 2}: unknown name 'widht' in expression (known: k, width)")


# --- Exactness at scale -------------------------------------------------------------------------

SCALE = """\
input: [100000, 100000, 4096]
layers:
  - conv: {filters: 4095, kernel: 3, padding: valid}
  - separable: {filters: 4093, kernel: 5}
  - dense: {units: 1021}
"""


def expected_at_scale() -> dict[str, int]:
    """The totals of SCALE, counted here from the formulas with Python integers."""
    h = w = 100000 - 3 + 1
    conv_macs = h * w * 4095 * 4096 * 3 * 3
    separable_macs = h * w * 4095 * (5 * 5 + 4093)
    dense_macs = h * w * 4093 * 1021
    macs = conv_macs + separable_macs + dense_macs
    biases = h * w * (4095 + 4093 + 1021)
    activations = h * w * (4095 + 4093 + 1021)
    params = (3 * 3 * 4096 * 4095 + 4095) + (4095 * (5 * 5 + 4093) + 4093) + (4093 * 1021 + 1021)
    return {"macs": macs, "flops": 2 * macs + biases, "params": params, "activations": activations,
            "activation_bytes": 4 * activations}


def test_the_scale_figures_are_beyond_a_float():
    """The test below could tell a float on the way: these totals do not survive float()."""
    expected = expected_at_scale()
    for name in ("macs", "flops"):
        assert int(float(expected[name])) != expected[name], name


def test_exact_integers_at_scale_in_json(spec_file):
    expected = expected_at_scale()
    result = run("report", spec_file(SCALE), "--format", "json")
    assert result.code == 0
    totals = json.loads(result.out)["designs"][0]["totals"]
    assert {name: totals[name] for name in expected} == expected
    assert all(type(value) is int for value in totals.values())
    assert f'"macs": {expected["macs"]},' in result.out


def test_exact_integers_at_scale_in_csv(spec_file):
    expected = expected_at_scale()
    result = run("report", spec_file(SCALE), "--format", "csv")
    total = [row for row in csv.DictReader(io.StringIO(result.out)) if row["role"] == "total"][0]
    assert {name: total[name] for name in expected} == {name: str(value) for name, value in expected.items()}


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_exact_integers_at_scale_in_tables(spec_file, fmt):
    expected = expected_at_scale()
    result = run("report", spec_file(SCALE), "--format", fmt, "--exact")
    assert result.code == 0
    assert f"MACs: {expected['macs']:,} (" in result.out
    assert f"FLOPs: {expected['flops']:,} (" in result.out
    assert f"Total params: {expected['params']:,}" in result.out
    rows = [line for line in result.out.splitlines() if line.strip("│| *").startswith("total")]
    assert f"{expected['macs']:,}" in rows[0]


def test_counts_beyond_the_limit_are_refused_at_the_layer(spec_file):
    """Sizes such as 10**400 would overflow floats and pass Python's 4,300-digit limit on printing."""
    huge = 10**400
    text = f"input: [8, 8, 3]\ndesigns:\n  small: [relu]\n  huge: [conv: {{filters: {huge}, kernel: 3}}]\n"
    assert refused(spec_file(text)) == (
        "spec.yaml:4:10: conv1 (conv): counts beyond 10**100; sizes this large are surely a mistake")
    side = 10**1500  # each side prints, their product would not
    assert refused(spec_file(f"input: [{side}, {side}, {side}]\nlayers: [flatten]\n")) == (
        "spec.yaml:2:10: flatten1 (flatten): counts beyond 10**100; sizes this large are surely a mistake")


def test_counts_up_to_the_limit_are_exact(spec_file):
    text = f"input: [{10**33}, {10**33}, {10**33}]\nlayers: [relu]\n"
    totals = json.loads(run("report", spec_file(text), "--format", "json").out)["designs"][0]["totals"]
    assert (totals["activations"], totals["flops"]) == (10**99, 10**99)


def test_a_huge_adaptive_pool_is_counted_in_constant_time(spec_file):
    path = spec_file("input: [8, 8, 3]\nlayers:\n  - adaptive_avgpool: {output: 1000000000000}\n")
    started = time.perf_counter()
    result = run("report", path, "--format", "json")
    assert time.perf_counter() - started < 2.0
    assert json.loads(result.out)["designs"][0]["totals"]["flops"] == 3 * 10**24  # (8 + 10**12 - 8)**2 windows × 3


# --- Found by the mutator in test_properties.py ---------------------------------------------------

def test_a_merge_that_is_a_mapping(spec_file):
    text = HEAD + "layers:\n  - branches: {a: [], b: []}\n    merge: {k: 1}\n"
    assert refused(spec_file(text)) == "spec.yaml:4:12: unknown merge {'k': 1}; merge is one of concat, add, multiply"


def test_a_baseline_that_is_a_list(spec_file):
    text = HEAD + "baseline: [1]\ndesigns: {a: []}\n"
    assert refused(spec_file(text)) == "spec.yaml:2:11: baseline [1] is not a design; designs: a"
