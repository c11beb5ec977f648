"""Teaching: the arithmetic of each layer written out as a board of formulas with numbers put in."""
