"""The long fuzz campaign: many cases of tests/fuzzing.py, every problem kept, a summary at the end.

    python tools/fuzz.py --cases 100000 --seed 1 --report fuzz-report.txt

Unlike the bounded run in CI (tests/test_fuzz.py), a problem does not stop the campaign: each is
written to the report with its command line and spec, and the summary counts cases by command,
format and exit code, problems by class, and the slowest case. The last result is recorded in
docs/testing.md. Runs in the repository's own venv (it needs hypothesis, from `.[test]`).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import cases, output_format, run_case  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402


def campaign(count: int, number: int, report, folder: Path) -> collections.Counter:
    tally: collections.Counter = collections.Counter()
    slowest = [0.0, None]

    @seed(number)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases())
    def one(case):
        outcome = run_case(case, folder)
        fmt = output_format(case.args)
        tally["cases"] += 1
        tally[f"{case.args[0]} {fmt} exit {outcome.code}"] += 1
        if outcome.seconds > slowest[0]:
            slowest[:] = [outcome.seconds, case.args]
            (folder / "slowest.yaml").write_text(case.text, encoding="utf-8", errors="surrogateescape")
        for problem in outcome.problems:
            tally["problem: " + problem.split(":")[0]] += 1
            report.write(f"## {problem}\n{case.args}\n{case.text[:4000]}\n\n")
            report.flush()
        if tally["cases"] % 1000 == 0:
            print(f"{tally['cases']} cases, {sum(v for k, v in tally.items() if k.startswith('problem'))} problems",
                  flush=True)

    one()
    tally[f"slowest: {slowest[0]:.2f} s CPU {slowest[1]}"] = 1
    report.write("## the slowest case\n" + (folder / "slowest.yaml").read_text(encoding="utf-8", errors="replace")
                 + "\n\n")
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", default="fuzz-report.txt")
    options = parser.parse_args()
    started = time.time()
    with open(options.report, "w", encoding="utf-8") as report, tempfile.TemporaryDirectory() as folder:
        tally = campaign(options.cases, options.seed, report, Path(folder))
        summary = "\n".join(f"{value:>8} {key}" for key, value in sorted(tally.items()))
        report.write(f"# summary after {time.time() - started:.0f} s\n{summary}\n")
    print(summary)


if __name__ == "__main__":
    main()
