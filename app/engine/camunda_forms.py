"""Forms as Camunda modellers attach them, turned into what Zorgpad shows: a JSON Schema.

- `camunda:formData` (Camunda 7 generated forms) becomes a JSON Schema at deployment: each
  `camunda:formField` a property (type string/long/boolean/date/enum, label, default value,
  required/min/max/minlength/maxlength/readonly constraints), in the drawn order.
- A Camunda 8 form embedded in the diagram (`zeebe:userTaskForm`, form-js JSON) becomes a JSON
  Schema the same way (text, number, checkbox, select/radio, textarea, date fields).
- A form *reference* that is not a JSON Schema file name (`embedded:app:forms/x.html`,
  `app:x.jsf`, `camunda-forms:…`, `camunda:formRef`, `zeebe:formDefinition formId`) is looked up
  as `<base name>.schema.json` or `<base name>.json`; when no such schema is deployed, the task
  gets a generic form and the deployment a warning (see `resolve_forms`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORM_REF_BINDINGS = ("deployment", "latest", "version")


@dataclass
class Problem:
    element: etree._Element
    message: str
    severity: str = "error"


@dataclass
class FormChoice:
    """What a task's form is: a file name to look up, or a schema generated from the diagram."""

    name: str | None = None
    # True when `name` was derived from a foreign form key: a missing schema is then a warning
    # and the task gets a generic form, instead of an error.
    derived: bool = False
    original: str | None = None
    generated: dict | None = None
    problems: list[Problem] = field(default_factory=list)


def _c(tag: str) -> str:
    return f"{{{CAMUNDA_NS}}}{tag}"


def _z(tag: str) -> str:
    return f"{{{ZEEBE_NS}}}{tag}"


def base_name(key: str) -> str:
    """`embedded:app:forms/approve-invoice.html` -> `approve-invoice`."""
    path = key.split(":")[-1].strip()
    name = PurePosixPath(path).name or path
    for suffix in (".schema.json", ".json", ".html", ".htm", ".jsf", ".xhtml", ".form"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def candidates(key: str) -> list[str]:
    base = base_name(key)
    return [f"{base}.schema.json", f"{base}.json"]


def choose_form(element, process_id: str, known_forms: set[str], spiff_form: str | None) -> FormChoice:
    """The form of a user task `element` (its camunda/zeebe attributes) or `spiff_form`."""
    choice = FormChoice()
    extensions = element.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}extensionElements")
    form_data = extensions.find(_c("formData")) if extensions is not None else None
    zeebe_form = extensions.find(_z("formDefinition")) if extensions is not None else None
    form_key = element.get(_c("formKey"))
    form_ref = element.get(_c("formRef"))  # its binding is checked by validation
    task_id = element.get("id")
    title = element.get("name") or task_id
    if form_data is not None and len(form_data):
        schema = schema_from_form_data(form_data, title, choice.problems)
        choice.name = f"{process_id}.{task_id}.formdata.json"
        choice.generated = schema
        if form_key:
            message = f"camunda:formKey '{form_key}' is ignored: the task's camunda:formData is its form"
            choice.problems.append(Problem(element, message, "warning"))
        return choice
    if zeebe_form is not None:
        return _zeebe_form(element, zeebe_form, process_id, title, known_forms, choice)
    key = form_key or form_ref or spiff_form
    if not key:
        return choice
    return _reference(choice, key, known_forms, exact=_is_schema_name(key) and not form_ref)


def _is_schema_name(key: str) -> bool:
    return key.lower().endswith(".json") and (":" not in key or key.startswith("embedded:"))


def _reference(choice: FormChoice, key: str, known_forms: set[str], exact: bool) -> FormChoice:
    choice.original = key
    if exact:
        choice.name = PurePosixPath(key.split(":")[-1]).name
        return choice
    names = candidates(key)
    choice.name = next((n for n in names if n in known_forms), names[0])
    choice.derived = True
    return choice


