"""Bridges to where models live: import from and export to ONNX, PyTorch and Keras."""
