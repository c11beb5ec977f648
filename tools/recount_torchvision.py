"""Recount five torchvision CNNs with fvcore, ptflops and thop.

Use it to check costcalc's zoo figures against the frameworks' own counters.
It needs torch, torchvision, fvcore, ptflops and thop, none of which costcalc
depends on; without them it says so and exits 0.  A throwaway venv works:

    python3 -m venv /tmp/tvenv
    /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tvenv/bin/pip install fvcore ptflops thop
    /tmp/tvenv/bin/python tools/recount_torchvision.py [--models resnet50 vgg16]

Output is TSV, one row per model (batch 1, eval mode, random weights):
params, batchnorm running stats (running_mean + running_var elements),
fvcore conv and linear MACs (by_operator), fvcore total, the ptflops MACs
headline (get_model_complexity_info, as_strings=False, backend "pytorch")
and the thop.profile headline.  --ptflops-backend aten gives the other
ptflops engine (conv + matmul only).

--two-sizes measures the zoo's torchvision networks (specs/models.tsv) each at
two input sizes, with torch, torchvision and fvcore only, as in
tests/data/reference/torchvision_sizes.tsv: params, batchnorm running stats,
fvcore conv and linear MACs, fvcore's total and the output shape, channels
last (a segmentation model's out["out"]; its aux output is off, torchvision's
default).  The sizes are the default (the crop of the model's DEFAULT weights'
transforms; 520 for segmentation) and 197 (224 for segmentation); googlenet and
inception_v3 are built with aux_logits=False.  --models picks some of them.

--quantized measures torchvision's quantizable models (quantization module,
quantize=False: the float network between a QuantStub and a DeQuantStub, which
hold no weights) at their default size the same way, googlenet and inception_v3
with aux_logits=False as their float twins, as in
tests/data/reference/torchvision_quantized.tsv.
--fpn measures torchvision's detection backbone, resnet_fpn_backbone(backbone_name=NAME, weights=None) with its
defaults (FrozenBatchNorm2d, trainable_layers=3: conv1 and layer1 frozen, LastLevelMaxPool), for resnet18 and
resnet50 at 224 and 197, as in tests/data/reference/fpn.tsv: trainable parameters (requires_grad), non-trainable
ones (frozen parameters and the FrozenBatchNorm2d buffers: weight, bias, running mean and variance), fvcore's conv
MACs, its upsample count and total, and each of the five outputs ('0', '1', '2', '3', 'pool') channels last.
"""
import argparse
import contextlib
import copy
import importlib.metadata
import importlib.util
import inspect
import io
import logging
import sys
import warnings

# name -> (input side, constructor kwargs); weights are never downloaded.
MODELS = {
    "googlenet": (224, {"aux_logits": False, "init_weights": False}),
    "inception_v3": (299, {"aux_logits": False, "init_weights": False}),
    "mobilenet_v2": (224, {}),
    "resnet50": (224, {}),
    "vgg16": (224, {}),
}
# For --two-sizes: every classification and segmentation CNN of torchvision's registry (no transformer, no video),
# built by torchvision.models.get_model(name, weights=None, **kwargs).
NOT_CNN = ("vit_", "swin", "maxvit", "mvit")
BUILD_KWARGS = {"googlenet": {"aux_logits": False, "init_weights": False},
                "inception_v3": {"aux_logits": False, "init_weights": False}}
# name -> (frames, height, width) inputs, for --video: the default (the weights' crop, 16 frames) and one other.
VIDEO = {
    "r3d_18": ((16, 112, 112), (8, 128, 171)),
    "mc3_18": ((16, 112, 112), (8, 128, 171)),
    "r2plus1d_18": ((16, 112, 112), (8, 128, 171)),
    "s3d": ((16, 224, 224), (14, 256, 320)),
    "m5": ((32000,), (16000,)),  # M5 of Dai et al. 2017 (below), on one channel of audio samples
}
VIDEO_COLUMNS = ["model", "input", "params", "bn_running_stats", "conv_macs", "linear_macs", "fvcore_total",
                 "ptflops_macs", "thop_macs", "output"]
FPN_BACKBONES = ("resnet18", "resnet50")
FPN_SIDES = (224, 197)
FPN_COLUMNS = ["model", "input", "trainable", "non_trainable", "conv_macs", "upsample_nearest", "fvcore_total",
               "outputs"]
