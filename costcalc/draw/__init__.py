"""Pictures of designs: the layout of boxes and edges, and its SVG and HTML renderings."""
