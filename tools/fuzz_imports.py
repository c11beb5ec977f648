"""A longer import fuzz than CI's: ONNX and Keras files broken on purpose (tests/fuzzing_imports.py), each read or
refused in one line, never a traceback. Runs in the repository's venv (onnx comes with `.[test]`):

    python tools/fuzz_imports.py --cases 5000 --seed 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing_imports import import_problems  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="mutants of each kind (ONNX, Keras)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        problems = import_problems(options.cases, options.seed, Path(folder))
    print("\n".join(problems) or f"{2 * options.cases} broken files: each read or refused in one line")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
