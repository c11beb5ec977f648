"""costcalc sweep: grids and zips of parameter values, each variant exactly as `--set` gives it, fast or not."""

import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from conftest import SPECS, run
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import as_yaml, examples, ints, specs

from costcalc import analyze, loads
from costcalc.errors import CostcalcError
from costcalc.sweep import evaluate
from costcalc.sweep.grid import column, parse_vary
from costcalc.sweep.run import sweep

REFERENCE = Path(__file__).parent / "data" / "reference"
MOBILENET = SPECS / "zoo" / "mobilenet_keras.yaml"
MOBILENET_V2 = SPECS / "zoo" / "mobilenet_v2_keras.yaml"
ALPHAS = ["0.25", "0.5", "0.75", "1.0"]
RESOLUTIONS = ["128", "160", "192", "224"]


def of_file(path, vary, zipped=False, settings=(), **options):
    return sweep(path.read_text(), str(path), vary, zipped, settings, **options)


def one_by_one(text: str, names, values, settings=()):
    """The totals of one variant the ordinary way: the spec loaded with --set, then analysed."""
    setting = [*settings, *((name, repr(v) if isinstance(v, float) else str(v)) for name, v in zip(names, values))]
    return analyze(loads(text, "spec.yaml", setting)).designs[0].total


def test_values_are_lists_or_ranges_with_the_stop_included():
    assert parse_vary("alpha=0.25, 0.5") == ("alpha", ["0.25", "0.5"])
    assert column("resolution", ["128:224:32"], 224) == [128, 160, 192, 224]
    assert column("alpha", ["0.25:1.0:0.05"], 1.0)[:4] == [0.25, 0.3, 0.35, 0.4]  # no float drift
    assert column("alpha", ["0.25:1.0:0.05"], 1.0)[-1] == 1.0
    assert column("alpha", ["1", "0.5"], 1.0) == [1.0, 0.5]  # one type per parameter


def test_the_mobilenet_paper_tables_6_and_7():
    """Howard et al. 2017: million mult-adds and million parameters, as the paper rounds them."""
    result = of_file(MOBILENET, [("alpha", ALPHAS), ("resolution", RESOLUTIONS)])
    by = {v.values: v.cost for v in result.variants}
    assert len(by) == 16
    table6 = {1.0: (569, 4.2), 0.75: (325, 2.6), 0.5: (149, 1.3), 0.25: (41, 0.47)}
    for alpha, (macs, params) in table6.items():
        cost = by[(alpha, 224)]
        assert abs(cost.macs / 1e6 - macs) < 1  # the paper's last digit
        assert float(f"{cost.trainable_params / 1e6:.2g}") == params  # the paper counts trainable parameters
    table7 = {224: 569, 192: 418, 160: 290, 128: 186}
    for resolution, macs in table7.items():
        assert abs(by[(1.0, resolution)].macs / 1e6 - macs) < 1
    assert [by[(a, 224)].macs for a in (1.0, 0.75, 0.5, 0.25)] == [568740352, 325400448, 149497088, 41030272]
    assert [by[(1.0, r)].macs for r in (224, 192, 160, 128)] == [568740352, 418121728, 290675200, 186400768]


@pytest.mark.parametrize("path, vary", [
    (MOBILENET, [("alpha", ALPHAS), ("resolution", RESOLUTIONS)]),
    (MOBILENET_V2, [("alpha", ["0.35", "0.5", "0.75", "1.0", "1.3", "1.4"])]),
])
def test_every_variant_equals_the_spec_set_one_by_one(path, vary):
    text = path.read_text()
    result = of_file(path, vary)
    for variant in result.variants:
        assert variant.cost == one_by_one(text, result.names, variant.values), variant.values


