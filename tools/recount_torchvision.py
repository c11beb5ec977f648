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

--two-sizes measures the networks of spec format 1.1 (#11) each at two input
sizes, with torch, torchvision and fvcore only, as in
tests/data/reference/torchvision_sizes.tsv: params, batchnorm running stats,
fvcore conv and linear MACs, fvcore's total and the output shape, channels
last (a segmentation model's out["out"]; its aux output is off, torchvision's
default).
"""
import argparse
import contextlib
import copy
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
# name -> input sides, for --two-sizes; built by torchvision.models.get_model(name, weights=None).
TWO_SIZES = {
    "convnext_tiny": (224, 197),
    "fcn_resnet50": (520, 224),
    "lraspp_mobilenet_v3_large": (520, 224),
}
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


def recount_sizes(name, side):
    """One row of --two-sizes: fvcore's conv and linear MACs and the output shape at side x side."""
    import torch
    import torchvision.models
    with quiet():
        model = torchvision.models.get_model(name, weights=None, weights_backbone=None).eval()
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


def print_two_sizes():
    import datetime

    import fvcore
    import torch
    import torchvision
    print(f"# torch {torch.__version__}, torchvision {torchvision.__version__}, fvcore {fvcore.__version__}:"
          " get_model(name, weights=None, weights_backbone=None), eval mode, batch 1; measured by"
          f" python tools/recount_torchvision.py --two-sizes on {datetime.date.today().isoformat()}.")
    print("# params: parameter numel; bn_running_stats: running_mean + running_var elements; conv_macs, linear_macs:"
          " fvcore by_operator; fvcore_total: FlopCountAnalysis(model, x).total(); output: the output shape"
          " (segmentation: out['out']) channels last, without batch.")
    print("\t".join(SIZES_COLUMNS))
    for name, sides in TWO_SIZES.items():
        for side in sides:
            row = recount_sizes(name, side)
            print("\t".join(str(row[c]) for c in SIZES_COLUMNS), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--ptflops-backend", choices=["pytorch", "aten"], default="pytorch")
    parser.add_argument("--two-sizes", action="store_true",
                        help="the networks of #11 at two input sizes, with fvcore only")
    args = parser.parse_args(argv)
    if args.two_sizes:
        missing = [name for name in NEEDED[:3] if importlib.util.find_spec(name) is None]
        if missing:
            print("recount_torchvision: not run, missing packages: " + ", ".join(missing))
            return 0
        print_two_sizes()
        return 0
    missing = missing_packages()
    if missing:
        print("recount_torchvision: not run, missing packages: " + ", ".join(missing)
              + " (see this script's docstring for a throwaway venv)")
        return 0
    import torch
    torch.manual_seed(0)
    print("\t".join(COLUMNS))
    for name in args.models:
        row = recount(name, args.ptflops_backend)
        print("\t".join(str(row[c]) for c in COLUMNS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
