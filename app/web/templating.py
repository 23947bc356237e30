"""Small Jinja filters the templates share."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Flask
from flask_babel import format_datetime

from .form_fields import datetime_input_value


def stamp(value: str | datetime | None) -> str:
    """An audit time to the second, in the Amsterdam zone (ISO strings from the services too)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "d-MM-y HH:mm:ss")


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def form_values(value) -> set[str]:
    """The option values an input shows as chosen, as the strings the HTML carries."""
    if value is None:
        return set()
    if isinstance(value, list):
        return {str(v) for v in value}
    if isinstance(value, bool):
        return {"true" if value else "false"}
    return {str(value)}


def install(app: Flask) -> None:
    app.jinja_env.filters.update(
        form_values=form_values,
        pair=lambda value: (value, value),
        datetime_input=datetime_input_value,
        group_name=lambda key, names: names.get(key, key),
        stamp=stamp,
        as_json=as_json,
        reject_key=lambda mapping, key: {k: v for k, v in mapping.items() if k != key},
    )