def keras_applications() -> list[dict]:
    """Keras's own figures, a row per model (tests/data/reference/keras_applications.tsv; its header says how)."""
    lines = [line for line in (REFERENCE / "keras_applications.tsv").read_text().splitlines()
             if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def keras_families() -> dict[tuple[str, float, int], dict[str, int]]:
    """(model, alpha, input) → total, trainable, non_trainable, macs, for the models Keras builds with an alpha."""
    return {(row["model"], float(row["args"].split("=")[1]), int(row["input"])): figures(row)
            for row in keras_applications() if row["args"].startswith("alpha=")}


def figures(row: dict) -> dict[str, int]:
    return {k: int(row[k]) for k in ("total", "trainable", "non_trainable", "macs")}


def of_cost(cost) -> dict[str, int]:
    return {"total": cost.params, "trainable": cost.trainable_params, "non_trainable": cost.non_trainable_params,
            "macs": cost.macs}


KERAS = keras_families()
EFFICIENTNET = SPECS / "zoo" / "efficientnet_keras.yaml"
EFFICIENTNETS = {  # Keras's EfficientNetB0..B7: width_coefficient, depth_coefficient, default size
    "EfficientNetB0": ("1.0", "1.0", "224"), "EfficientNetB1": ("1.0", "1.1", "240"),
    "EfficientNetB2": ("1.1", "1.2", "260"), "EfficientNetB3": ("1.2", "1.4", "300"),
    "EfficientNetB4": ("1.4", "1.8", "380"), "EfficientNetB5": ("1.6", "2.2", "456"),
    "EfficientNetB6": ("1.8", "2.6", "528"), "EfficientNetB7": ("2.0", "3.1", "600"),
}
EFFICIENTNET_NAMES = ("width_coefficient", "depth_coefficient", "resolution")


@pytest.mark.parametrize("model, path, vary", [
    ("MobileNet", MOBILENET, [("alpha", ALPHAS), ("resolution", RESOLUTIONS)]),
    ("MobileNetV2", MOBILENET_V2, [("alpha", ["0.35", "0.5", "0.75", "1.0", "1.3", "1.4"])]),
])
def test_every_variant_equals_keras(model, path, vary):
    """Keras's MobileNet(alpha, input_shape) and MobileNetV2(alpha): trainable, non-trainable and MACs."""
    result = of_file(path, vary)
    measured = {}
    for variant in result.variants:
        values = dict(zip(result.names, variant.values))
        measured[(model, values["alpha"], values.get("resolution", 224))] = of_cost(variant.cost)
    assert measured == {key: figures for key, figures in KERAS.items() if key[0] == model}
    assert len(measured) == (16 if model == "MobileNet" else 6)


def test_mobilenet_v2_through_set_and_zip_equals_keras():
    text = MOBILENET_V2.read_text()
    alphas = [alpha for model, alpha, _ in KERAS if model == "MobileNetV2"]
    for alpha in alphas:
        total = analyze(loads(text, "v2.yaml", [("alpha", str(alpha))])).designs[0].total
        assert of_cost(total) == KERAS[("MobileNetV2", alpha, 224)], alpha
    zipped = of_file(MOBILENET_V2, [("alpha", [str(a) for a in alphas])], zipped=True)
    assert [of_cost(v.cost) for v in zipped.variants] == [KERAS[("MobileNetV2", a, 224)] for a in alphas]


def test_efficientnet_b0_to_b7_through_set_equal_keras():
    keras = {(row["model"], row["input"]): figures(row) for row in keras_applications()}
    text = EFFICIENTNET.read_text()
    for model, values in EFFICIENTNETS.items():
        total = analyze(loads(text, "efficientnet.yaml", list(zip(EFFICIENTNET_NAMES, values)))).designs[0].total
        assert of_cost(total) == keras[(model, values[2])], model
    odd = analyze(loads(text, "efficientnet.yaml", [("resolution", "197")])).designs[0].total  # correct_pad's parity
    assert of_cost(odd) == keras[("EfficientNetB0", "197")]


def test_efficientnet_b0_to_b7_through_sweep_zip_equal_keras(groups):
    keras = {row["model"]: figures(row) for row in keras_applications()
             if row["model"] in EFFICIENTNETS and row["input"] == EFFICIENTNETS[row["model"]][2]}
    vary = [(name, [values[i] for values in EFFICIENTNETS.values()]) for i, name in enumerate(EFFICIENTNET_NAMES)]
    result = of_file(EFFICIENTNET, vary, zipped=True)
    assert [of_cost(v.cost) for v in result.variants] == [keras[model] for model in EFFICIENTNETS]
    assert len(groups) > 1  # depth changes the structure: the variants are split into groups


def test_efficientnet_widths_and_resolutions_are_one_group_and_exact(groups):
    """Widths and resolutions of either parity (correct_pad pads by parity) stay one group of arrays."""
    result = of_file(EFFICIENTNET,
                     [("width_coefficient", ["1.0", "1.1", "2.0"]), ("resolution", ["197", "224", "241"])])
    assert groups == [(3, 3)]
    text = EFFICIENTNET.read_text()
    for variant in result.variants:
        assert variant.cost == one_by_one(text, result.names, variant.values), variant.values


STRUCTURE = """\
params: {width: 8, depth: 1, kernel: 3, size: 16}
input: [$size, $size, 3]
blocks:
  unit:
    args: {filters: null}
    layers:
      - conv: {filters: $filters, kernel: $kernel, bias: false}
      - batchnorm
      - relu
layers:
  - unit: {filters: $width}
  - unit: {filters: "${2 * width}", repeat: $depth}
  - maxpool: {size: 2, padding: valid}
  - branches:
      a: [conv: {filters: "${width + 1}", kernel: 1}]
      b: [conv: {filters: 3, kernel: 1}]
  - global_avgpool
  - dense: {units: 10}
"""


@pytest.fixture
def groups(monkeypatch):
    """The shapes of the groups a sweep counted, in order."""
    shapes = []
    counted = evaluate._counted

    def counting(root, filename, values, shape, *args):
        shapes.append(shape)
        return counted(root, filename, values, shape, *args)

    monkeypatch.setattr(evaluate, "_counted", counting)
    return shapes


def test_a_grid_of_sizes_is_one_group(groups):
    of_file(MOBILENET, [("alpha", ALPHAS), ("resolution", RESOLUTIONS)])
    assert groups == [(4, 4)]


def test_variants_of_different_structure_are_grouped_and_each_is_exact(groups):
    vary = [("width", ["4", "8", "16"]), ("depth", ["1", "2", "3"]), ("kernel", ["1", "3"]), ("size", ["15", "16"])]
    result = sweep(STRUCTURE, "spec.yaml", vary)
    assert len(result.variants) == 36
    # the grid fails (kernel and depth change the structure); the 36 split by kernel, then each by depth
    assert groups == [(3, 3, 2, 2), (36,), (18,), (6,), (6,), (6,), (18,), (6,), (6,), (6,)]
    for variant in result.variants:
        assert variant.cost == one_by_one(STRUCTURE, result.names, variant.values), variant.values


def test_counts_beyond_int64_are_exact_python_ints(groups):
    vary = [("width", ["4", "2000000000"]), ("size", ["16", "4000000"])]
    result = sweep(STRUCTURE, "spec.yaml", vary)
    largest = result.variants[-1].cost
    assert largest.macs > 2**63
    # the grid and the 4 might overflow int64; the half with width 4 fits, the other is counted one by one
    assert groups == [(2, 2), (4,), (2,), (2,), (1,), (1,)]
    for variant in result.variants:
        assert variant.cost == one_by_one(STRUCTURE, result.names, variant.values), variant.values


@pytest.mark.parametrize("convention", ["costcalc", "flops2x", "fvcore", "ptflops", "thop"])
def test_every_convention_gives_each_variant_as_one_by_one(convention):
    vary = [("width", ["4", "8"]), ("size", ["15", "16", "33"])]
    result = sweep(STRUCTURE, "spec.yaml", vary, convention=convention)
    for variant in result.variants:
        settings = [(name, str(value)) for name, value in zip(result.names, variant.values)]
        expected = analyze(loads(STRUCTURE, "spec.yaml", settings), convention=convention).designs[0].total
        assert variant.cost == expected, (convention, variant.values)


def test_zip_pairs_the_lists_element_by_element():
    result = sweep(STRUCTURE, "spec.yaml", [("width", ["4", "8"]), ("depth", ["1", "3"])], zipped=True)
    assert [v.values for v in result.variants] == [(4, 1), (8, 3)]
    for variant in result.variants:
        assert variant.cost == one_by_one(STRUCTURE, result.names, variant.values)


def test_set_fixes_a_parameter_for_every_variant():
    result = sweep(STRUCTURE, "spec.yaml", [("width", ["4", "8"])], settings=[("size", "32")])
    for variant in result.variants:
        assert variant.cost == one_by_one(STRUCTURE, result.names, variant.values, [("size", "32")])


def test_budgets_mark_what_fits_and_name_the_largest():
    result = of_file(MOBILENET, [("alpha", ALPHAS), ("resolution", RESOLUTIONS)], flags={"macs": 300_000_000})
    fits = {v.values for v in result.variants if v.fits}
    assert (1.0, 160) in fits and (1.0, 192) not in fits and (0.75, 192) in fits
    assert result.largest.values == (1.0, 160)  # 290,675,200 MACs, the most under 300M


def test_a_budget_in_the_spec_may_depend_on_a_parameter():
    text = STRUCTURE + 'budget: {params: "${100 * width}"}\n'
    result = sweep(text, "spec.yaml", [("width", ["4", "8"]), ("depth", ["1", "3"])])
    assert [v.limits for v in result.variants] == [{"params": 400}] * 2 + [{"params": 800}] * 2


@pytest.mark.parametrize("args, message", [
    (["--vary", "alpa=1"], "specs/zoo/mobilenet_keras.yaml:28:1: --vary alpa: the spec has no parameter 'alpa';"
                           " did you mean 'alpha'?"),
    (["--vary", "resolution=224.5"], "specs/zoo/mobilenet_keras.yaml:28:1: --vary resolution: parameter 'resolution'"
                                     " takes an integer (its default is 224), got '224.5'"),
    (["--vary", "resolution=224:128:32"], "specs/zoo/mobilenet_keras.yaml:28:1: --vary resolution: range"
                                          " '224:128:32': write START:STOP:STEP with STOP ≥ START and STEP > 0"),
    (["--vary", "alpha=1", "--vary", "alpha=2"], "specs/zoo/mobilenet_keras.yaml:28:1: --vary alpha is given twice;"
                                                 " list all its values in one --vary"),
    (["--vary", "alpha=1,0.5", "--vary", "resolution=224", "--zip"],
     "--zip pairs values element by element, so every --vary needs as many: alpha 2, resolution 1"),
    (["--vary", "alpha=1", "--set", "alpha=0.5"], "specs/zoo/mobilenet_keras.yaml:28:1: alpha is both set (--set) and"
                                                  " varied (--vary); give it one of them"),
    (["--vary", "alpha=0.5,0.01"], "specs/zoo/mobilenet_keras.yaml:39:25: conv option 'filters': expected a positive"
                                   " integer, got 0 (variant alpha=0.01)"),
])
def test_bad_sweeps_are_one_line(args, message):
    out = run("sweep", str(MOBILENET.relative_to(SPECS.parent)), *args)
    assert (out.code, out.err) == (2, message + "\n")


def test_formats(golden):
    args = ["sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.25,0.5,0.75,1.0",
            "--vary", "resolution=128:224:32", "--max-macs", "300M"]
    table = run(*args)
    assert table.code == 0
    golden("sweep_mobilenet.txt", table.out)
    data = json.loads(run(*args, "--format", "json").out)
    assert (data["spec"], data["name"], data["varied"], data["zipped"]) == (
        "specs/zoo/mobilenet_keras.yaml", None, ["alpha", "resolution"], False)
    assert data["variants"][0] == {
        "values": {"alpha": 0.25, "resolution": 128}, "design": "main", "macs": 13570048, "flops": 28381136,
        "params": 475544, "trainable_params": 470072, "non_trainable_params": 5472, "activations": 1369768,
        "activation_bytes": 5479072, "limits": {"macs": 300000000}, "fits": True}
    assert data["largest_that_fits"]["values"] == {"alpha": 1.0, "resolution": 160}
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").out)))
    assert len(rows) == 16 and rows[-1]["macs"] == "568740352" and rows[-1]["fits"] == "false"
    markdown = run(*args, "--format", "markdown").out
    assert "| 1.0 | 160 | 290.7M | 589.1M | 4.3M | 32.6 MiB | yes ★ |" in markdown.replace("**", "")


def test_none_fits_is_exit_1():
    out = run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--max-macs", "1M")
    assert out.code == 1
    assert out.out.splitlines()[-1] == "0 of 2 variants fit their budget; none fits"


def test_the_plot_at_a_fixed_width(golden):
    out = run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.25,0.5,0.75,1.0",
              "--vary", "resolution=128:224:32", "--plot", "macs", "--x", "resolution", "--width", "72")
    assert out.code == 0
    assert max(map(len, out.out.splitlines()[1:])) <= 72
    golden("sweep_plot_macs.txt", out.out)