SIZES_COLUMNS = ["model", "input", "params", "bn_running_stats", "conv_macs", "linear_macs", "fvcore_total", "output"]
COLUMNS = ["model", "input", "params", "bn_running_stats", "conv_macs",
           "linear_macs", "fvcore_total", "ptflops_macs", "thop_macs"]
NEEDED = ("torch", "torchvision", "fvcore", "ptflops", "thop")


def missing_packages():
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


@contextlib.contextmanager
def quiet():
    """Silence the counters' prints, warnings and log lines."""
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def fvcore_counts(model, x):
    """(total, by_operator) from fvcore.nn.FlopCountAnalysis with its defaults."""
    import torch
    with quiet(), torch.no_grad():
        from fvcore.nn import FlopCountAnalysis
        analysis = FlopCountAnalysis(copy.deepcopy(model), x)
        return int(analysis.total()), {k: int(v) for k, v in analysis.by_operator().items()}


def ptflops_macs(model, shape, backend="pytorch"):
    """MACs headline of ptflops.get_model_complexity_info for input (1, *shape)."""
    import torch
    from ptflops import get_model_complexity_info
    kwargs = {}
    if "backend" in inspect.signature(get_model_complexity_info).parameters:
        kwargs["backend"] = backend  # ptflops >= 0.7.3; older ones are pytorch-only
    with quiet(), torch.no_grad():
        macs, _ = get_model_complexity_info(
            copy.deepcopy(model), tuple(shape), as_strings=False,
            print_per_layer_stat=False, verbose=False, **kwargs)
    return None if macs is None else int(macs)


def thop_macs(model, x):
    """MACs headline of thop.profile (it adds buffers, so work on a copy)."""
    import thop
    with quiet():
        macs, _ = thop.profile(copy.deepcopy(model), inputs=(x,), verbose=False)
    return int(macs)


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def bn_running_stats(model):
    return sum(b.numel() for name, b in model.named_buffers()
               if name.endswith(("running_mean", "running_var")))


def build(name):
    side, kwargs = MODELS[name]
    with quiet():
        import torchvision.models
        model = getattr(torchvision.models, name)(weights=None, **kwargs)
    return model.eval(), side


def recount(name, backend="pytorch"):
    import torch
    model, side = build(name)
    x = torch.randn(1, 3, side, side)
    total, by_op = fvcore_counts(model, x)
    return {
        "model": name, "input": side, "params": param_count(model),
        "bn_running_stats": bn_running_stats(model),
        "conv_macs": by_op.get("conv", 0), "linear_macs": by_op.get("linear", 0),
        "fvcore_total": total,
        "ptflops_macs": ptflops_macs(model, (3, side, side), backend),
        "thop_macs": thop_macs(model, x),
    }


def output_of(model, key):
    """model with its dict output narrowed to out[key], a tensor fvcore can trace."""
    import torch

    class OutputOf(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x)[key]

    return OutputOf()


def zoo_models():
    """{name: (default side, other side)} for --two-sizes, in the registry's order."""
    import torchvision.models as models
    segmentation = set(models.list_models(module=models.segmentation))
    others = {*models.list_models(module=models.detection), *models.list_models(module=models.optical_flow),
              *models.list_models(module=models.quantization), *models.list_models(module=models.video)}
    sides = {}
    for name in models.list_models():
        if name in others or name.startswith(NOT_CNN):
            continue
        if name in segmentation:
            sides[name] = (520, 224)
        else:
            sides[name] = (models.get_model_weights(name).DEFAULT.transforms().crop_size[0], 197)
    return sides


def quantized_models():
    """{name: (default side,)} for --quantized: torchvision's quantizable models, in the registry's order."""
    import torchvision.models as models
    return {name: (models.get_model_weights(name).DEFAULT.transforms().crop_size[0],)
            for name in models.list_models(module=models.quantization)}


def build_sized(name):
    import torchvision.models as models
    kwargs: dict[str, object] = dict(BUILD_KWARGS.get(name.removeprefix("quantized_"), {}))
    if name in models.list_models(module=models.segmentation):
        kwargs["weights_backbone"] = None
    with quiet():
        return models.get_model(name, weights=None, **kwargs).eval()


