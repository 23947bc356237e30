"""Who works on a user task, when it is due and how urgent it is, as the diagram states it.

Read from Camunda 7 attributes (`camunda:candidateGroups`, `candidateUsers`, `assignee`,
`dueDate`, `followUpDate`, `priority`: literals or JUEL `${…}`), BPMN's own `potentialOwner` /
`humanPerformer` (`user(kermit), group(sales)`), and Camunda 8 extension elements
(`zeebe:assignmentDefinition`, `zeebe:taskSchedule`, `zeebe:priorityDefinition`: literals or
FEEL `=…`). Parsing stores the result in the process metadata; validation checks every value
with its dialect; `task_attributes` evaluates the expressions when a task opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import dialects

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = dialects.ZEEBE_NS
LIST_ATTRIBUTES = ("candidateGroups", "candidateUsers")
# camunda:dueDate / priority written as `=expression` are Zorgpad's Python subset (docs §5).
PYTHON_EQUALS = ("dueDate", "followUpDate", "priority")
LITERAL = "literal"


@dataclass
class Value:
    """One stated value: `attribute` is candidateGroups, candidateUsers, assignee, dueDate,
    followUpDate or priority; `dialect` is "literal" or an expression dialect."""

    attribute: str
    text: str
    dialect: str
    element: object  # the lxml element it was read from (for a finding's line)
    source: str  # how the modeller wrote it, for messages: "camunda:dueDate", ...


def split_list(text: str) -> list[str]:
    """Comma-separated items, keeping `${a, b}` together (as Camunda does)."""
    items, current, depth = [], [], 0
    for char in text:
        if char == "{" and current and current[-1] in "$#":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == "," and not depth:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _camunda_dialect(attribute: str, text: str) -> str:
    if juel_like(text):
        return dialects.JUEL
    if attribute in PYTHON_EQUALS and text.strip().startswith("="):
        return dialects.PYTHON
    return LITERAL


def juel_like(text: str) -> bool:
    return "${" in text or "#{" in text


def _zeebe_dialect(text: str) -> str:
    return dialects.FEEL if text.strip().startswith("=") else LITERAL


def task_values(element) -> list[Value]:
    """Every assignment/schedule value stated on a user task (or manual task) element."""
    values: list[Value] = []
    for attribute in ("candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate", "priority"):
        text = element.get(f"{{{CAMUNDA_NS}}}{attribute}")
        if text is None or not text.strip():
            continue
        source = f"camunda:{attribute}"
        items = split_list(text) if attribute in LIST_ATTRIBUTES else [text.strip()]
        values.extend(
            Value(attribute, item, _camunda_dialect(attribute, item), element, source) for item in items
        )
    values.extend(_resource_values(element))
    extensions = element.find(f"{{{BPMN_NS}}}extensionElements")
    if extensions is not None:
        for tag, attributes in (
            ("assignmentDefinition", ("assignee", "candidateGroups", "candidateUsers")),
            ("taskSchedule", ("dueDate", "followUpDate")),
            ("priorityDefinition", ("priority",)),
        ):
            for definition in extensions.findall(f"{{{ZEEBE_NS}}}{tag}"):
                for attribute in attributes:
                    text = (definition.get(attribute) or "").strip()
                    if not text:
                        continue
                    source = f"zeebe:{tag} {attribute}"
                    dialect = _zeebe_dialect(text)
                    if dialect == LITERAL and attribute in LIST_ATTRIBUTES:
                        values.extend(
                            Value(attribute, item, LITERAL, definition, source) for item in split_list(text)
                        )
                    else:
                        values.append(Value(attribute, text, dialect, definition, source))
    return values


def _resource_values(element) -> list[Value]:
    """BPMN `potentialOwner` / `humanPerformer`: `user(x)`, `group(y)`, a bare name is a group."""
    values = []
    for tag, attribute in (
        ("potentialOwner", None),
        ("humanPerformer", "assignee"),
        ("performer", "assignee"),
    ):
        for owner in element.findall(f"{{{BPMN_NS}}}{tag}"):
            expression = owner.find(
                f"{{{BPMN_NS}}}resourceAssignmentExpression/{{{BPMN_NS}}}formalExpression"
            )
            if expression is None or not (expression.text or "").strip():
                continue
            source = f"bpmn:{tag}"
            for item in split_list(expression.text):
                target = attribute or "candidateGroups"
                text = item
                lowered = item.lower()
                for prefix, kind in (("user(", "candidateUsers"), ("group(", "candidateGroups")):
                    if lowered.startswith(prefix) and item.endswith(")"):
                        text = item[len(prefix) : -1].strip()
                        target = attribute or kind
                dialect = dialects.JUEL if juel_like(text) else LITERAL
                values.append(Value(target, text, dialect, expression, source))
    return values


def meta_from_values(values: list[Value]) -> dict:
    """The metadata one user task stores: literal candidates, expressions, due date, priority.

    `due` and `priority` keep their earlier forms (literal text, `=python`, and now `${juel}`);
    a FEEL value is stored as {"dialect": "feel", "expression": "=…"}.
    """
    meta: dict = {"candidate_groups": [], "candidate_users": [], "assignee": None}
    expressions: dict = {}
    keys = {"candidateGroups": "candidate_groups", "candidateUsers": "candidate_users"}
    for value in values:
        if value.attribute in keys:
            key = keys[value.attribute]
            if value.dialect == LITERAL:
                if value.text not in meta[key]:
                    meta[key].append(value.text)
            else:
                expressions.setdefault(key, []).append(stored(value))
        elif value.attribute == "assignee":
            if value.dialect == LITERAL:
                meta["assignee"] = value.text
            else:
                expressions["assignee"] = stored(value)
        elif value.attribute in ("dueDate", "priority", "followUpDate"):
            meta[{"dueDate": "due", "priority": "priority", "followUpDate": "follow_up"}[value.attribute]] = (
                stored(value)
            )
    if expressions:
        meta["assignment"] = expressions
    return meta


def stored(value: Value):
    if value.dialect == dialects.FEEL:
        return {"dialect": dialects.FEEL, "expression": value.text}
    return value.text
