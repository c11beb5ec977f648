"""The commands of the command line, one module each (`import_model` for `costcalc import`), and the options
and steps they share; `cli.py` imports a command's module only when that command runs."""
