"""How a design runs on a device, as one frozen value: element types, folding, batch and optimizer."""

from __future__ import annotations

from ..record import record

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}
"""Each element type and its size in bytes."""
OPTIMIZERS = ("sgd", "momentum", "adam")


@record
class DeviceSettings:
    """`dtype` of activations, `weight_dtype` of weights (None: the same), `fused` (batchnorm and activations
    folded into the conv before them), samples per `batch`, and the `optimizer` whose state training counts."""

    dtype: str = "float32"
    weight_dtype: str | None = None
    fused: bool = False
    batch: int = 1
    optimizer: str | None = None

    def __post_init__(self):
        for name in (self.dtype, self.weights):
            if name not in DTYPES:
                raise ValueError(f"{name!r} is not an element type; one of {', '.join(DTYPES)}")
        if self.optimizer is not None and self.optimizer not in OPTIMIZERS:
            raise ValueError(f"{self.optimizer!r} is not an optimizer; one of {', '.join(OPTIMIZERS)}")

    @property
    def weights(self) -> str:
        """The element type of weights."""
        return self.weight_dtype or self.dtype

    @property
    def activation_bytes(self) -> int:
        return DTYPES[self.dtype]

    @property
    def weight_bytes(self) -> int:
        return DTYPES[self.weights]
