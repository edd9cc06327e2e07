"""The package's promises: a light import, the device rule, the doctor, the MXNet repair."""

import os
import subprocess
import sys

import pytest
from helpers import ROOT, run_cli, run_python

HEAVY = ("torch", "tensorflow", "keras", "mxnet", "transformers", "huggingface_hub")


# What `import zoo_patterns` may pull in. Time is a benchmark (benchmarks/import_time.py: 100 ms
# goal), not a test: on a busy machine a timed import flips. The modules it imports are the work
# itself, the same on any machine: about 50 today; numpy alone would add over a hundred.
IMPORT_MODULE_BUDGET = 80


def test_import_pulls_in_no_framework_and_little_else():
    code = (
        "import sys; before = set(sys.modules); import zoo_patterns; new = sorted(set(sys.modules) - before); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules)); print(','.join(new))"
    )
    heavy, new = run_python(code).stdout.splitlines()
    assert heavy == "", f"import zoo_patterns imported {heavy}"
    new = new.split(",")
    assert len(new) <= IMPORT_MODULE_BUDGET, (
        f"import zoo_patterns imported {len(new)} modules (budget {IMPORT_MODULE_BUDGET}): {new}"
    )
    assert "numpy" not in new and "yaml" not in new, "numpy and yaml load when first used, not at import"


def test_device_override_and_refusal(monkeypatch):
    import zoo_patterns as zp

    monkeypatch.setenv("ZOO_PATTERNS_DEVICE", "cpu")
    assert zp.device() == "cpu"
    monkeypatch.setenv("ZOO_PATTERNS_DEVICE", "cuda:1")
    assert zp.device() == "cuda:1"
    monkeypatch.setenv("ZOO_PATTERNS_DEVICE", "gpu0")
    with pytest.raises(ValueError, match="Expected 'cpu', 'cuda'"):
        zp.device()
    monkeypatch.delenv("ZOO_PATTERNS_DEVICE")
    import torch

    assert zp.device() == ("cuda" if torch.cuda.is_available() else "cpu")


def test_cache_and_zoo_locations_follow_env(monkeypatch, tmp_path):
    import zoo_patterns as zp

    monkeypatch.setenv("ZOO_PATTERNS_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("ZOO_PATTERNS_ZOO", str(tmp_path / "z"))
    assert zp.cache_dir() == tmp_path / "c" and zp.zoo_dir() == tmp_path / "z"
    monkeypatch.setenv("ZOO_PATTERNS_OFFLINE", "1")
    assert zp.is_offline()


def test_a_url_in_zoo_patterns_zoo_is_refused_and_names_the_mirror_variable(monkeypatch, tmp_path):
    """ZOO_PATTERNS_ZOO names a folder; a URL there once became a folder named 'http:' in the working
    directory, and the first zp.load built a whole zoo into it. A served zoo is ZOO_PATTERNS_MIRROR."""
    import zoo_patterns as zp
    from zoo_patterns import settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZOO_PATTERNS_ZOO", "http://127.0.0.1:8765")
    with pytest.raises(ValueError, match="is a URL, but ZOO_PATTERNS_ZOO names a folder.*ZOO_PATTERNS_MIRROR"):
        zp.zoo_dir()
    monkeypatch.setenv("ZOO_PATTERNS_CACHE", "https://example.org/cache")
    with pytest.raises(ValueError, match="is a URL"):
        zp.cache_dir()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.delenv("ZOO_PATTERNS_MIRROR", raising=False)
    assert settings.mirror() is None
    monkeypatch.setenv("ZOO_PATTERNS_MIRROR", "http://127.0.0.1:8765")
    assert settings.mirror() == settings.default_source() == "http://127.0.0.1:8765"


def test_the_default_cache_and_zoo_are_never_in_a_temp_dir(monkeypatch):
    """With nothing set, downloads and the built zoo live in the user's own folders, which survive a reboot.

    (Lesson 00 used to assert this in a cell; it tests the package, not the learner's reading.)
    """
    import tempfile
    from pathlib import Path

    import zoo_patterns as zp

    for var in ("ZOO_PATTERNS_CACHE", "ZOO_PATTERNS_ZOO", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    temp = Path(tempfile.gettempdir()).resolve()
    for what, folder in (("cache", zp.cache_dir()), ("zoo", zp.zoo_dir())):
        assert folder.is_absolute(), f"the default {what} folder {folder} is relative to the working directory"
        assert not folder.resolve().is_relative_to(temp), f"the default {what} folder {folder} is under the temp dir {temp}"


def test_doctor_passes_here():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("torch", "tensorflow", "keras", "mxnet", "transformers", "onnxruntime", "device", "cache"):
        assert name in result.stdout


def test_doctor_names_each_missing_piece():
    # Hide two packages from the import system, as if they were missing.
    code = """
import sys, importlib.abc
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('onnxscript', 'silero_vad'):
            raise ImportError(f'No module named {name!r}')
sys.meta_path.insert(0, Hide())
from zoo_patterns.__main__ import main
sys.exit(main(['doctor']))
"""
    result = run_python(code)
    assert result.returncode != 0
    bad = [line for line in result.stdout.splitlines() if line.startswith("missing or broken")]
    assert any("onnxscript" in line for line in bad) and any("silero" in line.lower() for line in bad), result.stdout


MXNET_PROBE = """
import sys
from zoo_patterns.compat import import_mxnet, patch_numpy_for_mxnet
import numpy
{order}
x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
assert float(mx.nd.dot(x, x).sum().asscalar()) == 54.0
assert float(mx.nd.array([True, False], dtype='bool').sum().asscalar()) == 1.0
import torch
print(numpy.__version__, torch.get_num_threads())
"""


@pytest.mark.parametrize(
    "order",
    ["import torch; torch.set_num_threads(2); mx = import_mxnet()", "mx = import_mxnet(); import torch"],
    ids=["torch-first", "mxnet-first"],
)
def test_mxnet_on_numpy_126_restores_torch_threads(order):
    result = run_python(MXNET_PROBE.format(order=order))
    assert result.returncode == 0, result.stderr[-2000:]
    version, threads = result.stdout.split()
    assert version.startswith("1.26")
    from zoo_patterns.compat import default_threads

    expected = 2 if "set_num_threads(2)" in order else default_threads()
    assert int(threads) == expected, f"torch has {threads} threads after mxnet, expected {expected}"


NUMPY2 = "numpy==2.2.6"


@pytest.fixture(scope="session")
def numpy2_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("numpy2")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), NUMPY2],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"could not install {NUMPY2} for the numpy-2 test:\n{result.stderr[-1500:]}")
        pytest.skip(f"{NUMPY2} could not be installed (offline?); CI runs this test")
    return target


