"""Single-layer evidence: what fvcore, ptflops and thop count for one operation.

Each case is one layer (an nn.Module, or a functional call wrapped in a tiny
module) run on one input of batch 1.  The table shows the element counts the
rules are written in, the conventional MACs of conv/linear layers, and each
counter's headline for that layer alone.  Same requirements as
recount_torchvision.py (beside this file); without them it exits 0.

    /tmp/tvenv/bin/python tools/count_single_layers.py [--match conv]

Columns: op, layer, input shape, output shape, input elements, output
elements, conventional MACs (conv/linear only), fvcore total,
ptflops (backend pytorch), ptflops (backend aten), thop, and no_rule: the
tools (of fvcore, ptflops, thop) that have no rule for the layer and so count
it 0 without knowing it: fvcore reports an unsupported operator, ptflops (which
has no list of ops it skips on purpose) counts 0 for a module type it does not
map, thop finds no hook for the module type.
"""
import argparse
import copy
import sys

from recount_torchvision import fvcore_counts, missing_packages, ptflops_macs, quiet, thop_macs

COLUMNS = ["op", "layer", "in_shape", "out_shape", "in_elems", "out_elems",
           "macs", "fvcore", "ptflops", "ptflops_aten", "thop", "no_rule"]


def cases():
    """(op, label, module, input shape) for every case."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torchvision.models.convnext import LayerNorm2d
    from torchvision.models.shufflenetv2 import channel_shuffle
    from torchvision.ops import SqueezeExcitation

    class Fn(nn.Module):
        """Wraps a functional call; names are looked up at call time, so
        counters that patch torch / torch.nn.functional see the call."""
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn(x)

    class Scale(nn.Module):
        """ConvNeXt's layer scale: a learned (C, 1, 1) multiplier, `gamma * x` or torch.mul."""
        def __init__(self, channels, call=None):
            super().__init__()
            self.gamma = nn.Parameter(torch.ones(channels, 1, 1))
            self.call = call

        def forward(self, x):
            return self.call(self.gamma, x) if self.call else self.gamma * x

    class Stats(nn.Module):
        """Keras Normalization and Rescaling as PyTorch code writes them, with operators."""
        def __init__(self, channels, rescale=False):
            super().__init__()
            self.register_buffer("mean", torch.zeros(channels, 1, 1))
            self.register_buffer("var", torch.ones(channels, 1, 1))
            self.rescale = rescale

        def forward(self, x):
            if self.rescale:
                return x * (1 / 255) + 0.5
            return (x - self.mean) / torch.sqrt(self.var)

    def iadd(x):
        y = x.clone()
        y += x
        return y

    a, b = (1, 8, 14, 14), (1, 8, 15, 15)  # b: odd side, so ceil_mode matters
    last = (1, 14, 14, 8)  # channels last, for nn.LayerNorm(C) as ConvNeXt's blocks use it
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
        ("pool", "F.max_pool2d(x,3,2,ceil_mode=True)", Fn(lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True)),
         (1, 8, 14, 14)),
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
        ("norm", "LayerNorm(8) channels-last", nn.LayerNorm(8), last),
        ("norm", "LayerNorm(8,elementwise_affine=False) channels-last", nn.LayerNorm(8, elementwise_affine=False),
         last),
        ("norm", "LayerNorm(8,bias=False) channels-last", nn.LayerNorm(8, bias=False), last),
        ("norm", "F.layer_norm(x,(8,)) channels-last", Fn(lambda x: F.layer_norm(x, (8,))), last),
        ("norm", "LayerNorm2d(8)", LayerNorm2d(8), a),
        ("norm", "GroupNorm(4,8)", nn.GroupNorm(4, 8), a),
        ("norm", "GroupNorm(4,8,affine=False)", nn.GroupNorm(4, 8, affine=False), a),
        ("norm", "F.group_norm(x,4)", Fn(lambda x: F.group_norm(x, 4)), a),
        ("scale", "gamma * x (layer scale)", Scale(8), a),
        ("scale", "torch.mul(gamma, x) (layer scale)", Scale(8, lambda g, x: torch.mul(g, x)), a),
        ("scale", "(x - mean) / torch.sqrt(var)", Stats(8), a),
        ("scale", "x * (1/255) + 0.5", Stats(8, rescale=True), a),
        ("act", "GELU()", nn.GELU(), a),
        ("act", "GELU(approximate='tanh')", nn.GELU(approximate="tanh"), a),
        ("act", "F.gelu(x)", Fn(lambda x: F.gelu(x)), a),
        ("act", "F.leaky_relu(x)", Fn(lambda x: F.leaky_relu(x)), a),
        ("act", "ELU()", nn.ELU(), a),
        ("act", "F.elu(x)", Fn(lambda x: F.elu(x)), a),
        ("act", "Mish()", nn.Mish(), a),
        ("act", "F.mish(x)", Fn(lambda x: F.mish(x)), a),
        ("act", "PReLU()", nn.PReLU(), a),
        ("act", "PReLU(8)", nn.PReLU(8), a),
        ("act", "F.prelu(x,w)", Fn(lambda x: F.prelu(x, torch.full((8,), 0.25))), a),
        ("resize", "Upsample(size=(21,21),nearest)", nn.Upsample(size=(21, 21), mode="nearest"), a),
        ("resize", "Upsample(size=(21,21),bilinear)", nn.Upsample(size=(21, 21), mode="bilinear"), a),
        ("resize", "Upsample(x3,bilinear)", nn.Upsample(scale_factor=3, mode="bilinear"), a),
        ("resize", "F.interpolate(x,scale_factor=2,nearest)", Fn(lambda x: F.interpolate(x, scale_factor=2)), a),
        ("resize", "F.interpolate(x,size=(21,21),bilinear)",
         Fn(lambda x: F.interpolate(x, size=(21, 21), mode="bilinear")), a),
        ("resize", "F.interpolate(x,size=(7,7),bilinear)",
         Fn(lambda x: F.interpolate(x, size=(7, 7), mode="bilinear")), a),
        ("tconv", "ConvTranspose2d(8,16,3,s=2,p=1,op=1)", nn.ConvTranspose2d(8, 16, 3, 2, 1, output_padding=1), a),
        ("tconv", "ConvTranspose2d(8,16,2,s=2,bias=False)", nn.ConvTranspose2d(8, 16, 2, 2, bias=False), a),
        ("tconv", "ConvTranspose2d(8,16,3,s=2,p=1,g=4,bias=False)",
         nn.ConvTranspose2d(8, 16, 3, 2, 1, groups=4, bias=False), a),
        ("tconv", "ConvTranspose2d(8,4,3,s=1,p=2,d=2)", nn.ConvTranspose2d(8, 4, 3, 1, 2, dilation=2), a),
        ("shuffle", "ChannelShuffle(2)", nn.ChannelShuffle(2), a),
        ("shuffle", "channel_shuffle(x,2) torchvision", Fn(lambda x: channel_shuffle(x, 2)), a),
        ("crop", "x[:,:,1:-2,3:-4]", Fn(lambda x: x[:, :, 1:-2, 3:-4]), a),
        ("slice", "x[:,2:6]", Fn(lambda x: x[:, 2:6]), a),
        ("slice", "x.narrow(1,2,4)", Fn(lambda x: x.narrow(1, 2, 4)), a),
        ("slice", "x.chunk(2,dim=1)[1]", Fn(lambda x: x.chunk(2, dim=1)[1]), a),
        ("slice", "torch.split(x,[3,5],1)[1]", Fn(lambda x: torch.split(x, [3, 5], 1)[1]), a),
        *cases_1d_3d(Fn),
    ]


