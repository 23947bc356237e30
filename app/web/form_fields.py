"""A task's JSON Schema (with its `x-ui` hints) as a tree of fields to render, and back.

`build_fields` turns schema + data + errors into `Field`s the templates draw; `parse_form` turns
a posted HTML form into typed JSON for the service's JSON-Schema validation. Both walk the
schema the same way, so an HTML input name (`zrm.huisvesting`, `netwerk.0.naam`) always maps to
the error path the service reports (`zrm/huisvesting`, `netwerk/0/naam`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from app.services.definitions.form_rules import option_sources, options_from

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
# Without JavaScript a repeating group shows this many empty rows after the filled ones.
EMPTY_ROWS_WITHOUT_JS = 1


@dataclass
class Field:
    key: str
    path: str  # error path as the service reports it: "zrm/huisvesting", "netwerk/0/naam"
    title: str
    kind: str  # text textarea number integer scale yesno checkbox select radio checkboxes date
    #            datetime object repeat readonly
    required: bool = False
    description: str | None = None
    help: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    value: object = None
    errors: list[str] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    rows: list[list[Field]] = field(default_factory=list)
    template_row: list[Field] = field(default_factory=list)
    minimum: int | float | None = None
    maximum: int | float | None = None
    max_length: int | None = None

    @property
    def input_name(self) -> str:
        return self.path.replace("/", ".")

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path)

    @property
    def scale_values(self) -> list[int]:
        return list(range(int(self.minimum), int(self.maximum) + 1))

    def shown(self, value) -> str:
        """A read-only value as text: an option's title where the field has options."""
        if value is None or value == "":
            return "—"
        return dict(self.options).get(str(value), str(value))

    def has_errors(self) -> bool:
        return (
            bool(self.errors)
            or any(c.has_errors() for c in self.children)
            or any(c.has_errors() for row in self.rows for c in row)
        )


def _options(schema: dict) -> list[tuple[str, str]]:
    if "oneOf" in schema and all("const" in o for o in schema["oneOf"]):
        return [(str(o["const"]), o.get("title") or str(o["const"])) for o in schema["oneOf"]]
    if "enum" in schema:
        return [(str(v), str(v)) for v in schema["enum"]]
    return []


def _ordered(schema: dict) -> list[str]:
    props = list(schema.get("properties", {}))
    order = [k for k in (schema.get("x-ui") or {}).get("order", []) if k in props]
    return order + [k for k in props if k not in order]


def _kind(prop: dict, widget: str | None) -> str:
    type_ = prop.get("type")
    if prop.get("readOnly"):
        return "readonly"
    if type_ == "object":
        return "object"
    if type_ == "array":
        items = prop.get("items") or {}
        if items.get("type") == "object":
            return "repeat"
        return "checkboxes"
    if type_ == "boolean":
        return "checkbox" if widget == "checkbox" else "yesno"
    if (
        type_ == "integer"
        and widget in ("scale", "radio")
        or (
            type_ == "integer"
            and "minimum" in prop
            and "maximum" in prop
            and prop["maximum"] - prop["minimum"] <= 10
        )
    ):
        return "scale"
    if type_ in ("integer", "number"):
        return type_
    if _options(prop):
        return "radio" if widget == "radio" else "select"
    if prop.get("format") == "date" or widget == "date" and prop.get("format") != "date-time":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    if widget == "textarea" or (prop.get("maxLength") or 0) > 300:
        return "textarea"
    return "text"


def build_fields(schema: dict, data: dict | None, errors: dict[str, list[str]] | None) -> list[Field]:
    """The fields of a form, filled with `data` and the messages in `errors` (by path)."""
    return _build_object(schema, data or {}, errors or {}, prefix="", hints=schema.get("x-ui") or {})


