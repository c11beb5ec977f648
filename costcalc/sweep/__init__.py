"""Design spaces: a spec evaluated over values of its parameters (`costcalc sweep`)."""
