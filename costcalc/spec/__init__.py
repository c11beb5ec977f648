"""Reading a spec: YAML with positions, expressions, blocks and validation, into a model.Spec."""