def _build_object(schema: dict, data: dict, errors: dict, prefix: str, hints: dict) -> list[Field]:
    widgets = hints.get("widgets") or {}
    helps = hints.get("help") or {}
    sources = option_sources(hints)
    required = set(schema.get("required") or [])
    fields: list[Field] = []
    for key in _ordered(schema):
        prop = schema["properties"][key]
        path = f"{prefix}{key}"
        widget = widgets.get(key)
        kind = _kind(prop, widget)
        value = data.get(key) if isinstance(data, dict) else None
        f = Field(
            key=key,
            path=path,
            title=prop.get("title") or key,
            kind=kind,
            required=key in required,
            description=prop.get("description"),
            help=helps.get(key),
            options=(
                [(v, v) for v in options_from(data, sources[key])]
                if key in sources
                else _options(prop.get("items") or {})
                if kind == "checkboxes"
                else _options(prop)
            ),
            value=value,
            errors=list(errors.get(path, [])),
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
            max_length=prop.get("maxLength"),
        )
        if kind == "object":
            # A widget on an object applies to its members (e.g. "scale" on the ZRM domains).
            child_hints = {"widgets": dict.fromkeys(prop.get("properties", {}), widget)} if widget else {}
            f.children = _build_object(prop, value or {}, errors, prefix=path + "/", hints=child_hints)
        elif kind == "readonly" and ((prop.get("items") or {}).get("type")) == "object":
            # A list the service filled: shown as a table, one column per item field.
            f.children = _build_object(prop["items"], {}, {}, prefix=path + "/", hints={})
        elif kind == "repeat":
            item = prop["items"]
            rows = value if isinstance(value, list) else []
            f.rows = [
                _build_object(item, row if isinstance(row, dict) else {}, errors, f"{path}/{i}/", {})
                for i, row in enumerate(rows)
            ]
            for _ in range(EMPTY_ROWS_WITHOUT_JS if not rows else 0):
                f.rows.append(_build_object(item, {}, errors, f"{path}/{len(f.rows)}/", {}))
            # The row the "add" button clones; "__i__" is replaced by the next index in JS.
            f.template_row = _build_object(item, {}, {}, f"{path}/__i__/", {})
        fields.append(f)
    return fields


# ---- form post -> typed JSON ----------------------------------------------------------------


def parse_form(schema: dict, form: MultiDict) -> dict:
    """Typed JSON from a posted form. Unparseable values are kept as text so the validation
    reports them at their field and the page shows what was typed."""
    return _parse_object(schema, form, prefix="")


def _parse_object(schema: dict, form: MultiDict, prefix: str) -> dict:
    result: dict = {}
    required = set(schema.get("required") or [])
    for key, prop in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        if prop.get("readOnly"):
            continue
        type_ = prop.get("type")
        if type_ == "object":
            value = _parse_object(prop, form, name + ".")
            if value or key in required:
                result[key] = value
        elif type_ == "array" and (prop.get("items") or {}).get("type") == "object":
            rows = _parse_rows(prop["items"], form, name)
            if rows or key in required:
                result[key] = rows
        elif type_ == "array":
            result[key] = [v for v in form.getlist(name) if v != ""]
        elif type_ == "boolean":
            value = form.get(name)
            if value in ("true", "on"):
                result[key] = True
            elif value == "false" or (value is None and f"{name}.present" in form):
                # A lone checkbox sends nothing when unticked; its hidden marker says it was shown.
                result[key] = False
        else:
            raw = (form.get(name) or "").strip()
            if raw == "":
                continue
            result[key] = _scalar(prop, raw)
    return result


def _parse_rows(item: dict, form: MultiDict, name: str) -> list[dict]:
    pattern = re.compile(re.escape(name) + r"\.(\d+)\.")
    indices = sorted({int(m.group(1)) for k in form for m in [pattern.match(k)] if m})
    rows = [_parse_object(item, form, f"{name}.{i}.") for i in indices]
    return [row for row in rows if row]  # an untouched empty row is no entry


def _scalar(prop: dict, raw: str):
    type_ = prop.get("type")
    if type_ == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if type_ == "number":
        try:
            return float(raw.replace(",", "."))  # Dutch decimal comma
        except ValueError:
            return raw
    if prop.get("format") == "date-time":
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=LOCAL_TZ).isoformat()
        except ValueError:
            return raw
    return raw


def datetime_input_value(value) -> str:
    """An ISO date-time as the `datetime-local` input shows it (local time, minutes)."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return str(value)
