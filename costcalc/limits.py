"""The documented bounds on what costcalc accepts (docs/spec-format.md, "Limits")."""

MAX_FILE_BYTES = 8 * 1024 * 1024
"""A spec file larger than this is refused before it is parsed."""

MAX_YAML_NODES = 2_000_000
"""YAML nodes after alias expansion: an alias bomb is refused, not expanded."""

MAX_YAML_DEPTH = 200
"""How deeply YAML collections may nest."""

MAX_LAYERS = 200_000
"""Layers of one design after blocks and repeats are expanded."""

MAX_COUNT = 10**100
"""The largest count (output elements, MACs, FLOPs, parameters) of one layer: far beyond any
network, and small enough that every figure converts to a float and prints."""

MAX_INTEGER_DIGITS = 4_000
"""The most digits of an integer in a spec or computed by `${...}`: below Python's limit of 4,300
digits on printing one, and far beyond any size."""

_INTEGER_BOUND = 10**MAX_INTEGER_DIGITS


def within_digits(value: int) -> bool:
    """Whether `value` has at most MAX_INTEGER_DIGITS digits (checked without printing it)."""
    return -_INTEGER_BOUND < value < _INTEGER_BOUND


MAX_FIGURE_DIGITS = 100
"""The most digits of a budget figure, growth amount or growth percentage (flags and `budget:`)."""

MAX_STRING_CHARS = 10_000
"""The longest string in a spec, counted in characters (a string is one YAML node whatever its length)."""

MAX_NAME_CHARS = 100
"""The longest name of a design, block, branch or layer."""

MAX_SOURCE_CHARS = 1_000
"""The longest `source` of a device or of its fit: where its figures come from (the built-in ones' longest: 323)."""

MAX_RUNTIME_CHARS = 300
"""The longest `runtime` of a timings file: what timed its layers, which the calibrated device's source quotes
(tools/time_torch_layers.py writes 121 characters)."""

MAX_THREADS = 256
"""The most threads a runtime may be given (`--threads`), and a calibration may record."""

MAX_CPUS = 100_000
"""The most CPUs a calibration may record of the machine it was made on."""

MAX_PATH_CHARS = 1_000
"""The longest path of a row: the names of its enclosing blocks and branches, and its own."""

MAX_SUBSTITUTED_ITEMS = 100
"""The most items of a list that holds `$` substitutions (lists without any are shared, not copied)."""

MAX_DESIGNS = 10_000
"""Designs in one spec."""

MAX_EXPRESSION_CHARS = 500
"""The longest `${...}` expression."""

MAX_BLOCK_DEPTH = 100
"""How deeply blocks and branches may nest, together (deeper would exhaust Python's stack)."""

MAX_SWEEP_VARIANTS = 100_000
"""The most variants one sweep evaluates (a grid is the product of its lists)."""

MAX_SWEEP_BUILDS = 500
"""The most groups of variants a sweep builds and counts apart: variants that differ in structure (a
repeat, a kernel, a rate) cannot share one build."""

MAX_SWEEP_LAYERS = 100_000
"""The most layers a sweep's builds expand, all together (one more build may finish past it: a single
build may hold MAX_LAYERS)."""

MAX_TIMED_LAYERS = 1_000
"""The most layers a timings file (`costcalc devices calibrate`) may list (tools/time_torch_layers.py
times 169)."""

MIN_DEVICE_FIGURE, MAX_DEVICE_FIGURE = 1e-6, 1e9
"""The range of a device's figures in their units: tflops (TFLOP/s) and bandwidth_gbs (GB/s) from the
first to the second, overhead_us (µs) from 0 to the second. Within them, with MIN_EFFICIENCY and
MAX_COUNT, every latency is a finite number of seconds."""

MIN_EFFICIENCY = 1e-6
"""The smallest efficiency (a share of a device's peak) a device or a calibrated kernel may give."""

MIN_NETWORK_FACTOR, MAX_NETWORK_FACTOR = 0.1, 10.0
"""The range of a device's `network_factor` (whole networks' measured time over the sum of their layers'
estimates, `devices calibrate --runtime`): a factor outside it says the calibration went wrong."""

MAX_NETWORK_SLOPE = 1.0
"""The largest size, either way, of a device's `network_slope` (how its network factor grows with a design's MACs:
× (MACs / 1e9) to this power); with the factor held within its range, every latency stays finite."""

MAX_KERNEL_ROWS = MAX_TIMED_LAYERS
"""The most [M, N, K, efficiency] rows a device's `kernels` may hold, all kernels together (a timed
layer gives at most one row)."""

MAX_DRAWN_BOXES = 3_000
"""The most boxes a diagram draws (`draw`, and the pages of `report` and `compare --format html`): a
layer, merge or folded block each; `--depth` folds blocks into one box each."""

MAX_MODEL_BYTES = 2**31 - 1
"""The largest model file `costcalc import` reads (protobuf's own limit for an ONNX file)."""

MAX_MEASURED = 16
"""The most designs or variants one measurement times (`measure`, `sweep --measure`): each takes seconds."""

MAX_CHANNEL_BLOCK = 1024
"""The most channels a devices file's `channel_block` may say a runtime's layout holds together."""
