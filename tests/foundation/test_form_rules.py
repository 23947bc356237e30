"""`x-ui.optionsFrom`: choices taken from a list the service filled, checked and deployable."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from app.services.definitions.form_rules import choice_errors, hint_problems, options_from

FORMS = Path(__file__).resolve().parents[2] / "forms"
FORM = json.loads((FORMS / "leren-leersessie.schema.json").read_text())
LISTED = {
    "leercasussen": [
        {"pseudoniem": "LC-1", "leervraag": "a"},
        {"pseudoniem": "LC-2", "leervraag": "b"},
        {"pseudoniem": "LC-1", "leervraag": "c"},
        {"leervraag": "no pseudonym"},
    ]
}


def test_options_are_the_distinct_listed_values_in_order():
    assert options_from(LISTED, "leercasussen/pseudoniem") == ["LC-1", "LC-2"]
    assert options_from({}, "leercasussen/pseudoniem") == []
    assert options_from({"leercasussen": "not a list"}, "leercasussen/pseudoniem") == []


def test_only_listed_choices_pass():
    assert choice_errors(FORM, {**LISTED, "besproken": ["LC-2", "LC-1"]}) == {}
    assert choice_errors(FORM, {**LISTED}) == {}  # nothing chosen is fine: the field is optional
    errors = choice_errors(FORM, {**LISTED, "besproken": ["LC-2", "LC-9"]})
    assert list(errors) == ["besproken/1"] and "LC-9" in errors["besproken/1"][0]
    nothing_listed = choice_errors(FORM, {"besproken": ["LC-1"]})
    assert nothing_listed == {"besproken/0": ["'LC-1' is not one of the listed choices"]}


def test_the_shipped_form_has_workable_hints():
    assert hint_problems(FORM) == []


def test_broken_hints_are_named():
    def broken(change) -> list[str]:
        form = copy.deepcopy(FORM)
        change(form)
        return hint_problems(form)

    def source(**sources):
        return lambda f: f["x-ui"]["optionsFrom"].update(sources)

    assert "no field 'gekozen'" in broken(source(gekozen="leercasussen/pseudoniem"))[0]
    assert '"list/member"' in broken(source(besproken="leercasussen"))[0]
    assert "items have 'naam'" in broken(source(besproken="leercasussen/naam"))[0]
    assert "read-only" in broken(lambda f: f["properties"]["leercasussen"].pop("readOnly"))[0]
    assert "must be an object" in broken(lambda f: f["x-ui"].update(optionsFrom=["besproken"]))[0]
