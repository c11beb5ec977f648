"""`costcalc import`: a spec from an ONNX file, a Keras model or PyTorch code."""

from __future__ import annotations

import click

from .options import parse_input
from .steps import write_output


@click.command("import", short_help="A spec from an ONNX file, a Keras model or PyTorch code.")
@click.argument("model", type=click.Path(path_type=str))
@click.option("--output", "-o", metavar="SPEC.yaml", help="Where to write the spec (default: standard output).")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="The input of a model built by code (module:callable).")
def import_command(model, output, input_shape):
    """A spec that reproduces MODEL: an ONNX file, a Keras model (.keras, or model.to_json() as .json),
    or module:callable that builds a PyTorch model (needs torch).

    Every operator is written as costcalc's layers, or refused in one line; the spec's parameters
    and MACs are the file's. A Keras model reads as `costcalc import efficientnet.keras` and, where
    torch is installed, code as `costcalc import torchvision.models:resnet18 --input 224,224,3`.

    \b
    Examples:
      costcalc export examples/bottleneck_5x5 --design separable --to onnx -o separable.onnx
      costcalc import separable.onnx -o separable.yaml
    """
    from ..bridges.framework import import_source

    write_output(output or "-", import_source(model, input_shape).text)
