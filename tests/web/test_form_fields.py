"""JSON Schema + x-ui hints -> fields, and form posts -> typed JSON (no database needed)."""

from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from app.web.form_fields import build_fields, parse_form
from tests.web.support import ROOT


def _schema(name):
    return json.loads((ROOT / "forms" / f"{name}.schema.json").read_text())


def _by_key(fields):
    return {f.key: f for f in fields}


def test_vraagverkenning_fields_follow_the_ui_hints():
    fields = _by_key(build_fields(_schema("triage-vraagverkenning"), {}, {}))
    assert list(fields)[:3] == _schema("triage-vraagverkenning")["x-ui"]["order"][:3]
    zrm = fields["zrm"]
    assert zrm.kind == "object" and len(zrm.children) == 13
    assert all(c.kind == "scale" and c.scale_values == [1, 2, 3, 4, 5] for c in zrm.children)
    health = fields["positieve_gezondheid"]
    assert health.children[0].scale_values == list(range(0, 11))
    assert fields["vier_d_knelpunten"].kind == "checkboxes"
    assert fields["vier_d_prioriteit"].kind == "radio"
    assert fields["hulpvraag"].kind == "textarea"
    network = fields["netwerk"]
    assert network.kind == "repeat" and len(network.rows) == 1  # one empty row works without JS
    assert network.rows[0][0].input_name == "netwerk.0.naam"
    assert network.template_row[0].input_name == "netwerk.__i__.naam"


def test_form_post_becomes_typed_json():
    schema = _schema("triage-vraagverkenning")
    form = MultiDict(
        [
            ("hulpvraag", " Weer grip op geld "),
            ("vier_d_knelpunten", "praktisch"),
            ("vier_d_knelpunten", "sociaal"),
            ("zrm.financien", "1"),
            ("zrm.huisvesting", "drie"),
            ("netwerk.0.naam", "Zus"),
            ("netwerk.0.relatie", "naaste"),
            ("netwerk.3.naam", "Buurman"),
            ("netwerk.5.naam", ""),
            ("bekend_bij_fact", "false"),
            ("toestemming_delen_domeinen.present", "1"),
        ]
    )
    data = parse_form(schema, form)
    assert data["hulpvraag"] == "Weer grip op geld"
    assert data["vier_d_knelpunten"] == ["praktisch", "sociaal"]
    assert data["zrm"]["financien"] == 1
    assert data["zrm"]["huisvesting"] == "drie"  # kept as typed, so the error shows it
    assert data["netwerk"] == [{"naam": "Zus", "relatie": "naaste"}, {"naam": "Buurman"}]
    assert data["bekend_bij_fact"] is False
    assert data["toestemming_delen_domeinen"] is False  # an unticked lone checkbox
    assert "positieve_gezondheid" in data and data["positieve_gezondheid"] == {}  # required object


def test_errors_land_on_their_fields_and_values_stay():
    schema = _schema("triage-vraagverkenning")
    data = {"zrm": {"huisvesting": "drie"}, "netwerk": [{"naam": "Zus"}]}
    errors = {"zrm/huisvesting": ["Vul een heel getal in."], "netwerk/0/relatie": ["Verplicht."]}
    fields = _by_key(build_fields(schema, data, errors))
    housing = _by_key(fields["zrm"].children)["huisvesting"]
    assert housing.errors == ["Vul een heel getal in."] and housing.value == "drie"
    row = _by_key(fields["netwerk"].rows[0])
    assert row["naam"].value == "Zus" and row["relatie"].errors == ["Verplicht."]
    assert fields["zrm"].has_errors()


def test_every_shipped_form_builds_and_parses_an_empty_post():
    for path in sorted((ROOT / "forms").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        assert build_fields(schema, {}, {}), path.name
        assert isinstance(parse_form(schema, MultiDict()), dict)
