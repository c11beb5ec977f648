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

MAX_EXPRESSION_CHARS = 500
"""The longest `${...}` expression."""

MAX_BLOCK_DEPTH = 100
"""How deeply blocks and branches may nest, together (deeper would exhaust Python's stack)."""
MAX_SWEEP_VARIANTS = 1_000_000
"""The most variants one sweep evaluates (a grid is the product of its lists)."""
