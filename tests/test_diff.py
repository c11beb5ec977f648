"""`costcalc diff`: totals old → new in percent, designs added and removed, the layers that changed most."""

import json
import subprocess

import pytest
from conftest import ROOT, run

OLD, NEW = "specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("fmt, ext", [("table", "txt"), ("json", "json"), ("csv", "csv"), ("markdown", "md")])
def test_every_format(fmt, ext, golden):
    result = run("diff", OLD, NEW, "--format", fmt)
    assert (result.code, result.err) == (0, "")
    golden(f"diff_bottleneck_wider.{ext}", result.out)


def test_totals_old_new_and_percent():
    data = json.loads(run("diff", OLD, NEW, "--format", "json").out)
    totals = {d["name"]: d["totals"] for d in data["designs"]}
    assert totals["standard"]["macs"] == {"old": 120_422_400, "new": 28 * 28 * 32 * 192 * 9,
                                          "change_percent": -64.0}
    wider = 28 * 28 * (24 * 192 + 32 * 24 * 25)
    assert totals["bottleneck"]["macs"] == {"old": 12_443_648, "new": wider,
                                            "change_percent": round(100 * (wider - 12_443_648) / 12_443_648, 4)}
    assert totals["bottleneck"]["activations"] == {"old": 37_632, "new": 28 * 28 * (24 + 32 + 32),
                                                   "change_percent": round(100 * (88 - 48) / 48, 4)}
    assert (data["added"], data["removed"]) == (["grouped"], ["separable"])


def test_layers_that_changed_most_biggest_first():
    data = json.loads(run("diff", OLD, NEW, "--format", "json").out)
    layers = {d["name"]: [(x["path"], x["old"] and x["old"]["macs"], x["new"] and x["new"]["macs"])
                          for x in d["layers"]]
              for d in data["designs"]}
    assert layers["bottleneck"] == [("conv2", 10_035_200, 28 * 28 * 32 * 24 * 25), ("conv1", 2_408_448, 3_612_672),
                                    ("relu3", None, 0)]
    assert layers["standard"] == [("conv1", 120_422_400, 43_352_064)]


def test_two_designs_of_one_spec():
    result = run("diff", OLD, "--design", "standard", "--design", "bottleneck", "--format", "csv")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[:2] == ["design,path,kind,metric,old,new,change_percent",
                         "standard → bottleneck,,total,macs,120422400,12443648,-89.6667"]
    assert "standard → bottleneck,conv2,conv,macs,0,10035200," in lines


def test_top_limits_the_layers():
    data = json.loads(run("diff", OLD, NEW, "--top", "1", "--format", "json").out)
    bottleneck = next(d for d in data["designs"] if d["name"] == "bottleneck")
    assert (len(bottleneck["layers"]), bottleneck["changed_layers"]) == (1, 3)


def test_design_filter_with_two_specs():
    data = json.loads(run("diff", OLD, NEW, "--design", "bottleneck", "--format", "json").out)
    assert [d["name"] for d in data["designs"]] == ["bottleneck"]
    assert (data["added"], data["removed"]) == ([], [])


def test_one_spec_needs_two_designs():
    result = run("diff", OLD, "--design", "standard")
    assert result.code == 2
    assert "with one SPEC, name the two designs to compare: --design OLD --design NEW" in result.err


def test_unknown_design_exit_2():
    result = run("diff", OLD, NEW, "--design", "wide")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"no design 'wide' in {OLD} or {NEW}; "
                          "designs: standard, bottleneck, separable, grouped\n")


def test_bad_spec_exit_2(spec_file):
    path = spec_file("input: [28, 28, 3]\nlayers:\n  - conv: {filter: 3, kernel: 3}\n")
    result = run("diff", path, path)
    assert (result.code, result.err) == (2,
                                         "spec.yaml:3:12: unknown option 'filter' for conv; did you mean 'filters'?\n")


def test_identical_specs_change_nothing():
    data = json.loads(run("diff", OLD, OLD, "--format", "json").out)
    assert all(t["change_percent"] == 0.0 for d in data["designs"] for t in d["totals"].values())
    assert all(d["layers"] == [] for d in data["designs"])