def test_the_plot_draws_the_budget_line_where_a_limit_on_its_metric_exists(golden):
    out = run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.25,0.5,0.75,1.0",
              "--vary", "resolution=128,224", "--plot", "macs", "--max-macs", "300M", "--width", "70")
    assert out.code == 0  # some variants fit
    lines = out.out.splitlines()
    assert lines[8] == " 300.0M┤" + "╌" * 34 + "·····" + "╌" * 23
    assert lines[-1] == "        ● resolution=128   ■ resolution=224   ╌╌ budget: MACs ≤ 300.0M"
    golden("sweep_plot_budget.txt", out.out)
    assert "budget" not in run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.25,0.5",
                               "--plot", "params", "--max-macs", "300M").out  # no limit on params: no line


def test_the_plot_refuses_what_it_cannot_draw():
    out = run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--plot", "macs", "--x", "depth")
    assert (out.code, out.err) == (2, "--x depth: not a varied parameter; the varied are alpha\n")
    out = run("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0", "--plot", "macs", "--format",
              "json")
    assert out.code == 2 and "--plot draws text in place of the table; leave out --format" in out.err
    out = run("sweep", "specs/bottleneck_5x5.yaml", "--vary", "x=1")
    assert out.err == "specs/bottleneck_5x5.yaml:1:1: --vary x: the spec has no parameter 'x';" \
                      " it declares none (params: {name: default})\n"


