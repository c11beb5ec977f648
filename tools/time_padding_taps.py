"""Does a runtime compute a convolution's taps that fall in the padding? docs/latency.md, "Taps in the padding".

Times, through costcalc's own exports (as `costcalc measure` builds a design), a 3×3 conv at 14×14 from 960 (and
964) to 256 channels at growing dilations, with padding equal to the dilation: at dilation 24 every tap but the
centre's falls in the padding. Beside each, the share of its (output, tap) pairs that land on the input
(`Conv.landed`). A runtime that skips the padding takes about that share of the dilation-1 time; one that computes
every tap takes the same time at every dilation. A depthwise 3×3 at 56×56×256 is timed the same way.

    python tools/time_padding_taps.py --runtime onnxruntime --threads 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = (
    ("[14, 14, 960]", "conv: {filters: 256, kernel: 3, dilation: D, padding: D, bias: false}", (1, 6, 12, 24)),
    ("[14, 14, 964]", "conv: {filters: 256, kernel: 3, dilation: D, padding: D, bias: false}", (1, 24)),
    ("[14, 14, 960]", "conv: {filters: 256, kernel: 1, bias: false}", (1,)),
    ("[56, 56, 256]", "depthwise: {kernel: 3, dilation: D, padding: D, bias: false}", (1, 24)),
)
"""(input, the layer with D for its dilation, the dilations): one spec per case, a design per dilation."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=("onnxruntime", "torch"), default="onnxruntime")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from costcalc import analyze, loads
    from costcalc.device.measure import this_machine
    from costcalc.runtimes import open_runtime
    from costcalc.tasks.measure import measure_designs

    runtime = open_runtime(args.runtime, args.threads, "tools/time_padding_taps.py")
    machine = this_machine()  # measure_designs estimates too; only the measured times are printed
    print(f"{runtime.about}\n\n| input | layer | dilation | landed share | measured µs |")
    print("| --- | --- | --- | --- | --- |")
    for shape, layer, dilations in CASES:
        designs = "\n".join(f"  d{d}:\n    - {layer.replace('D', str(d))}" for d in dilations)
        analysis = analyze(loads(f"input: {shape}\ndesigns:\n{designs}\n"))
        found = measure_designs(analysis.designs, runtime, machine, "measured now", "padding taps", rounds=args.rounds)
        for design, measured in zip(analysis.designs, found.designs):
            row = design.rows[-1]
            share = row.op.landed(row.input, row.output) / (row.output[0] * row.output[1] * row.op.taps(row.input))
            print(f"| {shape} | {layer.split(':')[0]} | {design.name[1:]} | {share:.3f} | "
                  f"{measured.timed.median_s * 1e6:,.0f} |")


if __name__ == "__main__":
    main()
