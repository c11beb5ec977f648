"""Measured PyTorch CPU inference latency of the torchvision zoo networks against costcalc's roofline estimate.

Measures each network (batch 1, eval mode, torch.no_grad, a fixed number of threads, random
weights) as the median of repeated runs after warm-up, the networks interleaved (measure_all),
estimates it with costcalc on a device profile (from `costcalc devices measure`), and prints a
Markdown table, the Spearman rank correlations of estimate and of MACs with the measured latency,
and the median relative error of the estimate. torch is not a costcalc dependency; run it from a throwaway venv:

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 pyyaml
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/costcalc devices measure --name cpu > cpu.json
    /tmp/tvenv/bin/python tools/latency_vs_torch.py --devices cpu.json --device cpu --threads 1

With --devices and --device repeated, it estimates on each (a profile as measured and the same
calibrated with `costcalc devices calibrate`, say); --from-tsv takes the measured figures from an
earlier run's --tsv file, so that needs no torch.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recount_torchvision import MODELS  # torchvision name -> (input side, constructor kwargs)

NETWORKS = {"googlenet": ("zoo/googlenet_torchvision.yaml", "main"),
            "inception_v3": ("zoo/inception_v3_torchvision.yaml", "main"),
            "mobilenet_v2": ("zoo/mobilenet_v2_torchvision.yaml", "main"),
            "resnet50": ("zoo/resnet50_torchvision.yaml", "main"), "vgg16": ("zoo/vgg16.yaml", "torchvision"),
            **{name: ("torchvision/resnets.yaml", name) for name in
               ("resnet18", "resnet34", "resnet101", "resnet152", "wide_resnet50_2", "resnext50_32x4d")},
            **{name: ("torchvision/vggs.yaml", name) for name in
               ("vgg11", "vgg13", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn")}}
"""torchvision name -> (spec under specs/, design): the networks that both torchvision and costcalc's specs build."""

HELD_OUT = {"convnext_tiny": ("zoo/convnext_tiny_torchvision.yaml", "main", 224, {}),
            "fcn_resnet50": ("zoo/fcn_resnet50_torchvision.yaml", "main", 520, {"weights_backbone": None}),
            "lraspp_mobilenet_v3_large": ("zoo/lraspp_mobilenet_v3_large_torchvision.yaml", "main", 520,
                                          {"weights_backbone": None})}
"""The torchvision networks of specs/zoo/ left out of NETWORKS while the calibration was built (--held-out):
kernels the calibration grid has no timings of (GELU, LayerNorm, hardswish, 7×7 depthwise, dense on feature
maps, dilated convolutions, bilinear resize), and inputs of 520×520. name -> (spec, design, input side,
constructor arguments)."""


def torch_figures(model, x) -> tuple[int, int]:
    """Parameters, and the forward pass's conv and linear MACs as torch's FlopCounterMode counts them (FLOPs / 2)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


def measure_all(networks: dict[str, tuple[int, dict]], runs: int) -> dict[str, tuple[float, int, int]]:
    """name -> (median seconds, torch's params, torch's MACs). After two warm-up passes each, the
    networks are timed in `runs` rounds, each round once each in a shuffled order, so that every
    network meets the same share of whatever else the machine is doing."""
    import torch
    import torchvision

    models, figures, times = {}, {}, {name: [] for name in networks}
    with torch.no_grad():
        for name, (side, kwargs) in networks.items():
            model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
            x = torch.randn(1, 3, side, side)
            figures[name] = torch_figures(model, x)
            model(x), model(x)
            models[name] = (model, x)
        order = list(networks)
        for _ in range(runs):
            random.Random(len(times[order[0]])).shuffle(order)
            for name in order:
                model, x = models[name]
                start = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), *figures[name]) for name in networks}


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks (ties averaged)."""
    x, y = ranks(a), ranks(b)
    mx, my = statistics.fmean(x), statistics.fmean(y)
    cov = sum((p - mx) * (q - my) for p, q in zip(x, y))
    return cov / (sum((p - mx) ** 2 for p in x) * sum((q - my) ** 2 for q in y)) ** 0.5


