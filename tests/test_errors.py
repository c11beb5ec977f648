"""Bad specs: one positioned line (FILE:LINE:COL: what is wrong; hint) and exit status 2."""

import pytest
from conftest import run

from costcalc import analyze, loads
from costcalc.errors import CostcalcError

PER_AXIS = "one per spatial axis ([height, width]; [length]; [time, height, width])"

HEAD = "input: [28, 28, 3]\n"
CB = HEAD + """blocks:
  cb:
    args: {filters: null}
    layers: [conv: {filters: $filters, kernel: 3}]
"""

CASES = {
    "yaml syntax": (
        "input: [28, 28\nlayers: []\n",
        "spec.yaml:2:7: invalid YAML: did not find expected ',' or ']'",
    ),
    "empty file": ("", "spec.yaml:1:1: the spec is empty; a spec needs input: and layers: (or designs:)"),
    "not a mapping": ("- relu\n", "spec.yaml:1:1: a spec is a mapping with input: and layers: or designs:"),
    "unknown top-level key": (
        HEAD + "layer:\n  - relu\n",
        "spec.yaml:2:1: unknown top-level key 'layer'; did you mean 'layers'?",
    ),
    "unknown layer kind": (
        HEAD + "layers:\n  - cnov: {filters: 3, kernel: 3}\n",
        "spec.yaml:3:5: unknown layer kind 'cnov'; did you mean 'conv'?",
    ),
    "unknown option": (
        HEAD + "layers:\n  - conv: {filter: 3, kernel: 3}\n",
        "spec.yaml:3:12: unknown option 'filter' for conv; did you mean 'filters'?",
    ),
    "missing required option": (
        HEAD + "layers:\n  - conv: {filters: 3}\n",
        "spec.yaml:3:11: conv needs option 'kernel'; required options of conv: kernel, filters",
    ),
    "string where an int belongs": (
        HEAD + 'layers:\n  - conv: {filters: "32", kernel: 3}\n',
        "spec.yaml:3:21: conv option 'filters': expected a positive integer, got the string '32'",
    ),
    "zero size": (
        HEAD + "layers:\n  - conv: {filters: 0, kernel: 3}\n",
        "spec.yaml:3:21: conv option 'filters': expected a positive integer, got 0",
    ),
    "negative kernel": (
        HEAD + "layers:\n  - conv: {filters: 8, kernel: [3, -1]}\n",
        f"spec.yaml:3:32: conv option 'kernel': expected a positive integer or a list of them, {PER_AXIS},"
        " got [3, -1]",
    ),
    "negative input": (
        "input: [28, -28, 3]\nlayers: []\n",
        "spec.yaml:1:8: input must be [height, width, channels] or [channels] (or [length, channels], [time, height,"
        " width, channels]) of positive integers,"
        " got [28, -28, 3]",
    ),
    "kernel larger than the padded input": (
        "input: [4, 4, 3]\nlayers:\n  - conv: {filters: 8, kernel: 5, padding: valid}\n",
        "spec.yaml:3:5: conv1 (conv) on [4, 4, 3]: kernel 5×5 is larger than the padded input 4×4;"
        " use padding: same, more padding or a smaller kernel",
    ),
    "groups that do not divide the channels": (
        "input: [28, 28, 30]\nlayers:\n  - conv: {filters: 64, kernel: 3, groups: 4}\n",
        "spec.yaml:3:5: conv1 (conv) on [28, 28, 30]: groups 4 must divide both the input channels (30)"
        " and filters (64)",
    ),
    "concat of different height and width": (
        HEAD + "layers:\n  - branches:\n      a: [conv: {filters: 8, kernel: 3}]\n"
        "      b: [conv: {filters: 8, kernel: 3, stride: 2}]\n    name: blk\n",
        "spec.yaml:3:5: blk (branches): concat needs the same height and width in every branch:"
        " a gives 28×28×8, b gives 14×14×8",
    ),
    "add of different shapes": (
        HEAD + "layers:\n  - branches:\n      main: [conv: {filters: 8, kernel: 3}]\n      shortcut: []\n"
        "    merge: add\n    name: res\n",
        "spec.yaml:3:5: res (branches): add needs identical shapes in every branch:"
        " main gives 28×28×8, shortcut gives 28×28×3",
    ),
    "unknown merge": (
        HEAD + "layers:\n  - branches: {a: [], b: []}\n    merge: sum\n",
        "spec.yaml:4:12: unknown merge 'sum'; merge is one of concat, add, multiply",
    ),
    "unknown block argument": (
        CB + "layers:\n  - cb: {filtres: 3}\n",
        "spec.yaml:7:10: unknown argument 'filtres' for block cb; did you mean 'filters'?",
    ),
    "missing block argument": (
        CB + "layers:\n  - cb\n",
        "spec.yaml:7:5: block cb needs argument 'filters'; give it: `cb: {filters: ...}`",
    ),
    "block that uses itself": (
        HEAD + "blocks:\n  a:\n    layers: [b]\n  b:\n    layers: [a]\nlayers:\n  - a\n",
        "spec.yaml:3:3: block 'a' uses itself: a → b → a",
    ),
    "block named like a kind": (
        HEAD + "blocks:\n  conv:\n    layers: [relu]\nlayers: []\n",
        "spec.yaml:3:3: block 'conv' has the name of a built-in layer kind; rename the block",
    ),
    "reserved argument": (
        HEAD + "blocks:\n  b:\n    args: {repeat: 2}\n    layers: [relu]\nlayers: []\n",
        "spec.yaml:4:12: 'repeat' is reserved for every layer and cannot be a block argument",
    ),
    "expression with an unknown name": (
        HEAD + 'layers:\n  - conv: {filters: "${2 * width}", kernel: 3}\n',
        "spec.yaml:3:21: in ${2 * width}: unknown name 'width' in expression (known: none here)",
    ),
    "expression that tries to import": (
        HEAD + "layers:\n  - conv: {filters: \"${__import__('os').system('echo pwned')}\", kernel: 3}\n",
        "spec.yaml:3:21: in ${__import__('os').system('echo pwned')}:"
        " only min, max, round, int, ceil and floor may be called in an expression",
    ),
    "unknown $argument": (
        HEAD + "layers:\n  - conv: {filters: $width, kernel: 3}\n",
        "spec.yaml:3:21: unknown argument $width; $ names a block argument or a parameter (params:), and there are "
        "none here",
    ),
    "non-integral expression": (
        HEAD + 'layers:\n  - conv: {filters: "${65 / 2}", kernel: 3}\n',
        "spec.yaml:3:21: conv option 'filters': expected a positive integer, got the float 32.5",
    ),
    "both layers and designs": (
        HEAD + "layers: []\ndesigns: {a: []}\n",
        "spec.yaml:3:1: a spec has both layers and designs;"
        " write layers: [...] for one design, or designs: {name: [...]} for several",
    ),
    "neither layers nor designs": (
        HEAD,
        "spec.yaml:1:1: a spec needs layers or designs;"
        " write layers: [...] for one design, or designs: {name: [...]} for several",
    ),
    "missing input": ("layers: []\n",
                      "spec.yaml:1:1: the spec needs an input shape; add input: [height, width, channels]"),
    "boolean where an int belongs": (
        HEAD + "layers:\n  - conv: {filters: yes, kernel: 3}\n",
        "spec.yaml:3:21: conv option 'filters': expected a positive integer,"
        " got the boolean true (YAML reads yes/no/on/off as booleans)",
    ),
    "float where an int belongs": (
        HEAD + "layers:\n  - conv: {filters: 32.5, kernel: 3}\n",
        "spec.yaml:3:21: conv option 'filters': expected a positive integer, got the float 32.5",
    ),
    "duplicate key": (
        HEAD + "layers:\n  - conv: {filters: 32, kernel: 3, filters: 64}\n",
        "spec.yaml:3:36: duplicate key 'filters', first given at 3:12;"
        " YAML forbids repeated keys in one mapping; keep one",
    ),
    "conv on a vector": (
        HEAD + "layers:\n  - global_avgpool\n  - conv: {filters: 3, kernel: 1}\n",
        "spec.yaml:4:5: conv2 (conv) on [3]: conv needs an input of [height, width, channels] (or"
        " [length, channels], [time, height, width, channels]), got [3];"
        " a global pool gives [C]; give it keepdims: true to keep [1, 1, C]",
    ),
    "options indented as keys": (
        HEAD + "layers:\n  - conv:\n    filters: 3\n",
        "spec.yaml:3:5: a layer has one kind key, this one has conv, filters;"
        " indent options under the kind: `- conv: {filters: 32, kernel: 3}`",
    ),
    "unknown baseline": (
        HEAD + "designs: {small: [], large: []}\nbaseline: smal\n",
        "spec.yaml:3:11: baseline 'smal' is not a design; did you mean 'small'?",
    ),
    "unknown budget metric": (
        HEAD + "layers: []\nbudget: {mac: 20M}\n",
        "spec.yaml:3:10: unknown budget metric 'mac'; did you mean 'macs'?",
    ),
    "unknown design in budget": (
        HEAD + "designs: {small: [], large: []}\nbudget: {smal: {macs: 1M}}\n",
        "spec.yaml:3:10: unknown design 'smal' in budget; did you mean 'small'?",
    ),
    "bad budget figure": (
        HEAD + "layers: []\nbudget: {macs: 20Q}\n",
        "spec.yaml:3:16: budget macs: '20Q' is not a figure; write an integer, or a number with K, M, G, T",
    ),
    "defaults for a block": (
        CB + "defaults: {cb: {filters: 3}}\nlayers: []\n",
        "spec.yaml:6:12: unknown layer kind 'cb' in defaults; known: conv, depthwise, separable, dense, maxpool,"
        " avgpool, global_avgpool, global_maxpool, adaptive_avgpool, adaptive_maxpool, batchnorm, relu, relu6,"
        " sigmoid, tanh, … (46 in all)",
    ),
    "merge indented inside branches": (
        HEAD + "layers:\n  - branches:\n      a: [relu]\n      b: [relu6]\n      merge: add\n",
        "spec.yaml:6:7: merge: 'add' is inside branches:, where it reads as a branch named 'merge';"
        " put merge: at the level of branches:",
    ),
    "a merge written as a kind": (
        HEAD + "layers:\n  - conv: {filters: 3, kernel: 3, as: a}\n  - conv: {filters: 3, kernel: 3, as: b}\n"
        "  - add: {from: [a, b]}\n",
        "spec.yaml:5:5: unknown layer kind 'add'; a merge of named tensors is written {merge: add, from: [a, b]}",
    ),
    "an activation in the wrong case": (
        HEAD + "layers:\n  - conv: {filters: 3, kernel: 3, activation: Relu}\n",
        "spec.yaml:3:47: conv option 'activation': expected one of none, relu, relu6, sigmoid, tanh, swish, hswish,"
        " hsigmoid, softmax, gelu, silu, leaky_relu, elu, mish; got the string 'Relu'; did you mean 'relu'?",
    ),
    "a bare value for a kind's main option": (
        HEAD + "layers:\n  - dense: 10\n",
        "spec.yaml:3:12: the options of dense must be a mapping, got 10; write dense: {units: 10}",
    ),
    "a bare value for a kind with two required options": (
        HEAD + "layers:\n  - conv: 32\n",
        "spec.yaml:3:11: the options of conv must be a mapping, got 32; write conv: {filters: 32, kernel: ...}",
    ),
    "a bare value that would not do for the main option": (
        HEAD + "layers:\n  - conv: same\n",
        "spec.yaml:3:11: the options of conv must be a mapping, got 'same'; write conv: {option: value}",
    ),
    "a bare word for a kind whose main option is a word": (
        HEAD + "layers:\n  - prelu: channel\n",
        "spec.yaml:3:12: the options of prelu must be a mapping, got 'channel'; write prelu: {slopes: 'channel'}",
    ),
    "a bare value for a kind with no main option": (
        HEAD + "layers:\n  - relu: 1\n",
        "spec.yaml:3:11: the options of relu must be a mapping, got 1; write relu: {option: value}",
    ),
    "an item indented less than its neighbours": (
        HEAD + "layers:\n  - conv:\n      filters: 4\n     kernel: 3\n",
        "spec.yaml:5:6: invalid YAML: did not find expected key; check the indentation of this item"
        " (its block starts at line 3, column 5)",
    ),
    "a layer's name read as a tensor": (
        HEAD + "layers:\n  - conv: {filters: 3, kernel: 3, name: drop}\n  - relu\n"
        "  - {merge: add, from: [drop, input]}\n",
        "spec.yaml:5:25: unknown tensor 'drop'; the layer at line 3 has name: 'drop', which names its row in the"
        " tables; to read its output, give it `as: drop`",
    ),
}


