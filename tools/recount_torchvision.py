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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--ptflops-backend", choices=["pytorch", "aten"], default="pytorch")
    args = parser.parse_args(argv)
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
