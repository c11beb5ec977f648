"""Budget figures in their units, on a named device (issue 23, item 4), and growth limits on device figures (item 5)."""

import json
import math

import pytest
from conftest import ROOT, run

ORIGINAL = "specs/bottleneck_5x5.yaml"
WIDER = "tests/data/bottleneck_wider.yaml"  # the bottleneck widened from 16 to 24 channels, and more
ON_NANO = ("check", "specs/googlenet_3a.yaml", "--device", "jetson-nano", "--max-latency", "5ms",
           "--max-peak-memory", "2MiB")
GROWTH = ("check", WIDER, "--against", ORIGINAL, "--device", "jetson-nano", "--max-growth", "latency=5%",
          "--max-growth", "bytes_moved=0", "--max-growth", "peak_memory=1%", "--max-growth", "weights_bytes=64KiB")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def checks(result) -> list[dict]:
    return json.loads(result.out)["specs"][0]["checks"]


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("markdown", "md"), ("github", "txt"), ("junit", "xml"),
                                      ("json", "json")])
def test_every_format_gives_times_and_bytes_in_units_and_names_the_device(fmt, ext, golden):
    result = run(*ON_NANO, "--format", fmt, columns=100)
    assert (result.code, result.err) == (1, "")
    golden(f"check_units_{fmt}.{ext}", result.out)


def test_the_text_and_the_annotation_read_in_milliseconds_and_mebibytes():
    rows = run(*ON_NANO, columns=100).out.splitlines()
    assert "│ naive   │ latency     │ 5.38 ms │ 5 ms on jetson-nano │ 107.7% │ over   │ --max-latency     │" in rows
    assert "│ naive   │ peak_memory │ 2.5 MiB │             2.0 MiB │ 124.4% │ over   │ --max-peak-memory │" in rows
    github = run(*ON_NANO, "--format", "github").out.splitlines()
    assert github[0] == ("::error file=specs/googlenet_3a.yaml,title=costcalc over budget::naive: latency 5.38 ms "
                         "is over its limit of 5 ms on jetson-nano (107.7%25), given by --max-latency")


def test_json_gives_a_latency_in_seconds_and_bytes_as_exact_integers_each_with_its_unit():
    naive = {c["metric"]: c for c in checks(run(*ON_NANO, "--format", "json")) if c["design"] == "naive"}
    report = json.loads(run("report", "specs/googlenet_3a.yaml", "--design", "naive", "--device", "jetson-nano",
                            "--format", "json").out)["designs"][0]["totals"]
    assert (naive["latency"]["unit"], naive["latency"]["limit"], naive["latency"]["device"]) == ("seconds", 0.005,
                                                                                                 "jetson-nano")
    assert naive["latency"]["value"] == math.ceil(report["latency_s"] * 1e9) / 1e9  # whole nanoseconds, in seconds
    assert (naive["peak_memory"]["unit"], naive["peak_memory"]["value"], naive["peak_memory"]["limit"],
            naive["peak_memory"]["device"]) == ("bytes", report["live_bytes"], 2 * 2**20, None)


def test_a_value_and_a_limit_that_would_read_the_same_get_the_digits_that_tell_them_apart():
    rows = run("check", ORIGINAL, "--design", "separable", "--device", "jetson-nano", "--max-peak-memory", "1204223",
               "--max-latency", "160170ns", columns=120).out.splitlines()
    assert ("│ separable │ peak_memory │ 1.148438 MiB │          1.148437 MiB │ 100.0% │ over   "
            "│ --max-peak-memory") in rows[7]
    assert ("│ separable │ latency     │       160 µs │ 160 µs on jetson-nano │ 100.0% │ pass   "
            "│ --max-latency    ") in rows[6]
    rows = run("check", ORIGINAL, "--design", "separable", "--device", "jetson-nano", "--max-latency", "160169ns",
               columns=120).out.splitlines()
    assert "│ separable │ latency │ 160.17 µs │ 160.169 µs on jetson-nano │ 100.0% │ over   │" in rows[6]


def test_a_sweeps_latency_limit_is_in_seconds_as_its_latency_is():
    data = json.loads(run("sweep", "specs/zoo/mobilenet_v2_keras.yaml", "--vary", "alpha=0.35", "--device",
                          "jetson-nano", "--max-latency", "20ms", "--max-peak-memory", "4MiB", "--format", "json").out)
    variant = data["variants"][0]
    assert variant["limits"] == {"latency": 0.02, "peak_memory": 4 * 2**20}
    assert variant["latency_s"]["jetson-nano"] < variant["limits"]["latency"]


