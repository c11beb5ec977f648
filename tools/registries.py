"""List the frameworks' model registries: every model torchvision and keras.applications ship, as TSV.

    python tools/registries.py torchvision > tests/data/reference/torchvision_registry.tsv
    KERAS_BACKEND=torch python tools/registries.py keras > tests/data/reference/keras_registry.tsv

torchvision: every name of torchvision.models.list_models() with its module (classification, segmentation,
video, detection, optical_flow or quantization: the list_models(module=...) that holds it). keras: every
application keras.applications exports (its model functions, as tools/recount_keras.py lists them).
tests/test_registries.py checks that the zoo's manifest (specs/models.tsv) covers them. Needs the framework
(the frameworks venv has both); without it it says so and exits 0.
"""
import argparse
import datetime
import importlib.util
import os
import sys

MODULES = ("segmentation", "video", "detection", "optical_flow", "quantization")


def torchvision_rows() -> tuple[str, list[tuple[str, str]]]:
    """The provenance line and (name, module) of every model of torchvision's registry."""
    import torchvision
    import torchvision.models as models
    module_of = {name: module for module in MODULES
                 for name in models.list_models(module=getattr(models, module))}
    return (f"# torchvision {torchvision.__version__}: torchvision.models.list_models(), each name with the module"
            " whose list_models(module=torchvision.models.<module>) holds it (classification: torchvision.models"
            f" itself); listed by python tools/registries.py torchvision on {datetime.date.today().isoformat()}.",
            [(name, module_of.get(name, "classification")) for name in models.list_models()])


def keras_rows() -> tuple[str, list[tuple[str, str]]]:
    """The provenance line and (name, module) of every application keras.applications exports."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    from recount_keras import application_names
    return (f"# Keras {keras.__version__}: every application keras.applications exports (its capitalised names),"
            f" each with the module that defines it; listed by KERAS_BACKEND={keras.backend.backend()}"
            f" python tools/registries.py keras on {datetime.date.today().isoformat()}.",
            [(name, getattr(keras.applications, name).__module__.rsplit(".", 1)[-1])
             for name in application_names(keras)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework", choices=["torchvision", "keras"])
    framework = parser.parse_args(argv).framework
    if importlib.util.find_spec(framework) is None:
        print(f"registries: not run, missing package: {framework}")
        return 0
    provenance, rows = torchvision_rows() if framework == "torchvision" else keras_rows()
    print(provenance)
    print("model\tmodule")
    for name, module in rows:
        print(f"{name}\t{module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
