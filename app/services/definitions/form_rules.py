"""What a form's `x-ui` hints promise beyond JSON Schema, kept by the service, not only drawn.

`optionsFrom` ("besproken": "leercasussen/pseudoniem") makes a field's choices the values of a
member of a list in the form's own data, a list the service filled (a read-only field). JSON
Schema cannot say "one of the values in that other list", so a completion checks it here; the
web draws the same choices with `options_from`, and a deployment reports a hint that names no
such list (`hint_problems`).
"""

from __future__ import annotations


def options_from(data: dict | None, source: str) -> list[str]:
    """The distinct values of `member` in the rows of `data[list]`, for `source` "list/member"."""
    list_name, _, member = source.partition("/")
    rows = data.get(list_name) if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return []
    values = [str(row[member]) for row in rows if isinstance(row, dict) and row.get(member) not in (None, "")]
    return list(dict.fromkeys(values))


def option_sources(hints: dict | None) -> dict:
    """Field -> "list/member" from a form's `x-ui` hints (nothing if they give no usable map)."""
    sources = (hints or {}).get("optionsFrom") or {}
    return sources if isinstance(sources, dict) else {}


def choice_errors(schema: dict | None, data: dict) -> dict[str, list[str]]:
    """Messages per field whose value is not among the choices its `optionsFrom` offers."""
    errors: dict[str, list[str]] = {}
    for key, source in option_sources((schema or {}).get("x-ui")).items():
        if key not in data or data[key] is None:
            continue
        allowed = set(options_from(data, source))
        chosen = data[key] if isinstance(data[key], list) else [data[key]]
        for index, value in enumerate(chosen):
            if str(value) not in allowed:
                path = f"{key}/{index}" if isinstance(data[key], list) else key
                errors.setdefault(path, []).append(f"{value!r} is not one of the listed choices")
    return errors


def hint_problems(schema: dict) -> list[str]:
    """What is wrong with the form's `optionsFrom` hints (empty when they can work)."""
    problems = []
    hints = schema.get("x-ui")
    sources = hints.get("optionsFrom") if isinstance(hints, dict) else None
    if sources is None:
        return []
    if not isinstance(sources, dict):
        return ["x-ui.optionsFrom must be an object: field -> \"list/member\""]
    properties = schema.get("properties") or {}
    for key, source in sources.items():
        where = f"x-ui.optionsFrom.{key}"
        if key not in properties:
            problems.append(f"{where}: the form has no field '{key}'")
            continue
        if not isinstance(source, str) or source.count("/") != 1:
            problems.append(f"{where}: give the source as \"list/member\", not {source!r}")
            continue
        list_name, member = source.split("/")
        listed = properties.get(list_name) or {}
        items = listed.get("items") or {}
        if listed.get("type") != "array" or member not in (items.get("properties") or {}):
            problems.append(
                f"{where}: '{list_name}' must be a list field of the form whose items have '{member}'"
            )
        elif not listed.get("readOnly"):
            problems.append(
                f"{where}: '{list_name}' must be read-only (filled by the service), or anyone"
                " completing the form could choose their own choices"
            )
    return problems
