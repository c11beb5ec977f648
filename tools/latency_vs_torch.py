"""Measured PyTorch CPU inference latency of the torchvision zoo networks against costcalc's roofline estimate.

Measures each network (batch 1, eval mode, torch.no_grad, a fixed number of threads, random
weights) as the median of repeated runs after warm-up, estimates it with costcalc on a
device profile (from `costcalc devices measure`), and prints a Markdown table, the Spearman
rank correlations of estimate and of MACs with the measured latency, and the median relative
error of the estimate. torch is not a costcalc dependency; run it from a venv outside the repo
(pip install torch==2.14.1 torchvision==0.29.1 pyyaml):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/costcalc devices measure --name cpu > cpu.json
    /work/venvs/device/bin/python tools/latency_vs_torch.py --devices cpu.json --device cpu --threads 1
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recount_torchvision import MODELS  # torchvision name -> (input side, constructor kwargs)

ZOO = {"googlenet": ("googlenet_torchvision.yaml", "main"), "inception_v3": ("inception_v3_torchvision.yaml", "main"),
       "mobilenet_v2": ("mobilenet_v2_torchvision.yaml", "main"), "resnet50": ("resnet50_torchvision.yaml", "main"),
       "vgg16": ("vgg16.yaml", "torchvision")}
"""torchvision name -> (zoo spec, design): the zoo networks that torchvision builds."""


def measure(name: str, side: int, kwargs: dict, runs: int) -> float:
    """Median seconds of `runs` timed forward passes after three warm-up passes."""
    import torch
    import torchvision

    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    x = torch.randn(1, 3, side, side)
    times = []
    with torch.no_grad():
        for i in range(runs + 3):
            start = time.perf_counter()
            model(x)
            if i >= 3:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    for rank, index in enumerate(order):
        result[index] = float(rank)
    return result


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (no ties expected): 1 − 6·Σd² / (n·(n² − 1))."""
    n = len(a)
    d2 = sum((x - y) ** 2 for x, y in zip(ranks(a), ranks(b)))
    return 1 - 6 * d2 / (n * (n * n - 1))


def main() -> int:
    import torch
    import torchvision

    from costcalc.count.engine import analyze
    from costcalc.device.profiles import all_devices
    from costcalc.device.roofline import latency
    from costcalc.device.traffic import memory
    from costcalc.spec.reader import load

    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = all_devices((args.devices,))[args.device]
    lines = []
    for name, (spec, design_name) in ZOO.items():
        side, kwargs = MODELS[name]
        design = analyze(load(ROOT / "specs" / "zoo" / spec)).design(design_name)
        estimate = latency(design, memory(design), device, "float32")[""].seconds
        lines.append((name, design.total.macs, estimate, measure(name, side, kwargs, args.runs)))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {args.threads} thread(s), "
          f"median of {args.runs} runs, batch 1; device {args.device}: {device.source}")
    print("| network | MACs | estimated (ms) | measured (ms) | estimate / measured |")
    print("|---|---:|---:|---:|---:|")
    for name, macs, estimate, measured in lines:
        print(f"| {name} | {macs:,} | {estimate * 1e3:.1f} | {measured * 1e3:.1f} | {estimate / measured:.2f} |")
    measured = [m for *_, m in lines]
    print(f"spearman(estimate, measured) = {spearman([e for _, _, e, _ in lines], measured):.2f}")
    print(f"spearman(MACs, measured) = {spearman([float(m) for _, m, _, _ in lines], measured):.2f}")
    errors = [abs(e - m) / m for _, _, e, m in lines]
    print(f"median relative error = {statistics.median(errors):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
