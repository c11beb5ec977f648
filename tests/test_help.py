"""Every --help: each example line runs as a user would type it where costcalc is installed (in a
directory outside the checkout), and the summaries `costcalc --help` lists are whole."""

import json
import shlex

import pytest
from conftest import run, subcommands

from costcalc.cli import main
from costcalc.device import measure


def commands(command=main, words=()):
    """(the words that name it, the command) for costcalc and every command and subcommand."""
    yield words, command
    for name, sub in subcommands(command).items():
        yield from commands(sub, (*words, name))


COMMANDS = list(commands())
IDS = [" ".join(("costcalc", *words)) for words, _ in COMMANDS]
OVER_BUDGET = ("costcalc check examples/bottleneck_5x5", "costcalc check model.yaml examples/googlenet_3a")
"""The example lines that show a budget exceeded on purpose (exit status 1)."""


def example_lines(text: str) -> list[str]:
    """The lines under `Example:` or `Examples:` in a help text, each a command."""
    lines, indent = [], None
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip())
        if line.strip() in ("Example:", "Examples:"):
            indent = depth
        elif indent is not None and line.strip() and depth > indent:
            lines.append(line.strip())
        else:
            indent = None
    return lines


def timings_shown(text: str) -> str | None:
    """The timings file a help text shows (devices calibrate's), which a user writes from their own timings."""
    lines = [line.strip() for line in text.splitlines()]
    if '{"runtime"' not in text:
        return None
    start = next(n for n, line in enumerate(lines) if line.startswith('{"runtime"'))
    end = next(n for n in range(start, len(lines)) if lines[n].endswith("]}"))
    return json.dumps(json.loads(" ".join(lines[start:end + 1])))


@pytest.mark.parametrize("words, command", COMMANDS, ids=IDS)
def test_every_example_line_runs_outside_the_checkout(words, command, tmp_path, monkeypatch):
    """Each line in order, `> FILE` saved for the lines after it: a chain works as a user types it."""
    monkeypatch.chdir(tmp_path)
    real = measure.best_rate
    monkeypatch.setattr(measure, "best_rate", lambda work, call, seconds, *clock: real(work, call, 0.01, *clock))
    text = run(*words, "--help").out
    if timings := timings_shown(text):
        (tmp_path / "timings.json").write_text(timings, encoding="utf-8")
    lines = example_lines(text)
    assert lines, f"costcalc {' '.join(words)} --help shows no example"
    for line in lines:
        args = shlex.split(line)
        assert args[0] == "costcalc", f"{line}: not a costcalc command; where costcalc is installed, it may not run"
        output = None
        if ">" in args:
            output, args = args[args.index(">") + 1], args[: args.index(">")]
        result = run(*args[1:])
        assert (line, result.code, result.err) == (line, 1 if line.startswith(OVER_BUDGET) else 0, "")
        if output:
            (tmp_path / output).write_text(result.out, encoding="utf-8")


def test_the_examples_include_the_chains_of_issue_23():
    """The devices chain names the device it measured; examples name shipped specs, not the checkout's specs/."""
    every = [line for words, _ in COMMANDS for line in example_lines(run(*words, "--help").out)]
    assert len(every) >= 30
    assert not [line for line in every if "specs/" in line or "tools/" in line]
    devices = example_lines(run("devices", "--help").out)
    assert devices[1:] == ["costcalc devices measure --name mine > mine.json",
                           "costcalc report examples/bottleneck_5x5 --device mine --devices mine.json"]


def test_the_calibrate_help_shows_a_timings_file_that_calibrates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "timings.json").write_text(timings_shown(run("devices", "calibrate", "--help").out))
    result = run("devices", "calibrate", "timings.json", "--device", "t4")
    assert (result.code, result.err) == (0, "")
    assert list(json.loads(result.out)["devices"]) == ["t4-calibrated"]


@pytest.mark.parametrize("words", [words for words, command in COMMANDS if subcommands(command)],
                         ids=[i for i, (_, c) in zip(IDS, COMMANDS) if subcommands(c)])
def test_every_summary_is_whole_on_one_line(words):
    """click cuts a long first sentence to `...`; each command says what it does in a line of 80 columns."""
    listing = run(*words, "--help").out.split("\nCommands:\n")[1].splitlines()
    names = subcommands(dict(COMMANDS)[words])
    assert [line.split()[0] for line in listing] == sorted(names)
    assert [line for line in listing if line.endswith("...") or len(line) > 80] == []


def test_a_devices_file_of_one_device_says_which_when_another_is_named(tmp_path, monkeypatch):
    """`devices measure > mine.json` names the device this-machine; `--device mine` is told so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.json").write_text(json.dumps({"devices": {"this-machine": {
        "tflops": {"float32": 0.15}, "bandwidth_gbs": 24, "source": "costcalc devices measure"}}}))
    for args in (["report", "examples/bottleneck_5x5"], ["devices", "calibrate", "timings.json"]):
        result = run(*args, "--device", "mine", "--devices", "mine.json")
        assert (result.code, result.out) == (2, "")
        assert result.err == "no device 'mine'; mine.json holds one device: 'this-machine'\n"
    result = run("report", "examples/bottleneck_5x5", "--device", "a10", "--devices", "mine.json")
    assert result.err == "no device 'a10'; did you mean 'a100'?\n"


def test_the_torch_timing_tool_without_torch_says_what_to_install_and_writes_nothing(tmp_path):
    """tools/time_torch_layers.py where torch cannot be imported: one line, exit 2, no file (not an empty one)."""
    import subprocess
    import sys

    from conftest import ROOT

    (tmp_path / "torch.py").write_text("raise ImportError('No module named torch')\n")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "time_torch_layers.py"), "-o", "timings.json"],
                          cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("time_torch_layers.py needs PyTorch, which costcalc does not install: "
                           "pip install torch==2.14.1\n")
    assert not (tmp_path / "timings.json").exists()
