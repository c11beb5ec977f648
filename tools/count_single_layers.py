"""Single-layer evidence: what fvcore, ptflops and thop count for one operation.

Each case is one layer (an nn.Module, or a functional call wrapped in a tiny
module) run on one input of batch 1.  The table shows the element counts the
rules are written in, the conventional MACs of conv/linear layers, and each
counter's headline for that layer alone.  Same requirements as
recount_torchvision.py (beside this file); without them it exits 0.

    /tmp/tvenv/bin/python tools/count_single_layers.py [--match conv]

Columns: op, layer, input shape, output shape, input elements, output
elements, conventional MACs (conv/linear only), fvcore total,
ptflops (backend pytorch), ptflops (backend aten), thop.
"""
import argparse
import sys

from recount_torchvision import (fvcore_counts, missing_packages, ptflops_macs,
                                 thop_macs)

COLUMNS = ["op", "layer", "in_shape", "out_shape", "in_elems", "out_elems",
           "macs", "fvcore", "ptflops", "ptflops_aten", "thop"]


def cases():
    """(op, label, module, input shape) for every case."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torchvision.ops import SqueezeExcitation

    class Fn(nn.Module):
        """Wraps a functional call; names are looked up at call time, so
        counters that patch torch / torch.nn.functional see the call."""
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn(x)

    def iadd(x):
        y = x.clone()
        y += x
        return y

    a, b = (1, 8, 14, 14), (1, 8, 15, 15)  # b: odd side, so ceil_mode matters
    return [
        ("conv", "Conv2d(8,16,3,p=1)", nn.Conv2d(8, 16, 3, padding=1), a),
        ("conv", "Conv2d(8,16,3,p=1,bias=False)", nn.Conv2d(8, 16, 3, padding=1, bias=False), a),
        ("conv", "Conv2d(8,16,3,s=2,p=1,bias=False)", nn.Conv2d(8, 16, 3, 2, 1, bias=False), a),
        ("conv", "Conv2d(8,16,3,p=2,d=2,bias=False)", nn.Conv2d(8, 16, 3, padding=2, dilation=2, bias=False), a),
        ("conv", "Conv2d(8,16,3,p=1,g=4,bias=False)", nn.Conv2d(8, 16, 3, padding=1, groups=4, bias=False), a),
        ("conv", "Conv2d(8,8,3,p=1,g=8,bias=False) dw", nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), a),
        ("conv", "Conv2d(8,8,3,p=1,g=8) dw+bias", nn.Conv2d(8, 8, 3, padding=1, groups=8), a),
        ("conv", "Conv2d(8,16,1,bias=False)", nn.Conv2d(8, 16, 1, bias=False), a),
        ("linear", "Linear(64,10)", nn.Linear(64, 10), (1, 64)),
        ("linear", "Linear(64,10,bias=False)", nn.Linear(64, 10, bias=False), (1, 64)),
        ("linear", "Linear(64,10) 3-D input", nn.Linear(64, 10), (1, 5, 64)),
        ("bn", "BatchNorm2d(8) eval", nn.BatchNorm2d(8), a),
        ("bn", "BatchNorm2d(8,affine=False) eval", nn.BatchNorm2d(8, affine=False), a),
        ("act", "ReLU()", nn.ReLU(), a),
        ("act", "ReLU(inplace=True)", nn.ReLU(inplace=True), a),
        ("act", "ReLU6(inplace=True)", nn.ReLU6(inplace=True), a),
        ("act", "Sigmoid()", nn.Sigmoid(), a),
        ("act", "Hardswish()", nn.Hardswish(), a),
        ("act", "Hardsigmoid()", nn.Hardsigmoid(), a),
        ("act", "SiLU()", nn.SiLU(), a),
        ("act", "Tanh()", nn.Tanh(), a),
        ("act", "LeakyReLU()", nn.LeakyReLU(), a),
        ("act", "Softmax(dim=1) on (1,1000)", nn.Softmax(dim=1), (1, 1000)),
        ("act", "Softmax(dim=1) on NCHW", nn.Softmax(dim=1), a),
        ("act", "F.relu(x, inplace=True)", Fn(lambda x: F.relu(x, inplace=True)), a),
        ("act", "torch.relu(x)", Fn(lambda x: torch.relu(x)), a),
        ("act", "F.relu6(x)", Fn(lambda x: F.relu6(x)), a),
        ("act", "torch.sigmoid(x)", Fn(lambda x: torch.sigmoid(x)), a),
        ("act", "F.hardswish(x)", Fn(lambda x: F.hardswish(x)), a),
        ("act", "F.silu(x)", Fn(lambda x: F.silu(x)), a),
        ("pool", "MaxPool2d(3,2)", nn.MaxPool2d(3, 2), b),
        ("pool", "MaxPool2d(3,2,ceil_mode=True)", nn.MaxPool2d(3, 2, ceil_mode=True), (1, 8, 14, 14)),
        ("pool", "MaxPool2d(3,1,p=1)", nn.MaxPool2d(3, 1, 1), b),
        ("pool", "MaxPool2d(2,2)", nn.MaxPool2d(2, 2), a),
        ("pool", "AvgPool2d(3,2)", nn.AvgPool2d(3, 2), b),
        ("pool", "AvgPool2d(3,2,ceil_mode=True)", nn.AvgPool2d(3, 2, ceil_mode=True), (1, 8, 14, 14)),
        ("pool", "AvgPool2d(3,1,p=1)", nn.AvgPool2d(3, 1, 1), b),
        ("pool", "AvgPool2d(3,1,p=1,count_include_pad=False)", nn.AvgPool2d(3, 1, 1, count_include_pad=False), b),
        ("pool", "F.max_pool2d(x,3,2)", Fn(lambda x: F.max_pool2d(x, 3, 2)), b),
        ("pool", "F.max_pool2d(x,3,2,ceil_mode=True)", Fn(lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True)), (1, 8, 14, 14)),
        ("pool", "F.avg_pool2d(x,3,1,1)", Fn(lambda x: F.avg_pool2d(x, 3, 1, 1)), b),
        ("apool", "AdaptiveAvgPool2d(1)", nn.AdaptiveAvgPool2d(1), a),
        ("apool", "AdaptiveAvgPool2d(7) on 14x14", nn.AdaptiveAvgPool2d(7), a),
        ("apool", "AdaptiveAvgPool2d(7) on 7x7", nn.AdaptiveAvgPool2d(7), (1, 8, 7, 7)),
        ("apool", "AdaptiveAvgPool2d(6) on 15x15", nn.AdaptiveAvgPool2d(6), b),
        ("apool", "AdaptiveMaxPool2d(1)", nn.AdaptiveMaxPool2d(1), a),
        ("apool", "F.adaptive_avg_pool2d(x,1)", Fn(lambda x: F.adaptive_avg_pool2d(x, 1)), a),
        ("apool", "F.adaptive_avg_pool2d(x,(1,1))", Fn(lambda x: F.adaptive_avg_pool2d(x, (1, 1))), a),
        ("apool", "F.adaptive_max_pool2d(x,1)", Fn(lambda x: F.adaptive_max_pool2d(x, 1)), a),
        ("apool", "x.mean((2,3))", Fn(lambda x: x.mean((2, 3))), a),
        ("add", "torch.add(x,x)", Fn(lambda x: torch.add(x, x)), a),
        ("add", "x.add(x)", Fn(lambda x: x.add(x)), a),
        ("add", "x + x", Fn(lambda x: x + x), a),
        ("add", "y = x.clone(); y += x", Fn(iadd), a),
        ("cat", "torch.cat([x,x],1)", Fn(lambda x: torch.cat([x, x], 1)), a),
        ("mul", "torch.mul(x, x[:,:,:1,:1])", Fn(lambda x: torch.mul(x, x[:, :, :1, :1])), a),
        ("mul", "x * x[:,:,:1,:1]", Fn(lambda x: x * x[:, :, :1, :1]), a),
        ("mul", "SqueezeExcitation(8,2) block", SqueezeExcitation(8, 2), a),
        ("other", "Flatten()", nn.Flatten(), a),
        ("other", "torch.flatten(x,1)", Fn(lambda x: torch.flatten(x, 1)), a),
        ("other", "Dropout(0.5) eval", nn.Dropout(0.5), a),
        ("other", "ZeroPad2d(1)", nn.ZeroPad2d(1), a),
        ("other", "Identity()", nn.Identity(), a),
        ("other", "Upsample(x2,nearest)", nn.Upsample(scale_factor=2, mode="nearest"), a),
        ("other", "Upsample(x2,bilinear)", nn.Upsample(scale_factor=2, mode="bilinear"), a),
    ]


def conventional_macs(module, out_shape):
    """Cout/groups * Cin * kernel window per output position; Linear in*out."""
    import torch.nn as nn
    out_elems = 1
    for d in out_shape:
        out_elems *= d
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return out_elems * module.in_channels // module.groups * kh * kw
    if isinstance(module, nn.Linear):
        return out_elems * module.in_features
    return ""


def count_case(module, shape):
    import torch
    module.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        out = module(x.clone())
    fv, _ = fvcore_counts(module, x.clone())
    return {
        "in_shape": "x".join(map(str, shape)), "out_shape": "x".join(map(str, out.shape)),
        "in_elems": x.numel(), "out_elems": out.numel(),
        "macs": conventional_macs(module, out.shape), "fvcore": fv,
        "ptflops": ptflops_macs(module, shape[1:], "pytorch"),
        "ptflops_aten": ptflops_macs(module, shape[1:], "aten"),
        "thop": thop_macs(module, x.clone()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--match", default="", help="only cases whose op or layer contains this")
    args = parser.parse_args(argv)
    missing = missing_packages()
    if missing:
        print("count_single_layers: not run, missing packages: " + ", ".join(missing))
        return 0
    import torch
    torch.manual_seed(0)
    print("\t".join(COLUMNS))
    for op, label, module, shape in cases():
        if args.match and args.match not in op and args.match not in label:
            continue
        row = dict(op=op, layer=label, **count_case(module, shape))
        print("\t".join(str(row[c]) for c in COLUMNS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
