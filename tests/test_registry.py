import pytest
from helpers import make_card, run_python

from zoo_patterns import Registry
from zoo_patterns.errors import DuplicateModelError, ModelNotFoundError


@pytest.fixture
def reg():
    r = Registry("test")
    r.register("digits-cnn-torch", lambda: "torch", card=make_card("digits-cnn-torch", framework="torch"))
    r.register(
        "digits-cnn-keras", lambda: "keras", card=make_card("digits-cnn-keras", framework="keras", tags=("vision", "nhwc"))
    )
    r.register(
        "minilm-l6",
        lambda: "hf",
        card=make_card("minilm-l6", framework="transformers", task="sentence-embedding", domain="text", tags=("text",)),
    )
    r.register("scratch-mlp", lambda: "mlp", card=make_card("scratch-mlp", pretrained=False))
    return r


def test_register_as_decorator_and_as_call():
    r = Registry()

    @r.register("a", card=make_card("a"))
    def build_a():
        return "A"

    @r.register
    def b():
        return "B"

    r.register("c", lambda: "C")
    assert build_a() == "A", "the decorator must return the function unchanged"
    assert [r.build(n) for n in ("a", "b", "c")] == ["A", "B", "C"]


def test_duplicate_is_an_error_unless_replace(reg):
    with pytest.raises(DuplicateModelError, match="already registered"):
        reg.register("minilm-l6", lambda: "other")
    reg.register("minilm-l6", lambda: "other", replace=True)
    assert reg.build("minilm-l6") == "other"


def test_card_name_must_match(reg):
    with pytest.raises(ValueError, match="differ"):
        reg.register("x", lambda: 1, card=make_card("y"))


def test_list_with_patterns_and_filters(reg):
    assert reg.list() == ["digits-cnn-keras", "digits-cnn-torch", "minilm-l6", "scratch-mlp"]
    assert reg.list("digits-*") == ["digits-cnn-keras", "digits-cnn-torch"]
    assert reg.list(["*-torch", "minilm*"]) == ["digits-cnn-torch", "minilm-l6"]
    assert reg.list(task="sentence-embedding") == ["minilm-l6"]
    assert reg.list(framework="keras") == ["digits-cnn-keras"]
    assert reg.list(domain="text") == ["minilm-l6"]
    assert reg.list(tags="nhwc") == ["digits-cnn-keras"]
    assert reg.list(tags=["vision", "nhwc"]) == ["digits-cnn-keras"]
    assert reg.list(pretrained=False) == ["scratch-mlp"]
    assert reg.list("digits-*", framework="gluon") == []


def test_unknown_name_suggests_close_matches(reg):
    with pytest.raises(ModelNotFoundError) as err:
        reg.get("digits-cnn-torhc")
    assert "digits-cnn-torch" in err.value.suggestions
    assert "Did you mean" in str(err.value) and "digits-cnn-torch" in str(err.value)
    with pytest.raises(ModelNotFoundError) as err:
        reg.get("minilm")
    assert err.value.suggestions[0] == "minilm-l6"


def test_child_sees_parent_and_shadows_without_changing_it(reg):
    child = Registry("lesson", parent=reg)
    child.register("my-model", lambda: "mine", card=make_card("my-model"))
    assert "minilm-l6" in child and child.build("minilm-l6") == "hf"
    assert "my-model" in child.list() and "my-model" not in reg
    with pytest.raises(DuplicateModelError):
        child.register("minilm-l6", lambda: "shadow")
    child.register("minilm-l6", lambda: "shadow", replace=True)
    assert child.build("minilm-l6") == "shadow" and reg.build("minilm-l6") == "hf"
    with pytest.raises(ModelNotFoundError) as err:
        child.get("my-modle")
    assert "my-model" in err.value.suggestions


def test_registering_imports_no_framework():
    code = """
import sys
from zoo_patterns import Registry
from zoo_patterns.zoo import registry_from_zoo
r = Registry('x')
@r.register('m')
def build():
    import torch
    return torch.nn.Linear(1, 1)
heavy = [m for m in ('torch', 'tensorflow', 'keras', 'mxnet', 'transformers') if m in sys.modules]
assert not heavy, heavy
r.build('m')
assert 'torch' in sys.modules
print('ok')
"""
    result = run_python(code)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr
