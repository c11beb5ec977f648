"""Attention evidence: torchvision's ViTs, Swins, video Swins, MaxViT and MViTs, and how each tool counts attention.

Two tables, both TSV on standard output (tests/data/reference/attention_models.tsv, attention_models_more.tsv and
attention_layers.tsv): fvcore, ptflops, thop and FlopCounterMode.

    python tools/count_attention.py models [--models vit_b_16 swin_t]   # whole networks at two sizes
    python tools/count_attention.py layers                               # single attention layers

models: per network and input (a side, or frames x side x side for video), parameters, buffers (torchvision's Swins
keep their position index and V2's coordinate table as buffers, not weights), BatchNorm's running statistics (the
non-trainable weights), fvcore's total and its by-operator split (linear, matmul,
conv, layer_norm, ...), and at the default side ptflops' and thop's headlines. layers: one attention layer
of each kind run alone, with each tool's count and FlopCounterMode's on this machine's CPU. Needs torch,
torchvision, fvcore, ptflops and thop (see recount_torchvision.py); without them it says so and exits 0.
"""
import argparse
import contextlib
import copy
import importlib.util
import json
import sys

from recount_torchvision import NEEDED, bn_running_stats, fvcore_counts, ptflops_macs, quiet, thop_macs

# name -> (constructor kwargs, default input, other input); an input is a side, or (frames, side) for video
MODELS = {
    "vit_b_16": ({}, 224, 160), "vit_b_32": ({}, 224, 160), "vit_l_16": ({}, 224, 160),
    "vit_l_32": ({}, 224, 160), "vit_h_14": ({}, 224, 112),
    "swin_t": ({}, 224, 256), "swin_s": ({}, 224, 256), "swin_b": ({}, 224, 256),
    "swin_v2_t": ({}, 256, 224), "swin_v2_s": ({}, 256, 224), "swin_v2_b": ({}, 256, 224),
    "swin3d_t": ({}, (16, 224), (8, 112)), "swin3d_s": ({}, (16, 224), (8, 112)),
    "swin3d_b": ({}, (16, 224), (8, 112)),
    "maxvit_t": ({}, 224, 448), "mvit_v1_b": ({}, (16, 224), (8, 224)), "mvit_v2_s": ({}, (16, 224), (8, 224)),
}
MODEL_COLUMNS = ["model", "input", "params", "buffers", "bn_running_stats", "fvcore_total", "fvcore_by_operator",
                 "ptflops_macs", "thop_macs"]
LAYER_COLUMNS = ["layer", "in_shape", "params", "fvcore", "fvcore_by_operator", "fvcore_skipped", "ptflops",
                 "thop", "flop_counter_mode"]


def build(name, side):
    import torchvision.models
    kwargs = dict(MODELS[name][0])
    if name.startswith("vit"):
        kwargs["image_size"] = side
    if name.startswith("maxvit"):
        kwargs["input_size"] = (side, side)
    with quiet(), clip_size(name, side):
        return torchvision.models.get_model(name, weights=None, **kwargs).eval()


@contextlib.contextmanager
def clip_size(name, side):
    """mvit_v1_b and mvit_v2_s pass their own temporal_size and spatial_size to _mvit: overridden here."""
    from torchvision.models.video import mvit
    original = mvit._mvit

    def sized(**kwargs):
        return original(**{**kwargs, "temporal_size": side[0], "spatial_size": (side[1], side[1])})
    if name.startswith("mvit"):
        mvit._mvit = sized
    try:
        yield
    finally:
        mvit._mvit = original


def input_of(side):
    """The input's shape without the batch, channels first, and how the table writes it."""
    if isinstance(side, tuple):
        frames, side = side
        return (3, frames, side, side), f"{frames}x{side}x{side}"
    return (3, side, side), str(side)


def model_row(name, side, headlines):
    import torch
    model = build(name, side)
    shape, written = input_of(side)
    x = torch.randn(1, *shape)
    total, by_op = fvcore_counts(model, x)
    return {"model": name, "input": written, "params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()), "bn_running_stats": bn_running_stats(model),
            "fvcore_total": total,
            "fvcore_by_operator": json.dumps(by_op, sort_keys=True, separators=(",", ":")),
            "ptflops_macs": ptflops_macs(model, shape) if headlines else "-",
            "thop_macs": thop_macs(model, x) if headlines else "-"}


