import dataclasses

import pytest
from helpers import make_card

from zoo_patterns.cards import REQUIRED, Metric, ModelCard, TensorSpec
from zoo_patterns.errors import InvalidCardError


def test_card_round_trips_through_yaml_front_matter(tmp_path):
    card = make_card(metrics=(Metric("accuracy", 0.9876, "digits 0-4", "test"),), num_params=1234, labels=("a", "b"))
    path = card.save(tmp_path)
    text = path.read_text()
    assert text.startswith("---\n") and "\n---\n" in text[4:], "front matter must be fenced by --- lines"
    again = ModelCard.load(tmp_path)
    assert again == card.replace(description=again.description)
    assert again.inputs[0].shape == (None, 64) and again.inputs[0].value_range == (0.0, 1.0)
    assert again.metric("accuracy") == pytest.approx(0.9876)


def test_card_is_frozen():
    card = make_card()
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("field", REQUIRED)
def test_missing_required_field_is_named(field):
    data = make_card().to_dict()
    del data[field]
    with pytest.raises(InvalidCardError, match=field):
        ModelCard.from_dict(data)


def test_empty_required_field_is_named():
    with pytest.raises(InvalidCardError, match="license"):
        make_card(license=" ")


def test_card_without_front_matter_is_refused():
    with pytest.raises(InvalidCardError, match="front matter"):
        ModelCard.from_markdown("# just a readme\n")


def test_spec_dims_and_shape_must_agree():
    with pytest.raises(InvalidCardError, match="different lengths"):
        TensorSpec("x", ("batch",), (None, 3), "float32")


def test_spec_missing_dtype_is_named():
    with pytest.raises(InvalidCardError, match="dtype"):
        TensorSpec.from_dict({"name": "x", "dims": ["batch"], "shape": [None]})
