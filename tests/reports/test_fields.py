"""The declaration of the reports' fields names real attributes, and every published field is described."""

import dataclasses

import pytest

from projects.reports.fields import NESTED, STRUCTURES

DECLARED = [(key, name, declared) for key, structure in STRUCTURES.items()
            for name, declared in structure.fields.items()]


@pytest.mark.parametrize(
    ("key", "name", "declared"), DECLARED, ids=[f"{STRUCTURES[key].name}.{name}" for key, name, _d in DECLARED]
)
def test_each_declared_field_exists_and_is_described(key, name, declared):
    if isinstance(key, type):
        names = {f.name for f in dataclasses.fields(key)}
        assert name in names or isinstance(getattr(key, name, None), property), f"{key.__name__} has no {name}"
    assert str(declared.label)
    assert str(declared.help_text) or not declared.api
    if declared.kind == NESTED:
        assert declared.of in STRUCTURES
