"""`version:` (format 1.2): a spec may say the format it is written for; 1.0 and 1.1 specs read as before."""

import pytest
from conftest import run


@pytest.mark.parametrize("version", ["1", "1.0", "1.1", "1.2"])
def test_every_version_is_read(spec_file, version):
    out = run("report", spec_file(f"version: {version}\ninput: [4]\nlayers: [relu]\n"), "--format", "csv")
    assert out.code == 0, out.err


@pytest.mark.parametrize("version", ["1.3", "'1.2'", "true"])
def test_another_version_is_refused(spec_file, version):
    out = run("report", spec_file(f"version: {version}\ninput: [4]\nlayers: [relu]\n"))
    shown = {"1.3": "1.3", "'1.2'": "'1.2'", "true": "True"}[version]
    assert (out.code, out.err) == (2, f"spec.yaml:1:10: version {shown} is not a format costcalc reads;"
                                      " versions: 1, 1.1, 1.2\n")