def test_mxnet_on_numpy_2_like_colab(numpy2_dir):
    env = dict(os.environ, PYTHONPATH=f"{numpy2_dir}{os.pathsep}{ROOT}")
    code = """
import numpy
assert numpy.__version__.startswith('2.'), numpy.__version__
from zoo_patterns.compat import import_mxnet, patch_numpy_for_mxnet
mx = import_mxnet()
x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
assert float(mx.nd.dot(x, x).sum().asscalar()) == 54.0
net = mx.gluon.nn.Dense(2, in_units=3)
net.initialize()
assert net(mx.nd.ones((1, 3))).shape == (1, 2)
assert float(mx.np.array([1, 2]).sum()) == 3.0
print('ok', numpy.__version__)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0 and "ok 2." in result.stdout, result.stderr[-2000:]


def test_patch_adds_only_missing_names():
    import types

    import numpy as np

    from zoo_patterns.compat import patch_numpy_for_mxnet

    removed = {"bool", "int", "float", "complex", "object", "str", "PINF", "NINF", "alltrue", "in1d", "msort", "round_"}
    fake = types.ModuleType("numpy")  # numpy's namespace without the names numpy 2 removed
    vars(fake).update({k: v for k, v in vars(np).items() if k not in removed})
    fake.int = "kept"
    added = patch_numpy_for_mxnet(fake)
    assert "int" not in added and fake.int == "kept"
    assert removed - {"int"} <= set(added)
    assert fake.alltrue([True, True]) and list(fake.msort(np.array([3, 1, 2]))) == [1, 2, 3]


def test_tensorflow_hub_imports_without_pkg_resources():
    """tensorflow_hub 0.16 reads pkg_resources, which setuptools 81 removed; compat supplies parse_version."""
    code = (
        "import importlib.util, sys\n"
        "had = importlib.util.find_spec('pkg_resources') is not None\n"
        "from zoo_patterns.compat import import_tensorflow_hub\n"
        "hub = import_tensorflow_hub()\n"
        "assert callable(hub.load) and callable(hub.KerasLayer)\n"
        "shim = 'stand-in' in (sys.modules['pkg_resources'].__doc__ or '')\n"
        "assert shim != had, (shim, had)  # the shim is used exactly when the real module is missing\n"
        "print('ok', 'shim' if shim else 'real pkg_resources')\n"
    )
    result = run_python(code)
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stderr[-1500:]


def test_expect_error_fails_when_nothing_is_raised_and_keeps_the_error(capsys):
    import pytest

    from zoo_patterns import expect_error
    from zoo_patterns.errors import ModelNotFoundError

    with expect_error(KeyError) as caught:
        raise ModelNotFoundError("minilm-l7", ["minilm-l6"])
    assert isinstance(caught.error, ModelNotFoundError) and caught.error.suggestions == ["minilm-l6"]
    assert "ModelNotFoundError: No model named 'minilm-l7'" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="raised nothing"):
        with expect_error(ValueError):
            pass
    with pytest.raises(TypeError, match="other"):  # another type propagates as itself
        with expect_error(ValueError):
            raise TypeError("other")
    with pytest.raises(AssertionError, match="lacks 'sha256'"):
        with expect_error(ValueError, match="sha256"):
            raise ValueError("size mismatch")
