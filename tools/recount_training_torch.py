"""Count the FLOPs of a training step (forward + backward) of torchvision CNNs with torch's own counter.

torch.utils.flop_counter.FlopCounterMode counts convolutions and matrix products (2 FLOPs per
multiply-accumulate), forward and backward: a convolution's input gradient only where its input
requires a gradient, its weight gradient only where the weight does. costcalc's training FLOPs
of conv and dense layers (costcalc.device.training: 2 × training MACs) must equal these.

It needs torch and torchvision, which costcalc does not depend on; a throwaway venv works:

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tvenv/bin/python tools/recount_training_torch.py > tests/data/reference/training_torch.tsv

Output is TSV: model, input side, total FLOPs and the FLOPs by aten operator (batch 1, random
weights, eval mode so that batchnorm keeps its running statistics, loss = output.sum()).
"""
import sys

from recount_torchvision import MODELS  # name -> (input side, constructor kwargs)


def count(name: str, side: int, kwargs: dict) -> tuple[int, dict[str, int]]:
    import torch
    import torchvision
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    x = torch.randn(1, 3, side, side)
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    by_op = {str(op): int(n) for op, n in counter.get_flop_counts()["Global"].items()}
    return int(counter.get_total_flops()), by_op


def main() -> int:
    import torch
    import torchvision

    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}; "
          "FlopCounterMode, forward + backward of output.sum(), batch 1")
    print("model\tinput\ttotal_flops\tby_operator")
    for name, (side, kwargs) in MODELS.items():
        total, by_op = count(name, side, kwargs)
        ops = ",".join(f"{op}={n}" for op, n in sorted(by_op.items()))
        print(f"{name}\t{side}\t{total}\t{ops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