def cases_1d_3d(Fn):
    """Audio and video: the kinds of a 1-D and a 3-D network, op names ending in 1d and 3d."""
    import torch.nn as nn
    import torch.nn.functional as F

    seq, clip, odd = (1, 8, 50), (1, 8, 6, 10, 10), (1, 8, 7, 11, 11)
    return [
        ("conv1d", "Conv1d(8,16,3,p=1)", nn.Conv1d(8, 16, 3, padding=1), seq),
        ("conv1d", "Conv1d(8,16,9,s=4,bias=False)", nn.Conv1d(8, 16, 9, stride=4, bias=False), seq),
        ("conv1d", "Conv1d(8,16,3,p=2,d=2,g=4,bias=False)", nn.Conv1d(8, 16, 3, padding=2, dilation=2, groups=4,
                                                                  bias=False), seq),
        ("conv1d", "Conv1d(8,8,5,p=2,g=8) dw", nn.Conv1d(8, 8, 5, padding=2, groups=8), seq),
        ("bn1d", "BatchNorm1d(8) eval", nn.BatchNorm1d(8), seq),
        ("pool1d", "MaxPool1d(4)", nn.MaxPool1d(4), seq),
        ("pool1d", "AvgPool1d(3,2,p=1)", nn.AvgPool1d(3, 2, 1), seq),
        ("pool1d", "F.max_pool1d(x,4)", Fn(lambda x: F.max_pool1d(x, 4)), seq),
        ("pool1d", "F.avg_pool1d(x,x.shape[-1])", Fn(lambda x: F.avg_pool1d(x, x.shape[-1])), seq),
        ("apool1d", "AdaptiveAvgPool1d(1)", nn.AdaptiveAvgPool1d(1), seq),
        ("apool1d", "AdaptiveAvgPool1d(7) on 50", nn.AdaptiveAvgPool1d(7), seq),
        ("apool1d", "AdaptiveMaxPool1d(1)", nn.AdaptiveMaxPool1d(1), seq),
        ("conv3d", "Conv3d(8,16,3,p=1)", nn.Conv3d(8, 16, 3, padding=1), clip),
        ("conv3d", "Conv3d(8,16,(3,7,7),s=(1,2,2),p=(1,3,3),bias=False)",
         nn.Conv3d(8, 16, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), clip),
        ("conv3d", "Conv3d(8,16,(1,3,3),p=(0,1,1),bias=False)", nn.Conv3d(8, 16, (1, 3, 3), padding=(0, 1, 1),
                                                                        bias=False), clip),
        ("conv3d", "Conv3d(8,16,3,p=2,d=2,g=4,bias=False)", nn.Conv3d(8, 16, 3, padding=2, dilation=2, groups=4,
                                                                  bias=False), clip),
        ("conv3d", "Conv3d(8,8,3,p=1,g=8) dw", nn.Conv3d(8, 8, 3, padding=1, groups=8), clip),
        ("bn3d", "BatchNorm3d(8) eval", nn.BatchNorm3d(8), clip),
        ("bn3d", "BatchNorm3d(8,affine=False) eval", nn.BatchNorm3d(8, affine=False), clip),
        ("act3d", "ReLU(inplace=True) 3d", nn.ReLU(inplace=True), clip),
        ("pool3d", "MaxPool3d(3,2,p=1)", nn.MaxPool3d(3, 2, 1), odd),
        ("pool3d", "MaxPool3d((1,3,3),(1,2,2),(0,1,1))", nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)), odd),
        ("pool3d", "MaxPool3d(3,2,ceil_mode=True)", nn.MaxPool3d(3, 2, ceil_mode=True), clip),
        ("pool3d", "AvgPool3d((2,7,7),1)", nn.AvgPool3d((2, 7, 7), 1), clip),
        ("pool3d", "F.max_pool3d(x,2)", Fn(lambda x: F.max_pool3d(x, 2)), clip),
        ("pool3d", "F.avg_pool3d(x,2)", Fn(lambda x: F.avg_pool3d(x, 2)), clip),
        ("apool3d", "AdaptiveAvgPool3d(1)", nn.AdaptiveAvgPool3d(1), clip),
        ("apool3d", "AdaptiveAvgPool3d((2,3,3)) on 6x10x10", nn.AdaptiveAvgPool3d((2, 3, 3)), clip),
        ("apool3d", "AdaptiveMaxPool3d(1)", nn.AdaptiveMaxPool3d(1), clip),
        ("apool3d", "F.adaptive_avg_pool3d(x,1)", Fn(lambda x: F.adaptive_avg_pool3d(x, 1)), clip),
        ("apool3d", "x.mean((2,3,4))", Fn(lambda x: x.mean((2, 3, 4))), clip),
        ("other3d", "Flatten() 3d", nn.Flatten(), clip),
        ("resize3d", "Upsample(x2,nearest) 3d", nn.Upsample(scale_factor=2, mode="nearest"), clip),
        ("resize3d", "Upsample(x2,trilinear) 3d", nn.Upsample(scale_factor=2, mode="trilinear"), clip),
        ("resize1d", "Upsample(x2,nearest) 1d", nn.Upsample(scale_factor=2, mode="nearest"), seq),
    ]


