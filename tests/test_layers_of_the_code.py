"""The layers of the code: which subpackage may import which, and a lean, framework-free engine."""

import ast
import subprocess
import sys

from conftest import ROOT

PACKAGE = ROOT / "costcalc"

LOWER = {
    "base": set(),
    "model": {"base"},
    "spec": {"base", "model"},
    "count": {"base", "model"},
    "analyses": {"base", "model", "count"},
    "device": {"base", "model", "count", "analyses"},
    "show": {"base", "model", "count", "analyses", "device"},
    "teach": {"base", "model", "count", "analyses", "show", "device"},
    "draw": {"base", "model", "count", "analyses", "show", "device"},
    "sweep": {"base", "model", "spec", "count", "analyses", "show", "device", "runtimes"},
    "bridges": {"base", "model", "spec", "count", "device"},
    "runtimes": {"base", "model", "spec", "count", "device", "bridges"},
    "tasks": {"base", "model", "spec", "count", "analyses", "show", "draw", "device", "bridges", "runtimes"},
    "cli": {"base", "model", "spec", "count", "analyses", "show", "teach", "draw", "device", "sweep", "tasks",
            "bridges",
            "runtimes"},
}
LOWER["commands"] = LOWER["cli"] | {"cli"}
"""Each layer and the layers below it that it may import (its own modules aside). A subpackage is its own
layer; a top-level module is `cli` if it is an entry point (ENTRY_POINTS), else `base` (errors, safe, ...,
and the package's version in __init__). `commands/` holds the commands themselves, which the `cli` group loads
by name when one runs: they may import what `cli` may, and the entry points (its exit codes, `complete`)."""

ENTRY_POINTS = {"cli", "__main__", "complete"}


def layer_of(module: str) -> str:
    """`costcalc.count.engine` → count; `costcalc.units` → base; `costcalc.cli` → cli."""
    parts = module.split(".")[1:]
    if len(parts) >= 2 or (parts and (PACKAGE / parts[0]).is_dir()):
        return parts[0]
    return "cli" if parts and parts[0] in ENTRY_POINTS else "base"


def module_name(path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def costcalc_imports(path):
    """(imported module, line) for every import in one file of the package."""
    module = module_name(path)
    return imports_in(path.read_text(), module if path.name == "__init__.py" else module.rpartition(".")[0])


def imports_in(code: str, package: str):
    """(imported module, line) for every import in `code`, a module of `package`."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target.count(".") == 0:
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    exists = (ROOT / candidate.replace(".", "/")).with_suffix(".py").exists()
                    yield (candidate if exists else target), node.lineno
            else:
                yield target, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def test_the_table_names_every_subpackage():
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert subpackages <= set(LOWER), f"add {sorted(subpackages - set(LOWER))} to LOWER with the layers they may import"


def test_no_module_imports_a_layer_it_may_not():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for imported, line in costcalc_imports(path):
            if imported.split(".")[0] != "costcalc":
                continue
            source, target = layer_of(importer), layer_of(imported)
            if target != source and target not in LOWER[source]:
                wrong.append(f"{importer} (layer {source}, line {line}) imports {imported} (layer {target})")
    assert wrong == []


def test_the_layer_check_sees_a_wrong_import():
    """A module of count/ that imports show/, read from text: nothing is written into the package."""
    found = [(layer_of(t), line) for t, line in imports_in("\nfrom ..show.views import View\n", "costcalc.count")]
    assert found == [("show", 2)]
    assert "show" not in LOWER["count"]


def imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_the_engine_imports_no_cli_rendering_or_yaml():
    modules = imported_after(
        "from costcalc.count.engine import analyze\nfrom costcalc.model.tree import Spec\n"
        "from costcalc.analyses.compare import compare"
    )
    assert {"click", "rich", "yaml", "numpy"} & modules == set()


def test_version_imports_nothing_heavy():
    modules = imported_after("from costcalc.cli import main")
    assert {"rich", "yaml", "numpy", "costcalc.count.engine", "costcalc.spec.reader"} & modules == set()


def test_python_dash_m_works_like_the_command():
    out = subprocess.run([sys.executable, "-m", "costcalc", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert (out.returncode, out.stdout) == (0, "costcalc, version 0.1.0\n")


def modules_after_command(*args: str) -> set[str]:
    """The modules imported once `costcalc ARGS` has run (its output discarded)."""
    return imported_after("import contextlib, io\nfrom costcalc.cli import main\n"
                          "with contextlib.redirect_stdout(io.StringIO()):\n"
                          f"    main.main({list(args)!r}, standalone_mode=False)")


NUMPY_FREE = (["report", "specs/zoo/mobilenet_keras.yaml", "--set", "alpha=0.5"],
              ["compare", "specs/zoo/mobilenet_keras.yaml"],
              ["explain", "specs/zoo/mobilenet_keras.yaml"],
              ["check", "specs/zoo/mobilenet_keras.yaml", "--max-macs", "1G"],
              ["diff", "specs/zoo/mobilenet_keras.yaml", "specs/zoo/mobilenet_keras.yaml"], ["devices"],
              ["draw", "specs/bottleneck_5x5.yaml", "-o", "-"],
              ["export", "specs/bottleneck_5x5.yaml", "--to", "pytorch", "-o", "-"])


def test_numpy_is_loaded_only_where_the_map_says():
    """docs/architecture.md: of the commands that count a spec only sweep loads numpy; export --to onnx does."""
    for command in NUMPY_FREE:
        assert "numpy" not in modules_after_command(*command), command
    assert "numpy" in modules_after_command("sweep", "specs/zoo/mobilenet_keras.yaml", "--vary", "alpha=0.5,1.0")


def test_export_to_onnx_loads_numpy(tmp_path):
    assert "numpy" in modules_after_command("export", "specs/bottleneck_5x5.yaml", "--to", "onnx",
                                            "-o", str(tmp_path / "model.onnx"))


def map_rows() -> dict[str, str]:
    """docs/architecture.md's table of subpackages: package (`costcalc` for the top) → the text of its row."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        cells = line.split(" | ")
        if line.startswith("| `") and len(cells) >= 2:
            rows[cells[0].removeprefix("| `").partition("/")[0]] = line
    return rows


def test_the_map_names_every_module_in_its_package_row():
    """Each module of the package is named (as `name` or `name.py`) in its subpackage's row of the map's table,
    a top-level one in the `costcalc/` row, and each subpackage has a row."""
    rows = map_rows()
    unnamed = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py" or relative.parts[0] == "examples":
            continue
        row = rows.get(relative.parts[0] if len(relative.parts) > 1 else "costcalc", "")
        if f"`{path.stem}`" not in row and f"`{path.name}`" not in row:
            unnamed.append(str(relative))
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert (sorted(unnamed), sorted(packages - set(rows))) == ([], [])


def test_the_map_says_which_top_level_modules_are_the_base_layer():
    """The top row counts the base layer's modules and names the entry points, as layer_of tells them apart."""
    top = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    base = top - ENTRY_POINTS
    numbers = {7: "seven", 8: "eight", 9: "nine", 10: "ten"}
    assert all(layer_of(f"costcalc.{name}") == "base" for name in base)
    assert f"These {numbers[len(base)]} are the base layer" in map_rows()["costcalc"]
    assert "`cli.py`, `complete.py` and `__main__.py` are the entry points" in map_rows()["costcalc"]
    assert ENTRY_POINTS == {"cli", "complete", "__main__"}