def recount_sizes(name, side):
    """One row of --two-sizes: fvcore's conv and linear MACs and the output shape at side x side."""
    import torch
    model = build_sized(name)
    x = torch.randn(1, 3, side, side)
    with torch.no_grad():
        out = model(x)
    if isinstance(out, dict):  # segmentation: fvcore traces tensors, not dicts
        model, out = output_of(model, "out"), out["out"]
    total, by_op = fvcore_counts(model, x)
    shape = list(out.shape[1:])
    return {
        "model": name, "input": side, "params": param_count(model),
        "bn_running_stats": bn_running_stats(model),
        "conv_macs": by_op.get("conv", 0), "linear_macs": by_op.get("linear", 0),
        "fvcore_total": total, "output": "x".join(str(d) for d in shape[1:] + shape[:1]),
    }


def fpn_backbone(name):
    """torchvision's resnet_fpn_backbone with its defaults, returning its outputs as a tuple fvcore can trace."""
    import torch
    from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
    with quiet():
        model = resnet_fpn_backbone(backbone_name=name, weights=None).eval()

    class Outputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return tuple(self.model(x).values())

    return model, Outputs()


def recount_fpn(name, side):
    """One row of --fpn: parameters trainable and not, fvcore's counts and each named output at side x side."""
    import torch
    model, traced = fpn_backbone(name)
    x = torch.randn(1, 3, side, side)
    with torch.no_grad():
        out = model(x)
    total, by_op = fvcore_counts(traced, x)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    shapes = ",".join(f"{key}:{'x'.join(str(d) for d in [*v.shape[2:], v.shape[1]])}" for key, v in out.items())
    return {
        "model": name, "input": side, "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "non_trainable": frozen + sum(b.numel() for b in model.buffers()), "conv_macs": by_op.get("conv", 0),
        "upsample_nearest": by_op.get("upsample_nearest2d", 0), "fvcore_total": total, "outputs": shapes,
    }


def print_fpn():
    import datetime

    import fvcore
    import torch
    import torchvision
    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, fvcore {fvcore.__version__}:"
          " resnet_fpn_backbone(backbone_name=model, weights=None) with its defaults (FrozenBatchNorm2d,"
          " trainable_layers=3, LastLevelMaxPool), eval mode, batch 1; measured by"
          f" python tools/recount_torchvision.py --fpn on {datetime.date.today().isoformat()}.")
    print("# trainable: parameters with requires_grad; non_trainable: the others and every buffer (FrozenBatchNorm2d's"
          " weight, bias, running_mean, running_var); conv_macs, upsample_nearest: fvcore by_operator; fvcore_total:"
          " FlopCountAnalysis total; outputs: name:shape channels last, without batch.")
    print("\t".join(FPN_COLUMNS))
    for name in FPN_BACKBONES:
        for side in FPN_SIDES:
            row = recount_fpn(name, side)
            print("\t".join(str(row[c]) for c in FPN_COLUMNS), flush=True)


def m5(classes=10):
    """M5 of Dai et al. 2017 (Very deep convolutional neural networks for raw waveforms, Table 1): a conv of 80
    taps at stride 4, three of 3 taps (128, 128, 256, 512 filters), each with batchnorm, ReLU and max pooling by 4,
    then global average pooling and a linear classifier."""
    import torch.nn as nn
    layers, channels = [], 1
    for filters, kernel, stride in ((128, 80, 4), (128, 3, 1), (256, 3, 1), (512, 3, 1)):
        layers += [nn.Conv1d(channels, filters, kernel, stride), nn.BatchNorm1d(filters), nn.ReLU(inplace=True),
                   nn.MaxPool1d(4)]
        channels = filters
    return nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(channels, classes))


def recount_video(name, size):
    """One row of --video: every counter's figures at input (1, channels, *size), the output channels last."""
    import torch
    import torchvision.models
    with quiet():
        model = m5() if name == "m5" else torchvision.models.get_model(name, weights=None)
    model.eval()
    shape = (1 if name == "m5" else 3, *size)
    x = torch.randn(1, *shape)
    with torch.no_grad():
        out = model(x)
    total, by_op = fvcore_counts(model, x)
    dims = list(out.shape[1:])
    return {
        "model": name, "input": "x".join(map(str, size)), "params": param_count(model),
        "bn_running_stats": bn_running_stats(model),
        "conv_macs": by_op.get("conv", 0), "linear_macs": by_op.get("linear", 0), "fvcore_total": total,
        "ptflops_macs": ptflops_macs(model, shape), "thop_macs": thop_macs(model, x),
        "output": "x".join(str(d) for d in dims[1:] + dims[:1]),
    }


