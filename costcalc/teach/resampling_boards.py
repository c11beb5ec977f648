"""The boards of the resampling kinds (model/resampling.py): resize, conv_transpose, channel_shuffle, crop, slice;
boards.py maps each class to its board."""

from __future__ import annotations

from ..model.ops import Shape, format_shape
from ..model.resampling import BILINEAR, ChannelShuffle, ConvTranspose, Crop, Resize, Slice
from .formulas import NO_MACS, Board, Line, activation_text, dims, f, formula, window_text


def _both(height: Line, width: Line, symbols: str) -> tuple[Line, ...]:
    """Ho and Wo, or one `Ho = Wo` line (written with `symbols`) where the same numbers give both."""
    if height.numbers == width.numbers:
        return (Line("Ho = Wo", symbols, height.numbers, height.value),)
    return height, width


def resize(op: Resize, inp: Shape, out: Shape) -> Board:
    lines: tuple[Line, ...] = ()
    if op.scale is not None:
        height, width = (formula(label, ((f(side, inp[axis]), f(s, op.scale[axis])),))
                         for axis, (label, side, s) in enumerate((("Ho", "H", "sh"), ("Wo", "W", "sw"))))
        lines = _both(height, width, "H·s")
        to = f"×{op.scale[0]}" if op.scale[0] == op.scale[1] else f"×{format_shape(op.scale)}"
    else:
        to = f"to {format_shape(op.size or ())}"
    work = (formula("work", ((f(str(BILINEAR), BILINEAR), *dims(out)),)),) if op.mode == "bilinear" else ()
    how = ("four neighbours weighted and summed, 4 multiplications and 3 additions per output element"
           if op.mode == "bilinear" else "a copy of the nearest input element: no arithmetic")
    return Board(f"resize {op.mode} {to}, {format_shape(inp)} → {format_shape(out)}", lines, work,
                 (f"{NO_MACS}, no params: {how}",))


def _transpose_side(op: ConvTranspose, size: int, axis: int, value: int) -> Line:
    """Ho or Wo of a transposed convolution, written as the rule that gives it."""
    H, s, k, d = ("H", "W")[axis], op.stride[axis], op.kernel[axis], op.dilation[axis]
    extent = d * (k - 1) + 1
    kh = ("kh", "kw")[axis]
    extra = None if op.output_padding is None else op.output_padding[axis]
    if op.padding == "same" and extra is None:
        return Line(("Ho", "Wo")[axis], f"{H}·s", f"{size}·{s}", value)
    span, spans = (kh, str(k)) if d == 1 else (f"d·({kh} − 1) + 1", f"{d}·({k} − 1) + 1")
    head, heads = f"({H} − 1)·s", f"({size} − 1)·{s}"
    if op.padding == "same":
        tail, tails = f" + ({kh} mod 2) + op", f" + {extent % 2} + {extra}"
    elif isinstance(op.padding, str):  # valid
        tail, tails = (f" + max({span}, s)", f" + {max(extent, s)}") if extra is None else \
            (f" + {span} + op", f" + {spans} + {extra}")
    else:
        before, after = op.padding[2 * axis:2 * axis + 2]
        if before == after:
            tail, tails = f" − 2·p + {span}", f" − 2·{before} + {spans}"
        else:
            names = ("pt − pb", "pl − pr")[axis]
            tail, tails = f" − {names} + {span}", f" − {before} − {after} + {spans}"
        if extra:
            tail, tails = tail + " + op", tails + f" + {extra}"
    return Line(("Ho", "Wo")[axis], head + tail, heads + tails, value)


def conv_transpose(op: ConvTranspose, inp: Shape, out: Shape) -> Board:
    groups = op.groups
    cout = f("Cout/g", out[2] // groups, f"{out[2]}/{groups}") if groups > 1 else f("Cout", out[2])
    k = (f("kh", op.kernel[0]), f("kw", op.kernel[1]))
    extra = [f"groups {groups}"] if groups > 1 else []
    if op.output_padding is not None:
        a, b = op.output_padding
        extra.append(f"output_padding {a if a == b else format_shape(op.output_padding)}")
    params = [((*k, f("Cin", inp[2]), cout),)] + ([((f("Cout", out[2]),),)] if op.bias else [])
    thop = out[0] * out[1] * out[2] * (inp[2] // groups) * op.kernel[0] * op.kernel[1]
    return Board(
        f"conv_transpose {format_shape(op.kernel)}, {inp[2]} → {out[2]} channels, on {inp[0]}×{inp[1]} "
        f"{window_text(op, extra=tuple(extra))}{activation_text(op)}",
        tuple(_transpose_side(op, inp[axis], axis, out[axis]) for axis in (0, 1)),
        (formula("MACs", ((f("H", inp[0]), f("W", inp[1]), f("Cin", inp[2])), (cout,), k)), formula("params", *params)),
        ("each input element is multiplied by Cout/groups kernels of kh×kw, which overlap in the output: the MACs of "
         f"fvcore and ptflops; thop counts by output, Ho·Wo·Cout·(Cin/groups)·kh·kw = {thop:,}",),
    )


def channel_shuffle(op: ChannelShuffle, inp: Shape, out: Shape) -> Board:
    return Board(f"channel_shuffle, {op.groups} groups of {inp[-1] // op.groups} channels, on {format_shape(inp)}",
                 notes=("no cost: a permutation of the channels",))


def crop(op: Crop, inp: Shape, out: Shape) -> Board:
    top, bottom, left, right = op.cropping
    return Board(
        f"crop [{top}, {bottom}, {left}, {right}] on {format_shape(inp)}",
        (Line("Ho", "H − top − bottom", f"{inp[0]} − {top} − {bottom}", out[0]),
         Line("Wo", "W − left − right", f"{inp[1]} − {left} − {right}", out[1])),
        (), ("no cost: rows and columns dropped at the border",),
    )


def slice_(op: Slice, inp: Shape, out: Shape) -> Board:
    end = inp[-1] if op.end is None else op.end
    return Board(f"slice of channels [{op.start}, {end}) on {format_shape(inp)}",
                 (Line("Co", "end − start", f"{end} − {op.start}", out[-1]),), (),
                 ("no cost: the channels copied, no arithmetic (fvcore, ptflops and thop count 0)",))


EXPLAINERS = {Resize: resize, ConvTranspose: conv_transpose, ChannelShuffle: channel_shuffle, Crop: crop,
              Slice: slice_}
