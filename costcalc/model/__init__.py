"""The model of a network: layer kinds and their options, merges, and the spec tree they form."""
