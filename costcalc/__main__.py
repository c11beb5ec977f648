"""`python -m costcalc` runs the command line."""

from .cli import main

main(prog_name="costcalc")
