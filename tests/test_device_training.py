"""Training MACs, FLOPs and memory (costcalc.device.training), against torch's own FlopCounterMode and by hand."""

from conftest import ROOT, SPECS

from costcalc.count.engine import analyze
from costcalc.device.training import training
from costcalc.spec.reader import load, loads

ZOO = {"googlenet": ("googlenet_torchvision.yaml", "main"), "inception_v3": ("inception_v3_torchvision.yaml", "main"),
       "mobilenet_v2": ("mobilenet_v2_torchvision.yaml", "main"), "resnet50": ("resnet50_torchvision.yaml", "main"),
       "vgg16": ("vgg16.yaml", "torchvision")}


def torch_counts() -> dict[str, dict[str, int]]:
    lines = [line for line in (ROOT / "tests/data/reference/training_torch.tsv").read_text().splitlines()
             if not line.startswith("#")]
    found = {}
    for line in lines[1:]:
        model, _, total, ops = line.split("\t")
        found[model] = {"total": int(total), **{k: int(v) for k, v in (op.split("=") for op in ops.split(","))}}
    return found


def grouped_overcount(design) -> int:
    """torch 2.14's counter prices a grouped conv's weight gradient `groups` times: the MACs over."""
    extra = 0
    for row in design.rows:
        groups = row.input[2] if row.kind == "depthwise" else getattr(row.op, "groups", 1) if row.kind == "conv" else 1
        extra += (groups - 1) * row.cost.macs
    return extra


def test_training_flops_of_the_torchvision_zoo_equal_flop_counter_mode():
    counts = torch_counts()
    assert set(counts) == set(ZOO)
    for model, (path, name) in ZOO.items():
        design = analyze(load(SPECS / "zoo" / path)).design(name)
        found, torch = training(design), counts[model]
        assert torch["aten.convolution"] + torch["aten.addmm"] == 2 * found.forward_macs, model
        assert torch["aten.convolution_backward"] + torch["aten.mm"] == \
            2 * (found.input_grad_macs + found.weight_grad_macs + grouped_overcount(design)), model
        assert torch["total"] == 2 * (found.macs + grouped_overcount(design)), model


def test_only_mobilenet_has_grouped_convolutions_to_correct_for():
    overcounts = {m: grouped_overcount(analyze(load(SPECS / "zoo" / p)).design(n)) for m, (p, n) in ZOO.items()}
    assert [m for m, n in overcounts.items() if n] == ["mobilenet_v2"]


def one(text: str):
    return analyze(loads(text)).designs[0]


def test_no_input_gradient_before_the_first_weights():
    # input → maxpool → conv → conv: the first conv's input depends on no weight
    design = one("input: [8, 8, 2]\nlayers:\n  - maxpool: {size: 2}\n  - conv: {filters: 3, kernel: 1}\n"
                 "  - conv: {filters: 4, kernel: 1}\n")
    first, second = 4 * 4 * 2 * 3, 4 * 4 * 3 * 4
    found = training(design)
    assert (found.forward_macs, found.input_grad_macs, found.weight_grad_macs) == (first + second, second,
                                                                                   first + second)


def test_a_separable_first_layer_still_needs_its_pointwise_input_gradient():
    found = training(one("input: [4, 4, 2]\nlayers:\n  - separable: {filters: 3, kernel: 3}\n"))
    assert (found.forward_macs, found.input_grad_macs) == (4 * 4 * 2 * (9 + 3), 4 * 4 * 2 * 3)


def test_training_memory_with_each_optimizer_and_a_batch():
    design = analyze(load(SPECS / "bottleneck_5x5.yaml")).design("bottleneck")
    params = 15_920
    tensors = 28 * 28 * (192 + 16 + 32)
    for optimizer, states in (("sgd", 0), ("momentum", 1), ("adam", 2)):
        found = training(design, batch=8, optimizer=optimizer)
        assert (found.weights_bytes, found.gradient_bytes, found.optimizer_bytes) == (4 * params, 4 * params,
                                                                                     4 * states * params)
        assert found.saved_activation_bytes == 8 * 4 * tensors
        assert found.memory == (2 + states) * 4 * params + 8 * 4 * tensors
    found = training(design, batch=8)
    assert found.flops == 2 * (3 * 8 * 12_443_648 - 8 * 2_408_448) + 2 * 8 * (24_924_928 - 2 * 12_443_648)