def print_video(names):
    import datetime

    import fvcore
    import thop
    import torch
    import torchvision
    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, fvcore {fvcore.__version__}, ptflops"
          f" {importlib.metadata.version('ptflops')}, thop {thop.__version__}: get_model(name, weights=None) (m5: the"
          " module in tools/recount_torchvision.py), eval mode, batch 1; measured by python"
          f" tools/recount_torchvision.py --video on {datetime.date.today().isoformat()}.")
    print("# input: frames x height x width (m5: samples); params: parameter numel; bn_running_stats: running_mean +"
          " running_var elements; conv_macs, linear_macs: fvcore by_operator; fvcore_total: FlopCountAnalysis total;"
          " ptflops_macs: get_model_complexity_info (pytorch backend); thop_macs: thop.profile; output: channels last.")
    print("\t".join(VIDEO_COLUMNS))
    for name in names:
        for size in VIDEO[name]:
            row = recount_video(name, size)
            print("\t".join(str(row[c]) for c in VIDEO_COLUMNS), flush=True)


def print_two_sizes(names=None, quantized=False):
    import datetime

    import fvcore
    import torch
    import torchvision
    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, fvcore {fvcore.__version__}:"
          " get_model(name, weights=None) (segmentation: weights_backbone=None; googlenet, inception_v3"
          f"{' and their quantizable twins' if quantized else ''}: aux_logits=False"
          f"{'; quantize=False, the default' if quantized else ''}), eval mode, batch 1; measured by python"
          " tools/recount_torchvision.py"
          f" {'--quantized' if quantized else '--two-sizes'} on {datetime.date.today().isoformat()}.")
    print("# params: parameter numel; bn_running_stats: running_mean + running_var elements; conv_macs, linear_macs:"
          " fvcore by_operator; fvcore_total: FlopCountAnalysis(model, x).total(); output: the output shape"
          " (segmentation: out['out']) channels last, without batch.")
    print("\t".join(SIZES_COLUMNS))
    for name, sides in (quantized_models() if quantized else zoo_models()).items():
        if names and name not in names:
            continue
        for side in sides:
            row = recount_sizes(name, side)
            print("\t".join(str(row[c]) for c in SIZES_COLUMNS), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", help=f"some of {', '.join(MODELS)} (--two-sizes: any it measures)")
    parser.add_argument("--ptflops-backend", choices=["pytorch", "aten"], default="pytorch")
    parser.add_argument("--two-sizes", action="store_true",
                        help="the zoo's torchvision CNNs at two input sizes, with fvcore only")
    parser.add_argument("--video", nargs="*", choices=list(VIDEO),
                        help="torchvision's video networks and an audio CNN (M5), 1-D and 3-D, at two input sizes")
    parser.add_argument("--quantized", action="store_true",
                        help="torchvision's quantizable models (quantize=False) at their default size, as --two-sizes")
    parser.add_argument("--fpn", action="store_true",
                        help="torchvision's resnet_fpn_backbone (ResNet-18 and -50) at two input sizes, with fvcore")
    args = parser.parse_args(argv)
    if args.fpn:
        missing = [name for name in NEEDED[:3] if importlib.util.find_spec(name) is None]
        if missing:
            print("recount_torchvision: not run, missing packages: " + ", ".join(missing))
            return 0
        print_fpn()
        return 0
    if args.video is not None:
        missing = missing_packages()
        if missing:
            print("recount_torchvision: not run, missing packages: " + ", ".join(missing))
            return 0
        print_video(args.video or list(VIDEO))
        return 0
    if args.two_sizes or args.quantized:
        missing = [name for name in NEEDED[:3] if importlib.util.find_spec(name) is None]
        if missing:
            print("recount_torchvision: not run, missing packages: " + ", ".join(missing))
            return 0
        print_two_sizes(args.models, args.quantized)
        return 0
    missing = missing_packages()
    if missing:
        print("recount_torchvision: not run, missing packages: " + ", ".join(missing)
              + " (see this script's docstring for a throwaway venv)")
        return 0
    import torch
    torch.manual_seed(0)
    print("\t".join(COLUMNS))
    for name in args.models or MODELS:
        row = recount(name, args.ptflops_backend)
        print("\t".join(str(row[c]) for c in COLUMNS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