@pytest.mark.parametrize("text, message", CASES.values(), ids=CASES.keys())
def test_library_message(text, message):
    with pytest.raises(CostcalcError) as caught:
        analyze(loads(text, "spec.yaml"))
    assert str(caught.value) == message


@pytest.mark.parametrize("text, message", CASES.values(), ids=CASES.keys())
def test_cli_prints_one_line_and_exits_2(spec_file, text, message):
    result = run("report", spec_file(text))
    assert (result.code, result.out, result.err) == (2, "", message + "\n")


def test_missing_file(spec_file):
    result = run("report", "nope.yaml")
    assert (result.code, result.err) == (2, "nope.yaml: cannot read: No such file or directory\n")


def test_directory_as_spec(spec_file, tmp_path):
    (tmp_path / "d").mkdir()
    result = run("compare", "d")
    assert (result.code, result.err) == (2, "d: is a directory, not a spec file\n")


def test_the_import_expression_is_not_run(spec_file, tmp_path):
    text = HEAD + "layers:\n  - conv: {filters: \"${__import__('pathlib').Path('pwned').touch()}\", kernel: 3}\n"
    assert run("report", spec_file(text)).code == 2
    assert not (tmp_path / "pwned").exists()


def test_unknown_design_flag(spec_file):
    result = run("report", spec_file(HEAD + "designs: {a: [], b: []}\n"), "--design", "c")
    assert (result.code, result.err) == (2, "no design 'c' in spec.yaml; designs: a, b\n")