def flop_counter_mode(module, x):
    """torch.utils.flop_counter.FlopCounterMode's total (it counts 2 per multiply-accumulate), on CPU."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(x)
    return counter.get_total_flops()


def fvcore_skipped(module, x):
    import torch
    from fvcore.nn import FlopCountAnalysis
    with quiet(), torch.no_grad():
        analysis = FlopCountAnalysis(copy.deepcopy(module), x)
        analysis.total()
        return ",".join(f"{k}:{v}" for k, v in sorted(analysis.unsupported_ops().items())) or "-"


def layer_cases():
    """(label, module, input) for each single attention layer."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torchvision.models.maxvit import RelativePositionalMultiHeadAttention
    from torchvision.models.swin_transformer import ShiftedWindowAttention, ShiftedWindowAttentionV2
    from torchvision.models.video.mvit import MultiscaleAttention
    from torchvision.models.video.swin_transformer import ShiftedWindowAttention3d

    class SelfAttention(nn.Module):
        """nn.MultiheadAttention as torchvision's ViT calls it: self-attention, need_weights=False."""
        def __init__(self, dim, heads):
            super().__init__()
            self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=False)[0]

    class SDPA(nn.Module):
        """F.scaled_dot_product_attention on q = k = v = x, [batch, heads, L, head dim]."""
        def forward(self, x):
            return F.scaled_dot_product_attention(x, x, x)

    class Pooling(nn.Module):
        """MViT's MultiscaleAttention on tokens of a grid thw, its output only."""
        def __init__(self, thw, dim, out, heads, kernel_q, stride_q, v2):
            super().__init__()
            self.thw = thw
            self.attention = MultiscaleAttention(list(thw), dim, out, heads, kernel_q, [3, 3, 3], stride_q, [1, 2, 2],
                                                 residual_pool=v2, residual_with_cls_embed=not v2, rel_pos_embed=v2)

        def forward(self, x):
            return self.attention(x, self.thw)[0]

    torch.manual_seed(0)
    return [
        ("RelativePositionalMultiHeadAttention(64,32,49) on 16 groups",
         RelativePositionalMultiHeadAttention(64, 32, 49), torch.randn(1, 16, 49, 64)),
        ("MultiscaleAttention(32,32,2) kv pooled [1,2,2]", Pooling((2, 8, 8), 32, 32, 2, [], [], False),
         torch.randn(1, 129, 32)),
        ("MultiscaleAttention(32,64,2) q and kv pooled [1,2,2], relative, residual",
         Pooling((2, 8, 8), 32, 64, 2, [3, 3, 3], [1, 2, 2], True), torch.randn(1, 129, 32)),
        ("MultiheadAttention(64,4) need_weights=False", SelfAttention(64, 4), torch.randn(1, 50, 64)),
        ("scaled_dot_product_attention(heads 4, dim 16)", SDPA(), torch.randn(1, 4, 50, 16)),
        ("ShiftedWindowAttention(32,[7,7],[3,3],2)", ShiftedWindowAttention(32, [7, 7], [3, 3], 2),
         torch.randn(1, 14, 14, 32)),
        ("ShiftedWindowAttention(32,[7,7],[0,0],2)", ShiftedWindowAttention(32, [7, 7], [0, 0], 2),
         torch.randn(1, 14, 14, 32)),
        ("ShiftedWindowAttention(32,[7,7],[3,3],2) padded", ShiftedWindowAttention(32, [7, 7], [3, 3], 2),
         torch.randn(1, 16, 16, 32)),
        ("ShiftedWindowAttentionV2(32,[8,8],[4,4],2)", ShiftedWindowAttentionV2(32, [8, 8], [4, 4], 2),
         torch.randn(1, 16, 16, 32)),
        ("ShiftedWindowAttention3d(32,[8,7,7],[4,3,3],2)", ShiftedWindowAttention3d(32, [8, 7, 7], [4, 3, 3], 2),
         torch.randn(1, 16, 14, 14, 32)),
        ("ShiftedWindowAttention3d(32,[8,7,7],[4,3,3],2) shrunk", ShiftedWindowAttention3d(32, [8, 7, 7], [4, 3, 3], 2),
         torch.randn(1, 4, 7, 10, 32)),
    ]


def layer_row(label, module, x):
    module = module.eval()
    total, by_op = fvcore_counts(module, x)
    shape = tuple(x.shape[1:])
    return {"layer": label, "in_shape": "x".join(map(str, x.shape)),
            "params": sum(p.numel() for p in module.parameters()), "fvcore": total,
            "fvcore_by_operator": json.dumps(by_op, sort_keys=True, separators=(",", ":")),
            "fvcore_skipped": fvcore_skipped(module, x), "ptflops": ptflops_macs(module, shape),
            "thop": thop_macs(module, x), "flop_counter_mode": flop_counter_mode(module, x)}


def header(what):
    import datetime
    from importlib.metadata import version

    import fvcore
    import torch
    import torchvision
    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, fvcore {fvcore.__version__}, "
          f"ptflops {version('ptflops')}, thop {version('thop')}: weights=None, eval mode, batch 1, CPU; measured by "
          f"python tools/count_attention.py {what} on {datetime.date.today().isoformat()}.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=["models", "layers"])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    args = parser.parse_args(argv)
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        print("count_attention: not run, missing packages: " + ", ".join(missing))
        return 0
    header(args.table)
    columns = MODEL_COLUMNS if args.table == "models" else LAYER_COLUMNS
    print("\t".join(columns))
    rows = (model_row(name, side, side == MODELS[name][1]) for name in args.models for side in MODELS[name][1:]) \
        if args.table == "models" else (layer_row(*case) for case in layer_cases())
    for row in rows:
        print("\t".join(str(row[c]) for c in columns), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
