"""The Colab path: torch's CUDA build brings triton, which segfaults when imported after TensorFlow.

`make test-colab` runs this file (and every lesson) in a Colab-like environment, where triton
is installed; under `make test` the last test still runs, and the fake-package tests prove the
mechanism on any machine.
"""

import os
import textwrap

from helpers import ROOT, run_python


def _fake_frameworks(tmp_path):
    """A 'triton' and a 'tensorflow' that only report the order they were imported in."""
    for name in ("triton", "tensorflow"):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text(
            textwrap.dedent(f"""
                import sys
                sys.modules.setdefault("_import_order", type(sys)("_import_order")).__dict__.setdefault("seen", []).append({name!r})
            """)
        )
    return {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}


def test_zoo_patterns_imports_triton_before_tensorflow(tmp_path):
    env = _fake_frameworks(tmp_path)
    show = "import sys; print(sys.modules['_import_order'].seen)"
    assert run_python(f"import zoo_patterns, tensorflow; {show}", env=env).stdout.strip() == "['triton', 'tensorflow']"
    # The fakes can tell the two orders apart: without zoo_patterns, tensorflow alone is imported.
    assert run_python(f"import tensorflow; {show}", env=env).stdout.strip() == "['tensorflow']"
    # Importing zoo_patterns imports neither (the hook waits for `import tensorflow`).
    assert run_python("import zoo_patterns, sys; print('_import_order' in sys.modules)", env=env).stdout.strip() == "False"


def test_too_late_is_a_warning_not_a_silent_crash(tmp_path):
    env = _fake_frameworks(tmp_path)
    result = run_python("import warnings; warnings.simplefilter('always'); import tensorflow, zoo_patterns", env=env)
    assert result.returncode == 0 and "Restart the kernel and import zoo_patterns before TensorFlow" in result.stderr


def test_minilm_loads_after_tensorflow_through_the_package():
    """The crash the Colab user saw: Keras imports TensorFlow, then transformers imports triton."""
    code = (
        "import zoo_patterns as zp, importlib.util; zp.quiet(); import tensorflow as tf; "
        "m = zp.load('minilm-l6', adapt=True); v = m.predict(['my parcel never arrived']); "
        "print(v.shape, importlib.util.find_spec('triton') is not None)"
    )
    result = run_python(code)
    assert result.returncode == 0, f"exit {result.returncode} (-11 or 139 is the segfault)\n{result.stderr[-2000:]}"
    shape, has_triton = result.stdout.split(") ")
    assert shape + ")" == "(1, 384)"
    if os.environ.get("ZOO_PATTERNS_COLAB_ENV"):  # `make test-colab`: the environment must really have triton
        assert has_triton.strip() == "True", "the Colab-like environment has no triton: it proves nothing"
