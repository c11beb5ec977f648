"""Counting: the engine that walks a spec tree, and the conventions that price each operation."""
