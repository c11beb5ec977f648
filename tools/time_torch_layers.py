"""Time tools/time_torch_layers.py's fixed grid of single layers in PyTorch (CPU, eval mode, batch 1): a timings
file for `costcalc devices calibrate TIMINGS`.

`costcalc devices calibrate --runtime torch` does this and more by itself (a wider grid, whole networks, the
device written directly; docs/latency.md, Calibrating). This tool stays as a thin wrapper over the same code
(costcalc.runtimes: each layer exported and built as `costcalc measure --runtime torch` builds it) to redo the
reference run of docs/latency.md, "Estimated against measured", whose timings were made with this grid.

The layers are a fixed grid, chosen apart from any network: the kernels torchvision's ResNets,
VGGs, GoogLeNet, Inception v3 and MobileNetV2 run (convolutions 1×1, 3×3, strided, grouped and
depthwise; max and average pooling; batchnorm; ReLU; fully connected) at the sizes ImageNet CNNs pass through,
224×224 down to 7×7 with 64, 256 and 1024 channels (up to 224·224·64 input elements and 2G MACs a layer), the
3-channel stems, and a ReLU on 8 numbers for the per-layer overhead. The layers are timed in
rounds: each round builds every layer afresh (new weights and input), warms it up and takes the median of a
few runs. The rounds run in several processes one after another, and each layer's figure is its median over
every round of every process: on this machine the 3×3 convolutions at 1024 channels (37.7 MB of weights) run
at one of two speeds, 2 to 3 times apart, and keep that speed for the life of a process.

torch is not a costcalc dependency: run it in an environment that has both (without torch the script says so
and exits 2). It writes the file only once every layer is timed:

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 -e .
    OMP_NUM_THREADS=1 /tmp/tvenv/bin/python tools/time_torch_layers.py --threads 1 -o timings.json
    costcalc devices calibrate timings.json --devices cpu.json --device cpu-1-thread > calibrated.json
"""
import argparse
import json
import statistics
import subprocess
import sys

SIDES = (224, 112, 56, 28, 14, 7)
CHANNELS = (64, 256, 1024)
MAX_INPUT = 224 * 224 * 64
MAX_MACS = 2e9


def grid() -> list[tuple[dict | str, list[int]]]:
    """(layer as a spec writes it, input [H, W, C]) for every layer timed."""
    layers = []
    for side in SIDES:
        for channels in CHANNELS:
            if side * side * channels > MAX_INPUT:
                continue
            shape = [side, side, channels]
            for kernel, stride, groups in ((1, 1, 1), (3, 1, 1), (3, 2, 1), (3, 1, 32)):
                if side * side * channels * channels * kernel * kernel / (groups * stride * stride) <= MAX_MACS:
                    layers.append(({"conv": {"filters": channels, "kernel": kernel, "stride": stride,
                                             "padding": kernel // 2, "groups": groups}}, shape))
            layers += [({"depthwise": {"kernel": 3, "padding": 1}}, shape),
                       ({"maxpool": {"size": 3, "stride": 2, "padding": 1}}, shape),
                       ({"maxpool": {"size": 2}}, shape),
                       ({"maxpool": {"size": 3, "stride": 1, "padding": 1}}, shape),
                       ({"avgpool": {"size": 3, "stride": 1, "padding": 1}}, shape),
                       ("batchnorm", shape), ("relu", shape)]
    for kernel, stride, filters in ((7, 2, 64), (3, 1, 64), (3, 2, 32)):
        layers.append(({"conv": {"filters": filters, "kernel": kernel, "stride": stride, "padding": kernel // 2}},
                       [224, 224, 3]))
    for features, units in ((512, 1000), (1280, 1000), (2048, 1000), (4096, 4096), (25088, 4096)):
        layers.append(({"dense": {"units": units}}, [features]))
    layers.append(("relu", [1, 1, 8]))
    return layers


def time_rounds(layers: list, rounds: int, runs: int, threads: int) -> list[list[float]]:
    """Per layer, `rounds` medians of `runs` calls of a fresh instance, the layers interleaved: each built and
    timed as `costcalc devices calibrate --runtime torch` does (costcalc.runtimes)."""
    from costcalc.runtimes.layers import unit_design
    from costcalc.runtimes.pytorch import TorchRuntime
    from costcalc.runtimes.timing import median_seconds

    runtime, times = TorchRuntime(threads), [[] for _ in layers]
    for _ in range(rounds):
        for index, (layer, shape) in enumerate(layers):
            run = runtime.build(unit_design((shape, [layer])))
            run(), run()
            times[index].append(median_seconds(run, runs))
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--output", metavar="FILE", help="the timings file to write (required, but for --worker)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="rounds in each process")
    parser.add_argument("--runs", type=int, default=5, help="timed calls of each layer in a round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (args.output or args.worker):
        parser.error("name the timings file to write: -o timings.json")
    try:
        import torch
    except ImportError:
        print("time_torch_layers.py needs PyTorch, which costcalc does not install: pip install torch==2.14.1",
              file=sys.stderr)
        return 2
    layers = grid()
    if args.worker:
        json.dump(time_rounds(layers, args.rounds, args.runs, args.threads), sys.stdout)
        return 0
    worker = [sys.executable, __file__, "--worker", "--threads", str(args.threads), "--rounds", str(args.rounds),
              "--runs", str(args.runs)]
    times = [[] for _ in layers]
    for _ in range(args.processes):
        found = json.loads(subprocess.run(worker, check=True, capture_output=True, text=True).stdout)
        for mine, theirs in zip(times, found):
            mine += theirs
    seconds = [statistics.median(t) for t in times]
    timed = [{"input": shape, "layer": layer, "seconds": float(f"{s:.4g}")}
             for (layer, shape), s in zip(layers, seconds)]
    runtime = (f"torch {torch.__version__} CPU, {args.threads} thread(s), eval, batch 1, median of "
               f"{args.rounds} rounds in each of {args.processes} processes, tools/time_torch_layers.py")
    rows = ",\n".join("    " + json.dumps(t) for t in timed)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(f'{{\n  "runtime": {json.dumps(runtime)},\n  "dtype": "float32",\n'
                     f'  "layers": [\n{rows}\n  ]\n}}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