def test_a_variant_error_in_a_group_names_the_first_variant_that_has_it():
    with pytest.raises(CostcalcError, match=r"\(variant width=0\.5\)"):
        sweep(STRUCTURE.replace("width: 8", "width: 8.0").replace("{filters: $width}", '{filters: "${int(width)}"}'),
              "spec.yaml", [("width", ["4", "8", "0.5", "0.25"])])


@settings(max_examples=examples(0.5), deadline=None)
@given(spec=specs().filter(lambda spec: len(spec["input"]) == 3), heights=st.lists(ints(1, 40), min_size=1, max_size=3),
       widths=st.lists(ints(1, 40), min_size=1, max_size=3))
def test_a_sweep_of_any_spec_is_each_variant_one_by_one(spec, heights, widths):
    """Over input sizes of a random valid spec: every variant's figures as --set gives them, or,
    where some variant fails, the error of the first that does, naming it."""
    h, w, c = spec["input"]
    text = as_yaml({"params": {"h": h, "w": w}, **spec, "input": ["$h", "$w", c]})
    rows = list(itertools.product(heights, widths))
    expected, first_error = [], None
    for values in rows:
        try:
            expected.append(analyze(loads(text, "spec.yaml", [("h", str(values[0])), ("w", str(values[1]))])).designs)
        except CostcalcError as error:
            first_error = first_error or (error, values)
    vary = [("h", [str(v) for v in heights]), ("w", [str(v) for v in widths])]
    if first_error:
        error, values = first_error
        with pytest.raises(CostcalcError) as raised:
            sweep(text, "spec.yaml", vary)
        assert str(raised.value) == str(CostcalcError(f"{error.message} (variant h={values[0]}, w={values[1]})",
                                                      error.where, error.hint))
        return
    result = sweep(text, "spec.yaml", vary)
    assert [(v.values, v.design, v.cost) for v in result.variants] == [
        (values, design.name, design.total) for values, designs in zip(rows, expected) for design in designs]
