"""What a calibration records of this machine, and the note `measure` adds where a device was made elsewhere."""

import platform

from costcalc.runtimes.machine import calibration_caveat, cpu_model, machine_name

MADE = {"runtime": "torch", "version": "2.14.1", "threads": 1, "machine": "x86_64 Intel Xeon", "cpus": 2,
        "date": "2026-12-06 20:15 UTC"}


def test_the_cpu_model_is_cpuinfo_s_model_name_with_its_spaces_closed(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD  EPYC 9B14\nflags\t: fpu\n")
    assert cpu_model(str(cpuinfo)) == "AMD EPYC 9B14"
    cpuinfo.write_text("processor\t: 0\nBogoMIPS\t: 50.00\n")
    assert cpu_model(str(cpuinfo)) == ""
    assert cpu_model(str(tmp_path / "absent")) == ""


def test_the_machine_is_its_architecture_and_cpu():
    assert machine_name() == f"{platform.machine()} {cpu_model() or platform.processor() or platform.system()}".strip()


def test_a_device_made_here_on_this_runtime_has_no_caveat_and_an_uncalibrated_one_neither():
    assert calibration_caveat(MADE, "torch", "2.14.1", 1, "x86_64 Intel Xeon") == ""
    assert calibration_caveat(None, "torch", "2.14.1", 1, "x86_64 Intel Xeon") == ""


def test_a_device_made_on_another_machine_runtime_or_thread_count_says_so_and_how_to_calibrate_here():
    assert calibration_caveat(MADE, "onnxruntime", "1.32.0", 2, "x86_64 AMD EPYC") == (
        "the device was calibrated on torch 2.14.1, 1 thread, x86_64 Intel Xeon; this is onnxruntime 1.32.0, "
        "2 threads, x86_64 AMD EPYC: for an estimate of this runtime here, costcalc devices calibrate --runtime "
        "onnxruntime --threads 2")
    assert calibration_caveat(MADE, "torch", "2.14.1", 1, "x86_64 AMD EPYC").startswith(
        "the device was calibrated on torch 2.14.1, 1 thread, x86_64 Intel Xeon; this is torch 2.14.1, 1 thread, "
        "x86_64 AMD EPYC: ")
