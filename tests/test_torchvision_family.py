"""specs/torchvision: the ResNet and VGG families against torch's own parameter and MAC counts."""

from conftest import ROOT, SPECS

from costcalc.count.engine import analyze
from costcalc.spec.reader import load

FAMILIES = {"resnets.yaml": ("resnet18", "resnet34", "resnet101", "resnet152", "wide_resnet50_2", "resnext50_32x4d"),
            "vggs.yaml": ("vgg11", "vgg13", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn")}


def torch_figures() -> dict[str, tuple[int, int]]:
    lines = (ROOT / "tests/data/reference/latency_torch_cpu.tsv").read_text().splitlines()
    rows = [line.split("\t") for line in lines if not line.startswith("#")][1:]
    return {model: (int(params), int(macs)) for model, params, macs, _ in rows}


def test_every_design_has_torchs_params_and_macs():
    figures = torch_figures()
    for spec, names in FAMILIES.items():
        analysis = analyze(load(SPECS / "torchvision" / spec))
        assert [d.name for d in analysis.designs] == list(names)
        for design in analysis.designs:
            assert (design.total.trainable_params, design.total.macs) == figures[design.name], design.name