def test_two_specs_with_no_design_in_common_say_so_and_what_to_do():
    result = run("diff", "specs/bottleneck_5x5.yaml", "specs/googlenet_3a.yaml")
    assert result.code == 0
    assert result.out.endswith("designs added: reduced, naive\ndesigns removed: standard, bottleneck, separable\n"
                               "no design in common: pair two with --design OLD --design NEW, such as "
                               "--design standard --design reduced\n")
    markdown = run("diff", "specs/bottleneck_5x5.yaml", "specs/googlenet_3a.yaml", "--format", "markdown").out
    assert "no design in common: pair two with --design OLD --design NEW" in markdown


def test_design_a_of_old_and_design_b_of_new_are_paired():
    data = json.loads(run("diff", "specs/bottleneck_5x5.yaml", "specs/googlenet_3a.yaml",
                          "--design", "bottleneck", "--design", "reduced", "--format", "json").out)
    (pair,) = data["designs"]
    assert (pair["name"], pair["old"], pair["new"]) == ("bottleneck → reduced", "bottleneck", "reduced")
    assert pair["totals"]["macs"] == {"old": 12443648, "new": 128049152, "change_percent": 929.0323}
    assert (data["old"], data["new"], data["added"], data["removed"]) == (
        "specs/bottleneck_5x5.yaml", "specs/googlenet_3a.yaml", [], [])


def test_two_names_both_specs_have_still_filter_rather_than_pair():
    data = json.loads(run("diff", "specs/bottleneck_5x5.yaml", "tests/data/bottleneck_wider.yaml",
                          "--design", "standard", "--design", "bottleneck", "--format", "json").out)
    assert [d["name"] for d in data["designs"]] == ["standard", "bottleneck"]


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A git repository whose main holds specs/model.yaml as OLD, and a working copy widened as NEW."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)
    git("init", "-q", "-b", "main")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "model.yaml").write_text((ROOT / OLD).read_text(encoding="utf-8"), encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "old")
    (tmp_path / "specs" / "model.yaml").write_text((ROOT / NEW).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_old_may_be_a_file_at_a_git_revision(repository):
    by_revision = run("diff", "git:main:specs/model.yaml", "specs/model.yaml", "--format", "json")
    by_files = run("diff", str(ROOT / OLD), "specs/model.yaml", "--format", "json")
    assert (by_revision.code, by_revision.err) == (0, "")
    assert json.loads(by_revision.out)["designs"] == json.loads(by_files.out)["designs"]
    table = run("diff", "git:main:specs/model.yaml", "specs/model.yaml")
    assert table.out.startswith("main:specs/model.yaml → specs/model.yaml\n")


@pytest.mark.parametrize("old, message", [
    ("git:main:specs/added.yaml", "'git:main:specs/added.yaml': specs/added.yaml is not in 'main'; "
                                  "a spec added since then has no older version"),
    ("git:main", "'git:main': write git:REV:PATH, such as git:main:specs/model.yaml"),
    ("git:--output=x:specs/model.yaml", "'git:--output=x:specs/model.yaml': a revision cannot begin with '-'; "
                                        "give a branch, tag or commit, such as origin/main or HEAD~1"),
])
def test_a_revision_that_cannot_be_read_is_one_clear_line(repository, old, message):
    result = run("diff", old, "specs/model.yaml")
    assert (result.code, result.out, result.err) == (2, "", message + "\n")


def test_the_same_file_twice_is_warned_of(repository):
    result = run("diff", "specs/model.yaml", "./specs/model.yaml")
    assert result.code == 0
    assert result.err == ("warning: OLD and NEW are the same file ('./specs/model.yaml'), so nothing can have "
                          "changed; for an older version, give OLD as git:REV:PATH\n")
    assert run("diff", "git:main:specs/model.yaml", "specs/model.yaml").err == ""


def test_with_growth_limits_only_changes_past_them_are_bold():
    result = run("diff", OLD, NEW, "--format", "markdown", "--max-growth", "macs=10%", "--max-growth", "params=60%")
    bold = [line for line in result.out.splitlines() if "**" in line]
    # bottleneck's MACs grew 50% (past 10%), its params 49.9% (within 60%); every other row is plain
    assert bold == ["| **bottleneck** | **macs** | **12.4M** | **18.7M** | **+50.0%** |"]