def conventional_macs(module, in_elems, out_shape):
    """Cout/groups * Cin * kernel window per output position (transposed: per input
    position); Linear in*out."""
    import math

    import torch.nn as nn
    out_elems = math.prod(out_shape)
    if isinstance(module, nn.ConvTranspose2d):  # each input element meets Cout/groups filters
        return in_elems * module.out_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return out_elems * module.in_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return out_elems * module.in_features
    return ""


def no_rule(module, x, counts):
    """The tools that have no rule for this layer (see the module docstring)."""
    import torch
    from fvcore.nn import FlopCountAnalysis
    from ptflops.pytorch_ops import MODULES_MAPPING
    from thop.profile import register_hooks
    with quiet(), torch.no_grad():
        analysis = FlopCountAnalysis(copy.deepcopy(module), x)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analysis.total()
        unsupported = analysis.unsupported_ops()
    leaves = [m for m in module.modules() if not list(m.children())]
    tools = []
    if unsupported:
        tools.append("fvcore")
    if counts["ptflops"] == 0 and not any(type(m) in MODULES_MAPPING for m in leaves):
        tools.append("ptflops")
    if any(type(m) not in register_hooks for m in leaves):
        tools.append("thop")
    return ",".join(tools) or "-"


def count_case(module, shape):
    import torch
    module.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        out = module(x.clone())
    fv, _ = fvcore_counts(module, x.clone())
    counts = {
        "in_shape": "x".join(map(str, shape)), "out_shape": "x".join(map(str, out.shape)),
        "in_elems": x.numel(), "out_elems": out.numel(),
        "macs": conventional_macs(module, x.numel(), out.shape), "fvcore": fv,
        "ptflops": ptflops_macs(module, shape[1:], "pytorch"),
        "ptflops_aten": ptflops_macs(module, shape[1:], "aten"),
        "thop": thop_macs(module, x.clone()),
    }
    return {**counts, "no_rule": no_rule(module, x.clone(), counts)}


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
