"""costcalc export --to pytorch / --to keras: code that needs neither framework to write, reads as a person would
write it, keeps a spec's names out of the code's syntax, and counts in the frameworks as costcalc does."""

import ast
import csv
import math

import pytest
from conftest import EXPORTABLE, ROOT, SPECS, run

import costcalc

REFERENCE = ROOT / "tests" / "data" / "reference" / "exports.tsv"
DATA = ROOT / "tests" / "data"
SHIPPED = EXPORTABLE + [
    DATA / "every_kind.yaml", DATA / "every_kind_keras.yaml"]


def code(spec, target: str, *flags: str) -> str:
    result = run("export", str(spec), "--to", target, "-o", "-", *flags)
    assert (result.code, result.err) == (0, ""), result.err
    return result.out


def imports(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
    return found


@pytest.mark.parametrize("spec", [DATA / "every_kind.yaml", SPECS / "zoo" / "nasnet_mobile_keras.yaml",
                                  SPECS / "zoo" / "convnext_tiny_torchvision.yaml"], ids=lambda p: p.name)
def test_pytorch_code_is_one_module_with_an_attribute_per_layer_importing_only_torch(spec):
    text = code(spec, "pytorch")
    tree = ast.parse(text)
    assert imports(text) == {"torch", "torch.nn"}
    model = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Model")
    init = next(node for node in model.body if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    attributes = [node.targets[0].attr for node in init.body if isinstance(node, ast.Assign)]
    design = costcalc.analyze(costcalc.load(str(spec))).designs[0]
    layers = [row.path for row in design.rows if row.role == "layer"]
    namespace: dict = {}
    exec(compile(ast.Module([node for node in tree.body if isinstance(node, ast.Assign)], []), "paths", "exec"),
         namespace)
    assert [namespace["PATHS"][name] for name in attributes] == layers


def test_pytorch_code_reads_as_written_by_hand(golden):
    golden("export_googlenet_3a_pytorch.py.txt", code(SPECS / "googlenet_3a.yaml", "pytorch", "--design", "reduced"))


def test_keras_code_reads_as_written_by_hand(golden):
    golden("export_googlenet_3a_keras.py.txt", code(SPECS / "googlenet_3a.yaml", "keras", "--design", "reduced"))


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_spec_writes_code_that_compiles(spec):
    for design in costcalc.analyze(costcalc.load(str(spec))).designs:
        compile(code(spec, "pytorch", "--design", design.name), "model.py", "exec")
        if spec.name != "every_kind.yaml":
            keras = code(spec, "keras", "--design", design.name)
            compile(keras, "model.py", "exec")
            assert imports(keras) == {"keras"}


def test_pytorch_code_shuffles_as_torchvision_does():
    """nn.ChannelShuffle gives the same tensor, but torch.onnx.export (TorchScript, opset 17) cannot write it: the
    code's Shuffle is torchvision's view, transpose and view."""
    text = code(DATA / "every_kind.yaml", "pytorch")
    assert "= nn.ChannelShuffle(" not in text and "self.channel_shuffle29 = Shuffle(2)" in text
    assert "x = x.view(n, self.groups, c // self.groups, *rest).transpose(1, 2)" in text


def test_keras_code_uses_keras_s_own_layers_and_ops_only():
    """A shuffle is Reshape, Permute and Reshape, a slice `x[..., a:b]`: no Lambda, no class of costcalc's but
    ConvNeXt's LayerScale, so `costcalc import` reads Keras's JSON of the model back (test_import_keras.py)."""
    text = code(DATA / "every_kind_keras.yaml", "keras")
    assert [line.strip() for line in text.splitlines() if "channel_shuffle29" in line and "=" in line] == [
        "channel_shuffle29 = layers.Reshape((8, 8, 2, 4), name='channel_shuffle29_groups')(prelu28)",
        "channel_shuffle29 = layers.Permute((1, 2, 4, 3), name='channel_shuffle29_swap')(channel_shuffle29)",
        "channel_shuffle29 = layers.Reshape((8, 8, 8), name='channel_shuffle29')(channel_shuffle29)",
        "split30_half1 = channel_shuffle29[..., 0:4]", "split30_half2 = channel_shuffle29[..., 4:8]"]
    assert "slice31 = split30_half2[..., 1:3]" in text
    assert "Lambda" not in text and [line for line in text.splitlines() if line.startswith("class ")] == [
        "class LayerScale(layers.Layer):"]


def test_keras_refuses_what_it_has_no_layer_for_in_one_line():
    spec = DATA / "every_kind.yaml"
    result = run("export", str(spec), "--to", "keras", "-o", "-")
    assert (result.code, result.out, result.err) == (
        2, "", f"{spec}:43:5: conv_transpose20 (conv_transpose): Keras's Conv2DTranspose has no groups\n")


HOSTILE = '''input: [8, 8, 3]
layers:
  - conv: {filters: 4, kernel: 3, name: "x'); import os; os.system('echo owned')  #"}
  - relu: {name: "\\"\\"\\"\\nimport os"}
  - conv: {filters: 4, kernel: 1, name: class}
  - conv: {filters: 4, kernel: 1, name: "1st/layer"}
'''


@pytest.mark.parametrize("target", ["pytorch", "keras"])
def test_a_spec_s_names_reach_the_code_only_as_identifiers_and_string_literals(spec_file, target):
    text = code(spec_file(HOSTILE), target)
    tree = ast.parse(text)
    assert imports(text) == ({"torch", "torch.nn"} if target == "pytorch" else {"keras"})
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "system"]
    namespace: dict = {}
    exec(compile(ast.Module([node for node in tree.body if isinstance(node, ast.Assign)], []), "paths", "exec"),
         namespace)
    assert list(namespace["PATHS"].values()) == [
        "x'); import os; os.system('echo owned')  #", '"""\nimport os', "class", "1st/layer"]
    assert list(namespace["PATHS"]) == ["x_import_os_os_system_echo_owned_", "_import_os", "class_", "_1st_layer"]


def reference_rows():
    lines = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_the_reference_figures_say_where_they_come_from():
    header = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert "tools/check_exports_in_frameworks.py --write" in " ".join(header)
    assert "torch 2." in header[0] and "keras 3." in header[0]


def test_costcalc_counts_what_the_frameworks_count_in_the_exported_code():
    """Every shipped design's exported code, built in PyTorch and Keras (tests/data/reference/exports.tsv):
    their own parameter counts, FlopCounterMode's MACs and the output shape equal costcalc's."""
    rows = reference_rows()
    designs = {(str(path.relative_to(ROOT)), design.name): design for path in SHIPPED
               for design in costcalc.analyze(costcalc.load(str(path))).designs}
    assert {(row["spec"], row["design"]) for row in rows} == set(designs)
    assert sum(row["framework"] == "keras" for row in rows) == len(designs) - 1  # every_kind.yaml: no Keras form
    for row in rows:
        design = designs[row["spec"], row["design"]]
        assert (int(row["trainable"]), int(row["non_trainable"])) == (
            design.total.trainable_params, design.total.non_trainable_params), row
        shapes = design.outputs or {"": design.output}
        assert row["output"] == " ".join(f"{name}:" * bool(name) + "x".join(map(str, shape))
                                         for name, shape in shapes.items()), row
        if row["framework"] == "pytorch":
            assert int(row["macs"]) == design.total.macs, row


def test_the_flopcounter_convention_is_flopcountermode_on_every_exported_design():
    """FlopCounterMode's FLOPs of each shipped design's PyTorch code (exports.tsv: its MACs, FLOPs / 2) are what
    `--convention flopcounter` gives."""
    rows = [row for row in reference_rows() if row["framework"] == "pytorch"]
    for row in rows:
        design = costcalc.analyze(costcalc.load(str(ROOT / row["spec"])), designs=[row["design"]],
                                  convention="flopcounter").designs[0]
        assert design.total.flops == 2 * int(row["macs"]), row


def test_the_pytorch_code_builds_in_pytorch_with_costcalc_s_counts():
    torch = pytest.importorskip("torch", reason="torch is not installed: the reference figures stand in")
    from torch.utils.flop_counter import FlopCounterMode

    design = costcalc.analyze(costcalc.load(str(DATA / "every_kind.yaml"))).designs[0]
    namespace: dict = {"__name__": "exported"}
    exec(code(DATA / "every_kind.yaml", "pytorch"), namespace)
    model = namespace["Model"]().eval()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        out = model(torch.zeros(namespace["INPUT"]))
    assert sum(p.numel() for p in model.parameters()) == design.total.trainable_params
    assert counter.get_total_flops() == 2 * design.total.macs
    assert tuple(out.shape[1:]) == design.output


def test_the_keras_code_builds_in_keras_with_costcalc_s_counts():
    pytest.importorskip("keras", reason="Keras is not installed: the reference figures stand in")
    design = costcalc.analyze(costcalc.load(str(DATA / "every_kind_keras.yaml"))).designs[0]
    namespace: dict = {"__name__": "exported"}
    exec(code(DATA / "every_kind_keras.yaml", "keras"), namespace)
    model = namespace["build"]()
    assert sum(math.prod(w.shape) for w in model.trainable_weights) == design.total.trainable_params
    assert sum(math.prod(w.shape) for w in model.non_trainable_weights) == design.total.non_trainable_params
    assert tuple(model.output.shape[1:]) == design.output
