"""Budgets on a device: latency, peak_memory, weights_bytes and train_memory, in the spec and as --max-* flags."""

import json

import pytest
from conftest import ROOT, run

from costcalc.commands.options import DEVICE_LIMIT_FLAGS
from costcalc.errors import SpecError
from costcalc.model.tree import DEVICE_METRICS
from costcalc.spec.reader import loads
from costcalc.units import parse_duration

SPEC = """\
input: [28, 28, 192]
designs:
  standard:
    - conv: {filters: 32, kernel: 5}
  separable:
    - depthwise: {kernel: 5}
    - conv: {filters: 32, kernel: 1}
budget: {peak_memory: 1MiB, weights_bytes: 100KB, latency: 20us, train_memory: 3MiB}
"""


@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "budget.yaml"
    path.write_text(SPEC)
    return str(path)


def test_the_flags_are_the_device_metrics():
    assert list(DEVICE_LIMIT_FLAGS) == list(DEVICE_METRICS)


def test_durations_are_whole_nanoseconds():
    assert [parse_duration(v) for v in ("5ms", "200us", "200µs", "0.5s", "1500ns", "1.5 ms")] == [
        5_000_000, 200_000, 200_000, 500_000_000, 1_500, 1_500_000]
    for bad, message in (("5", "'5' is not a duration; write a number with ns, us, ms or s, such as 5ms"),
                         ("0.5ns", "'0.5ns' is not a whole number of nanoseconds")):
        with pytest.raises(ValueError) as caught:
            parse_duration(bad)
        assert str(caught.value) == message


def test_a_spec_budget_of_device_metrics_is_checked_on_a_device(spec):
    result = run("check", spec, "--device", "a100", "--format", "json")
    assert result.code == 1
    verdicts = {(v["design"], v["metric"]): (v["value"], v["limit"])
                for v in json.loads(result.out)["specs"][0]["checks"]}
    assert verdicts == {
        ("standard", "latency"): (29_705e-9, 20_000e-9),  # 29.7046 µs, rounded up to whole nanoseconds, in seconds
        ("standard", "peak_memory"): (702_464, 2**20),
        ("standard", "weights_bytes"): (614_528, 100_000),
        ("standard", "train_memory"): (4 * 4 * 153_632 + 4 * 28 * 28 * (192 + 32), 3 * 2**20),
        ("separable", "latency"): (11_849e-9, 20_000e-9),
        ("separable", "peak_memory"): (1_204_224, 2**20),
        ("separable", "weights_bytes"): (44_672, 100_000),
        ("separable", "train_memory"): (4 * 4 * 11_168 + 4 * 28 * 28 * (192 + 192 + 32), 3 * 2**20),
    }


def test_flags_win_and_batch_and_optimizer_apply(spec):
    result = run("check", spec, "--device", "a100", "--max-train-memory", "10MiB", "--batch", "2",
                 "--optimizer", "sgd", "--format", "json")
    verdicts = {(v["design"], v["metric"]): v["value"] for v in json.loads(result.out)["specs"][0]["checks"]}
    assert verdicts[("standard", "train_memory")] == 2 * 4 * 153_632 + 2 * 4 * 28 * 28 * (192 + 32)
    assert verdicts[("standard", "peak_memory")] == 2 * 702_464


def test_a_latency_budget_without_a_device_is_an_error_at_the_budget(spec):
    result = run("check", spec)
    assert (result.code, result.err) == (2, f"{spec}:8:60: a latency limit needs a device to estimate on; "
                                            "give check --device NAME (costcalc devices lists them)\n")


def test_bad_device_budgets_are_positioned_spec_errors():
    with pytest.raises(SpecError) as caught:
        loads("input: [4]\nlayers: [dense: {units: 2}]\nbudget: {latency: 5}\n")
    assert str(caught.value) == ("<spec>:3:19: budget latency: 5 is not a duration; "
                                 "write a number with ns, us, ms or s, such as 5ms")
    with pytest.raises(SpecError) as caught:
        loads("input: [4]\nlayers: [dense: {units: 2}]\nbudget: {peak_memroy: 5}\n")
    assert str(caught.value) == "<spec>:3:10: unknown budget metric 'peak_memroy'; did you mean 'peak_memory'?"
    with pytest.raises(SpecError) as caught:
        loads("input: [4]\nlayers: [dense: {units: 2}]\nbudget: {growth: {latency: 2}}\n")
    assert str(caught.value) == ("<spec>:3:28: growth latency: 2 is not a growth limit; "
                                 "write a percentage such as 2% or an amount such as 0ms or 500us")