def test_unknown_baseline_flag(spec_file):
    result = run("compare", spec_file(HEAD + "designs: {wide: [], narrow: []}\n"), "--baseline", "wid")
    assert (result.code, result.err) == (2, "--baseline 'wid' is not a design of spec.yaml; did you mean 'wide'?\n")


@pytest.mark.parametrize("value", ["14,14", "a,b,c", "0,1,1"])
def test_bad_input_flag_is_a_usage_error(spec_file, value):
    result = run("report", spec_file(HEAD + "layers: []\n"), "--input", value)
    assert result.code == 2
    assert "give H,W,C or C as positive integers" in result.err


BAD_SPEC = "input: [8, 8, 3]\nlayers:\n  - conv: {filter: 3}\n"
BAD_LINE = "spec.yaml:3:12: unknown option 'filter' for conv; did you mean 'filters'?"


@pytest.mark.parametrize("command", [["report"], ["compare"], ["explain"], ["check"], ["diff", "spec.yaml"]])
def test_markdown_says_what_went_wrong_on_stdout_too(spec_file, command):
    path = spec_file(BAD_SPEC)
    result = run(command[0], path, *command[1:], "--format", "markdown")
    assert result.code == 2
    assert result.err == BAD_LINE + "\n"
    assert result.out == f"### costcalc: error\n\n```text\n{BAD_LINE}\n```\n"


def test_check_in_markdown_shows_the_good_specs_and_the_bad_one(spec_file):
    path = spec_file(BAD_SPEC)
    result = run("check", "examples/bottleneck_5x5", path, "--design", "bottleneck", "--format", "markdown")
    assert result.code == 2
    assert result.out.startswith("### examples/bottleneck_5x5: budget check\n")
    assert result.out.endswith(f"all 2 budgets hold\n\n### costcalc: error\n\n```text\n{BAD_LINE}\n```\n")


def test_a_file_name_with_backticks_cannot_close_the_markdown_fence(spec_file):
    path = spec_file(BAD_SPEC, "a````b.yaml")
    result = run("report", path, "--format", "markdown")
    line = BAD_LINE.replace("spec.yaml", "a````b.yaml")
    assert (result.code, result.out) == (2, f"### costcalc: error\n\n`````text\n{line}\n`````\n")
