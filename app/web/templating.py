"""Small Jinja filters the templates share."""

from __future__ import annotations

from flask import Flask

from .form_fields import datetime_input_value


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
        reject_key=lambda mapping, key: {k: v for k, v in mapping.items() if k != key},
    )
