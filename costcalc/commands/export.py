"""`costcalc export`: a design as an ONNX model, or PyTorch or Keras code."""

from __future__ import annotations

import click

from ..device.settings import DTYPES, DeviceSettings
from .options import completion, device_options, flags_given, parse_input, set_option
from .steps import write_output


@click.command("export", short_help="A design as an ONNX model, or PyTorch or Keras code.")
@click.argument("spec", type=click.Path(path_type=str), shell_complete=completion("spec_files"))
@click.option("--to", "target", type=click.Choice(["onnx", "pytorch", "keras"]), required=True,
              help="onnx (a model with weights), pytorch (an nn.Module) or keras (a functional-API builder).")
@click.option("--output", "-o", required=True, metavar="FILE",
              help="Where to write the model (.onnx) or the code (.py); - prints the code.")
@click.option("--design", "-d", shell_complete=completion("designs"),
              help="The design to export (default: the spec's baseline).")
@click.option("--input", "input_shape", metavar="H,W,C", callback=parse_input,
              help="Export for this input instead of the spec's.")
@set_option
@click.option("--weights", type=click.Choice(["random", "zeros", "none"]), default="random", show_default=True,
              help="ONNX weights: seeded random values (the same file every time), zeros, or none (graph inputs "
                   "with their shapes and no values, as torch.onnx.export(export_params=False): a small file to "
                   "count).")
@click.option("--figures", is_flag=True,
              help="ONNX: put costcalc's figures on each node, and write NAME.netron.json beside NAME.onnx for Netron "
                   "(docs/bridges.md).")
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="float32", show_default=True,
              help="Element type of activations, for --figures (bytes moved, latency).")
@device_options
@click.pass_context
def export_command(ctx, spec, target, output, design, input_shape, settings, weights, figures, dtype, weight_dtype,
                   fused, batch, device, devices_files):
    """Write a design as an ONNX model, a PyTorch nn.Module or a Keras builder, to train or run it.

    ONNX tensors are NCHW: a spec's [H, W, C] input is [1, C, H, W]. Each node is named by its layer's path.

    \b
    Examples:
      costcalc export examples/zoo/mobilenet_v2_keras --to onnx -o mobilenet_v2.onnx
      costcalc export examples/bottleneck_5x5 --design separable --to pytorch -o separable.py
      costcalc export examples/bottleneck_5x5 --to onnx --figures --device a100 -o bottleneck.onnx
    """
    from ..tasks.export import export_file

    if (onnx_only := flags_given(ctx, "weights", "figures")) and target != "onnx":
        raise click.UsageError(f"{onnx_only[0]} is for --to onnx")
    if (device_flags := flags_given(ctx, "device", "batch", "fused", "weight_dtype", "dtype")) and not figures:
        raise click.UsageError(f"{device_flags[0]} sets the figures: add --figures")
    if output == "-" and target == "onnx":
        raise click.UsageError("--output -: an ONNX model is binary; name a .onnx file")
    exported = export_file(spec, target, design, input_shape, settings, weights, figures,
                           DeviceSettings(dtype, weight_dtype, fused, batch), device, devices_files)
    write_output(output, exported.content)
    if exported.netron is not None:
        from ..bridges.netron import attachment_name

        write_output(attachment_name(output), exported.netron)
