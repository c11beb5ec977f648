"""A design on a device: bytes moved, arithmetic intensity, peak memory, roofline latency."""