def read_tsv(path: str) -> dict[str, tuple[float, int, int]]:
    """name -> (measured seconds, params, MACs) from a file this script wrote with --tsv."""
    rows = [line.split("\t") for line in Path(path).read_text().splitlines() if line and not line.startswith("#")]
    return {name: (float(seconds), int(params), int(macs)) for name, params, macs, seconds in rows[1:]}


def main() -> int:
    from costcalc.count.engine import analyze
    from costcalc.device.latency import latency
    from costcalc.device.profiles import all_devices
    from costcalc.device.traffic import memory
    from costcalc.spec.reader import load

    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", action="append", required=True, help="a devices file (repeatable)")
    parser.add_argument("--device", action="append", required=True, help="a device to estimate on (repeatable)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tsv", help="also write model, params, MACs and measured seconds to this file")
    parser.add_argument("--from-tsv",
                        help="take the measured figures from this file (of --tsv) instead of timing torch")
    parser.add_argument("--held-out", action="store_true", help="the networks of HELD_OUT instead of NETWORKS")
    args = parser.parse_args()
    known = all_devices(tuple(args.devices))
    devices = [known[name] for name in args.device]
    if args.from_tsv:
        measured_all, about = read_tsv(args.from_tsv), f"the measurements in {args.from_tsv}"
    else:
        import torch
        import torchvision

        torch.set_num_threads(args.threads)
        wanted = ({name: (side, kwargs) for name, (_, _, side, kwargs) in HELD_OUT.items()} if args.held_out
                  else {name: MODELS.get(name, (224, {})) for name in NETWORKS})
        measured_all = measure_all(wanted, args.runs)
        about = (f"torch {torch.__version__}, torchvision {torchvision.__version__}, {args.threads} thread(s), "
                 f"median of {args.runs} interleaved runs, batch 1")
    lines, rows = [], []
    networks = {name: entry[:2] for name, entry in HELD_OUT.items()} if args.held_out else NETWORKS
    for name, (spec, design_name) in networks.items():
        design = analyze(load(ROOT / "specs" / spec)).design(design_name)
        found = memory(design)
        estimates = [latency(design, found, device, "float32")[""].seconds for device in devices]
        measured, params, macs = measured_all[name]
        if (params, macs) != (design.total.trainable_params, design.total.macs):
            print(f"{name}: torch has {params:,} params and {macs:,} MACs, the spec {design.total.trainable_params:,}"
                  f" and {design.total.macs:,}", file=sys.stderr)
            return 1
        lines.append((name, design.total.macs, estimates, measured))
        rows.append(f"{name}\t{params}\t{macs}\t{measured:.6f}")
    if args.tsv:
        Path(args.tsv).write_text("model\tparams\tmacs\tmeasured_s\n" + "\n".join(rows) + "\n")
    print(f"{about}; devices: " + "; ".join(f"{d.name}: {d.source}" for d in devices))
    print("| network | MACs | measured (ms) | " + " | ".join(f"{d.name} (ms) | ratio" for d in devices) + " |")
    print("|---|---:|---:|" + "---:|---:|" * len(devices))
    for name, macs, estimates, measured in lines:
        cells = " | ".join(f"{e * 1e3:.1f} | {e / measured:.2f}" for e in estimates)
        print(f"| {name} | {macs:,} | {measured * 1e3:.1f} | {cells} |")
    if args.held_out:
        return 0
    measured = [m for *_, m in lines]
    print(f"spearman(MACs, measured) = {spearman([float(m) for _, m, _, _ in lines], measured):.3f}")
    for index, device in enumerate(devices):
        estimates = [e[index] for _, _, e, _ in lines]
        errors = [abs(e - m) / m for e, m in zip(estimates, measured)]
        print(f"{device.name}: spearman(estimate, measured) = {spearman(estimates, measured):.3f}, "
              f"median relative error = {statistics.median(errors):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