def check_form_ref(element, problems: list[Problem]) -> None:
    """Camunda 7 refuses a `camunda:formRef` with an unknown binding; so do we."""
    if element.get(_c("formRef")) is None:
        return
    binding = element.get(_c("formRefBinding")) or "latest"
    if binding not in FORM_REF_BINDINGS:
        problems.append(
            Problem(
                element,
                f"camunda:formRefBinding '{binding}' is not one of {', '.join(FORM_REF_BINDINGS)}",
            )
        )
    elif binding == "version" and not (element.get(_c("formRefVersion")) or "").strip():
        problems.append(Problem(element, "camunda:formRefBinding 'version' needs camunda:formRefVersion"))


# ---- camunda:formData ---------------------------------------------------------------------

_TYPES = {
    "string": {"type": "string"},
    "long": {"type": "integer"},
    "integer": {"type": "integer"},
    "short": {"type": "integer"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


def schema_from_form_data(form_data, title: str, problems: list[Problem]) -> dict:
    properties: dict[str, dict] = {}
    required: list[str] = []
    for field_el in form_data.findall(_c("formField")):
        field_id = (field_el.get("id") or "").strip()
        if not field_id:
            problems.append(Problem(field_el, "camunda:formField needs an id (the variable it fills)"))
            continue
        if field_id in properties:
            problems.append(Problem(field_el, f"camunda:formField '{field_id}' appears twice"))
            continue
        prop, is_required = _form_field(field_el, field_id, problems)
        properties[field_id] = prop
        if is_required:
            required.append(field_id)
    schema = {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "type": "object",
        "properties": properties,
        "x-ui": {"order": list(properties), "generatedFrom": "camunda:formData"},
    }
    if required:
        schema["required"] = required
    return schema


def _form_field(field_el, field_id: str, problems: list[Problem]) -> tuple[dict, bool]:
    kind = (field_el.get("type") or "string").strip()
    if kind == "enum":
        values = [(v.get("id"), v.get("name") or v.get("id")) for v in field_el.findall(_c("value"))]
        values = [(key, name) for key, name in values if key]
        if not values:
            problems.append(Problem(field_el, f"enum field '{field_id}' has no camunda:value"))
        prop: dict = {"type": "string", "oneOf": [{"const": key, "title": name} for key, name in values]}
    elif kind in _TYPES:
        prop = dict(_TYPES[kind])
    else:
        problems.append(
            Problem(
                field_el, f"form field type '{kind}' of '{field_id}' is not known; shown as text", "warning"
            )
        )
        prop = {"type": "string"}
    label = field_el.get("label")
    if label:
        prop["title"] = label
    default = field_el.get("defaultValue")
    if default is not None and "${" not in default and "#{" not in default:
        value = _typed(default, prop)
        if value is None:
            problems.append(
                Problem(field_el, f"defaultValue '{default}' of '{field_id}' does not fit its type")
            )
        else:
            prop["default"] = value
    is_required = False
    validation = field_el.find(_c("validation"))
    for constraint in validation.findall(_c("constraint")) if validation is not None else []:
        name = (constraint.get("name") or "").strip()
        config = constraint.get("config")
        if name == "required":
            is_required = True
        elif name == "readonly":
            prop["readOnly"] = True
        elif name in ("min", "max", "minlength", "maxlength"):
            number = _number(config)
            if number is None:
                problems.append(Problem(constraint, f"constraint '{name}' of '{field_id}' needs a number"))
                continue
            if name in ("minlength", "maxlength"):
                prop["minLength" if name == "minlength" else "maxLength"] = int(number)
            elif prop.get("type") in ("integer", "number"):
                prop["minimum" if name == "min" else "maximum"] = number
            else:  # Camunda compares the length of text against min/max
                prop["minLength" if name == "min" else "maxLength"] = int(number)
        else:
            message = f"constraint '{name}' of '{field_id}' is not supported (custom validators run Java)"
            problems.append(Problem(constraint, message))
    return prop, is_required


def _number(text: str | None):
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def _typed(text: str, prop: dict):
    kind = prop.get("type")
    if kind == "integer":
        number = _number(text)
        return number if isinstance(number, int) else None
    if kind == "number":
        return _number(text)
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.strip().lower())
    if "oneOf" in prop and text not in [o["const"] for o in prop["oneOf"]]:
        return None
    return text


# ---- Camunda 8 forms -----------------------------------------------------------------------


def _zeebe_form(element, definition, process_id, title, known_forms, choice: FormChoice) -> FormChoice:
    form_key = definition.get("formKey")
    form_id = definition.get("formId")
    external = definition.get("externalReference")
    if form_key and form_key.startswith("camunda-forms:bpmn:"):
        embedded_id = form_key.split(":", 2)[2]
        root = element.getroottree().getroot()
        form_el = next(
            (f for f in root.iter(_z("userTaskForm")) if f.get("id") == embedded_id),
            None,
        )
        if form_el is None:
            choice.problems.append(
                Problem(definition, f"zeebe:userTaskForm '{embedded_id}' is not in this diagram")
            )
            return choice
        try:
            form_js = json.loads(form_el.text or "")
        except json.JSONDecodeError as exc:
            choice.problems.append(
                Problem(form_el, f"zeebe:userTaskForm '{embedded_id}' is not valid JSON: {exc}")
            )
            return choice
        choice.generated = schema_from_form_js(form_js, title, form_el, choice.problems)
        choice.name = f"{process_id}.{element.get('id')}.form.json"
        return choice
    key = form_id or form_key or external
    if not key:
        return choice
    return _reference(choice, key, known_forms, exact=_is_schema_name(key))


_FORM_JS = {
    "textfield": {"type": "string"},
    "textarea": {"type": "string"},
    "number": {"type": "number"},
    "checkbox": {"type": "boolean"},
    "select": {"type": "string"},
    "radio": {"type": "string"},
    "datetime": {"type": "string", "format": "date"},
    "checklist": {"type": "array", "items": {"type": "string"}},
    "taglist": {"type": "array", "items": {"type": "string"}},
}
_LAYOUT = {
    "text",
    "html",
    "image",
    "spacer",
    "separator",
    "button",
    "group",
    "dynamiclist",
    "iframe",
    "table",
}


def schema_from_form_js(form_js: dict, title: str, element, problems: list[Problem]) -> dict:
    properties: dict[str, dict] = {}
    required: list[str] = []
    widgets: dict[str, str] = {}
    components = form_js.get("components") if isinstance(form_js, dict) else None
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        kind, key = component.get("type"), component.get("key")
        if kind in _LAYOUT or not key:
            if kind not in _LAYOUT:
                problems.append(
                    Problem(element, f"form field of type '{kind}' has no key; left out", "warning")
                )
            continue
        if kind not in _FORM_JS:
            problems.append(
                Problem(
                    element, f"form field type '{kind}' of '{key}' is not known; shown as text", "warning"
                )
            )
        prop = dict(_FORM_JS.get(kind, {"type": "string"}))
        if component.get("label"):
            prop["title"] = str(component["label"])
        values = component.get("values")
        if isinstance(values, list) and values:
            options = [
                {"const": str(v.get("value")), "title": str(v.get("label") or v.get("value"))}
                for v in values
                if isinstance(v, dict)
            ]
            if prop["type"] == "array":
                prop["items"] = {"type": "string", "oneOf": options}
            else:
                prop["oneOf"] = options
        validate = component.get("validate") if isinstance(component.get("validate"), dict) else {}
        if validate.get("required"):
            required.append(key)
        for source, target in (
            ("minLength", "minLength"),
            ("maxLength", "maxLength"),
            ("min", "minimum"),
            ("max", "maximum"),
        ):
            if isinstance(validate.get(source), int | float) and not isinstance(validate.get(source), bool):
                prop[target] = validate[source]
        if component.get("readonly") is True or component.get("disabled") is True:
            prop["readOnly"] = True
        if "defaultValue" in component:
            prop["default"] = component["defaultValue"]
        if kind == "textarea":
            widgets[key] = "textarea"
        if kind == "radio":
            widgets[key] = "radio"
        properties[key] = prop
    schema = {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "type": "object",
        "properties": properties,
        "x-ui": {"order": list(properties), "generatedFrom": "zeebe:userTaskForm"},
    }
    if widgets:
        schema["x-ui"]["widgets"] = widgets
    if required:
        schema["required"] = required
    return schema


def schema_bytes(schema: dict) -> bytes:
    """A generated schema as stored: canonical, so an unchanged diagram makes no new version."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False).encode()