def test_growth_limits_on_device_figures_are_measured_on_the_same_device_batch_and_dtype():
    result = run(*GROWTH, "--format", "json")
    assert result.code == 1
    old, new = ({d["name"]: d for d in json.loads(run("compare", spec, "--device", "jetson-nano", "--format",
                                                          "json").out)["designs"]} for spec in (ORIGINAL, WIDER))
    found = {(c["design"], c["metric"]): (c["value"], c["limit"], c["over"], c["growth"]) for c in checks(result)}

    def ns(design: dict) -> int:
        return math.ceil(design["latency_s"]["jetson-nano"] * 1e9)

    for name in ("standard", "bottleneck"):
        was, now = old[name], new[name]
        assert found[name, "latency"] == (ns(now) / 1e9, (ns(was) + ns(was) * 5 // 100) / 1e9, ns(now) > ns(was) * 1.05,
                                          {"baseline": ns(was) / 1e9, "allowed": "+5%"})
        assert found[name, "bytes_moved"] == (now["bytes_moved"], was["bytes_moved"],
                                              now["bytes_moved"] > was["bytes_moved"],
                                              {"baseline": was["bytes_moved"], "allowed": "+0 B"})
        peak, old_peak = now["peak_activation_bytes"], was["peak_activation_bytes"]
        assert found[name, "peak_memory"] == (peak, old_peak + old_peak // 100, peak > old_peak * 1.01,
                                              {"baseline": old_peak, "allowed": "+1%"})
        assert found[name, "weights_bytes"][:2] == (now["weights_bytes"], was["weights_bytes"] + 65536)
    assert [key for key, verdict in found.items() if verdict[2]] == [
        ("bottleneck", "latency"), ("bottleneck", "bytes_moved"), ("bottleneck", "peak_memory")]


def test_a_device_growth_limit_reads_in_units_in_the_table_and_the_annotation():
    rows = run(*GROWTH, columns=140).out.splitlines()
    assert ("│ bottleneck │ latency growth       │    343 µs │  232 µs on jetson-nano │ +55.0% │ over   │"
            " --max-growth latency=5%            │") in rows
    assert ("│ standard   │ weights_bytes growth │ 216.1 KiB │              664.1 KiB │ -64.0% │ pass   │"
            " --max-growth weights_bytes=64.0KiB │") in rows
    github = run(*GROWTH, "--format", "github").out.splitlines()
    assert github[0] == (f"::error file={WIDER},title=costcalc over budget::bottleneck: latency grew 55.0%25 from 221 "
                         "µs to 343 µs, over its limit of +5%25 (232 µs on jetson-nano), given by --max-growth "
                         "latency=5%25")


def test_a_specs_growth_limit_on_latency(spec_file):
    spec_file((ROOT / ORIGINAL).read_text() + "\n", "old.yaml")
    path = spec_file((ROOT / ORIGINAL).read_text().replace("budget: {macs: 20M, params: 50K}",
                                                           "budget: {growth: {latency: 10us, peak_memory: 0}}"))
    result = run("check", path, "--against", "old.yaml", "--device", "t4", "--design", "standard", "--format", "json")
    assert result.code == 0
    assert [(c["metric"], c["growth"]["allowed"], c["source"], c["over"]) for c in checks(result)] == [
        ("latency", "+10 µs", "spec.yaml:14:28", False), ("peak_memory", "+0 B", "spec.yaml:14:47", False)]


@pytest.mark.parametrize("args, message", [
    (("--max-growth", "latency=5%"), "--max-growth latency: a latency limit needs a device to estimate on; "
                                     "give check --device NAME (costcalc devices lists them)\n"),
    (("--max-growth", "latency=5", "--device", "t4"),
     "Usage: main check [OPTIONS] SPECS...\nTry 'main check --help' for help.\n\nError: Invalid value for "
     "'--max-growth': '5' is not a growth limit; write a percentage such as 2% or an amount such as 0ms or 500us\n"),
    (("--max-growth", "latncy=5%", "--device", "t4"),
     "Usage: main check [OPTIONS] SPECS...\nTry 'main check --help' for help.\n\nError: Invalid value for "
     "'--max-growth': 'latncy' is not a metric; did you mean 'latency'?\n"),
])
def test_clear_errors_for_device_growth_limits(args, message):
    result = run("check", WIDER, "--against", ORIGINAL, *args)
    assert (result.code, result.err) == (2, message)


def test_a_json_report_baseline_has_no_device_figures_to_grow_from(tmp_path):
    report = tmp_path / "old.json"
    report.write_text(run("report", ORIGINAL, "--format", "json").out)
    result = run("check", WIDER, "--against", str(report), "--device", "t4", "--max-growth", "latency=5%")
    assert (result.code, result.err) == (2, f"{WIDER}: the baseline has no latency of standard to measure growth "
                                            "from; growth of a device figure needs a baseline spec: --against SPEC "
                                            "or git:REV\n")


def test_bytes_moved_is_a_budget_too_in_check_and_sweep():
    moved = json.loads(run("compare", ORIGINAL, "--memory", "--format", "json").out)["designs"][1]["bytes_moved"]
    verdict = checks(run("check", ORIGINAL, "--design", "bottleneck", "--max-bytes-moved", str(moved), "--format",
                         "json"))[-1]
    assert (verdict["metric"], verdict["unit"], verdict["value"], verdict["limit"], verdict["over"]) == (
        "bytes_moved", "bytes", moved, moved, False)
    data = json.loads(run("sweep", "specs/zoo/mobilenet_v2_keras.yaml", "--vary", "alpha=0.35,1.0",
                          "--max-bytes-moved", "100MiB", "--format", "json").out)
    assert [(v["limits"], v["fits"]) for v in data["variants"]] == [({"bytes_moved": 100 * 2**20}, True),
                                                                     ({"bytes_moved": 100 * 2**20}, False)]
