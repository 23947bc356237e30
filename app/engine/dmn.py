"""DMN decisions as Camunda and SpiffArena modellers draw them, evaluated on our interpreters.

Reads DMN 1.1–1.5 files: every decision of a file (decision tables and literal expressions),
their requirement graph (`informationRequirement/requiredDecision`: required decisions are
evaluated first and their outputs are variables of the decisions that need them), all hit
policies (UNIQUE, FIRST, PRIORITY, ANY, COLLECT with SUM/MIN/MAX/COUNT, RULE ORDER, OUTPUT
ORDER) and, per cell, the expression language:
- FEEL when the file declares the Camunda DMN namespace or `modeler:executionPlatform`
  (Camunda Modeler), or an `expressionLanguage` naming FEEL;
- JUEL for `${…}` cells or `expressionLanguage="juel"`;
- otherwise Zorgpad's Python subset (SpiffArena's convention): a cell is a value to compare
  with, an operator and value (`< 3`, `in ["a", "b"]`), a test using `?`, or a list of values
  (`"a", "b"`: any of them).

A business-rule task refers to a decision by `spiffworkflow:calledDecisionId`,
`camunda:decisionRef` (with `camunda:resultVariable` and `camunda:mapDecisionResult`) or
`zeebe:calledDecision` (`decisionId`, `resultVariable`). The decision and the decisions it
requires are copied into the process version (`DecisionTask`), like a called process.

A single-result table where no rule matches is an error (a gap in the table, not an answer),
as is a UNIQUE table where two rules match, or an ANY table whose matches disagree.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.util.deep_merge import DeepMerge

from . import dialects, expressions, feel, juel
from .decisions import NoRuleMatched
from .script_limits import ExpressionError

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
CAMUNDA_DMN_NS = "http://camunda.org/schema/1.0/dmn"
CAMUNDA_BPMN_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
_HIT_ABBREVIATIONS = {"U": "UNIQUE", "F": "FIRST", "P": "PRIORITY", "A": "ANY", "C": "COLLECT",
                      "R": "RULE ORDER", "O": "OUTPUT ORDER"}  # fmt: skip
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
SINGLE_HIT = ("UNIQUE", "FIRST", "PRIORITY", "ANY")
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")
_PYTHON_INPUT = "dmninputexpr"
# Children of a decision that are not its logic.
_NOT_LOGIC = frozenset(
    {"informationRequirement", "knowledgeRequirement", "authorityRequirement", "variable",
     "extensionElements", "description", "question", "allowedAnswers"}
)  # fmt: skip


class DecisionError(Exception):
    """A decision could not give an answer: conflicting rules, a wrong result mapping."""


def _language(value: str | None) -> str | None:
    """Our dialect for an `expressionLanguage` URI or name, "" for an unsupported one."""
    if not value:
        return None
    lowered = value.strip().lower()
    if "feel" in lowered:
        return dialects.FEEL
    if lowered == "juel":
        return dialects.JUEL
    if lowered in ("python", "http://www.python.org", "https://www.python.org"):
        return dialects.PYTHON
    return ""


def file_dialect(root) -> str:
    language = _language(root.get("expressionLanguage"))
    if language:
        return language
    if CAMUNDA_DMN_NS in root.nsmap.values() or root.get(f"{{{dialects.MODELER_NS}}}executionPlatform"):
        return dialects.FEEL
    return dialects.PYTHON


def dmn_namespace(root) -> str | None:
    namespace = etree.QName(root).namespace
    return namespace if namespace in DMN_NAMESPACES else None


class _Reader:
    def __init__(self, file_name: str, root):
        self.file = file_name
        self.root = root
        self.ns = dmn_namespace(root)
        self.default = file_dialect(root)
        self.problems: list[tuple[Any, str]] = []  # (element, message)
        self.cells: list[tuple[Any, str, str, str]] = []  # (element, text, dialect, kind)

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def text_of(self, element) -> str:
        text_el = element.find(self.q("text")) if element is not None else None
        return (text_el.text or "").strip() if text_el is not None else ""

    def dialect(self, element, text: str, default: str | None = None) -> str:
        language = _language(element.get("expressionLanguage")) if element is not None else None
        if language == "":
            self.problems.append(
                (
                    element,
                    f"expressionLanguage '{element.get('expressionLanguage')}' is not supported "
                    "(FEEL, JUEL, python)",
                )
            )
            return default or self.default
        if language:
            return language
        if text.startswith(("${", "#{")):  # a text *containing* ${ may be a Python string
            return dialects.JUEL
        return default or self.default

    def read(self) -> dict[str, dict]:
        decisions: dict[str, dict] = {}
        if self.ns is None:
            return decisions
        table_language = _language(self.root.get("expressionLanguage")) or None
        for element in self.root.findall(self.q("decision")):
            decision_id = element.get("id")
            if not decision_id:
                self.problems.append((element, "a decision needs an id"))
                continue
            decision = {
                "id": decision_id,
                "name": element.get("name") or decision_id,
                "file": self.file,
                "required": [],
            }
            for requirement in element.findall(
                f"{self.q('informationRequirement')}/{self.q('requiredDecision')}"
            ):
                href = (requirement.get("href") or "").lstrip("#")
                if href:
                    decision["required"].append(href)
            table = element.find(self.q("decisionTable"))
            literal = element.find(self.q("literalExpression"))
            if table is not None:
                self.table(decision, table, table_language)
            elif literal is not None:
                text = self.text_of(literal)
                dialect = self.dialect(literal, text)
                self.cells.append((literal, text, dialect, "expression"))
                variable = element.find(self.q("variable"))
                decision.update(
                    kind="literal",
                    expression=[text, dialect],
                    variable=(variable.get("name") if variable is not None else None) or decision_id,
                    typeRef=(variable.get("typeRef") if variable is not None else None)
                    or literal.get("typeRef"),
                )
            else:
                logic = next(
                    (etree.QName(c).localname for c in element
                     if isinstance(c.tag, str) and etree.QName(c).localname not in _NOT_LOGIC),
                    None,
                )  # fmt: skip
                what = f"'{logic}'" if logic else "nothing"
                self.problems.append(
                    (
                        element,
                        f"decision '{decision_id}' holds {what}: only decision tables and literal "
                        "expressions run",
                    )
                )
                continue
            decisions[decision_id] = decision
        for decision in decisions.values():
            for required in decision["required"]:
                if required not in decisions:
                    element = self._decision_element(decision["id"])
                    self.problems.append((element, f"required decision '{required}' is not in this file"))
        self._cycles(decisions)
        return decisions

    def _decision_element(self, decision_id: str):
        return next(
            (d for d in self.root.findall(self.q("decision")) if d.get("id") == decision_id), self.root
        )

    def _cycles(self, decisions: dict[str, dict]) -> None:
        state: dict[str, int] = {}

        def visit(decision_id: str, path: list[str]) -> None:
            if state.get(decision_id) == 2 or decision_id not in decisions:
                return
            if state.get(decision_id) == 1:
                cycle = " -> ".join([*path[path.index(decision_id) :], decision_id])
                self.problems.append(
                    (self._decision_element(decision_id), f"decisions require each other: {cycle}")
                )
                return
            state[decision_id] = 1
            for required in decisions[decision_id]["required"]:
                visit(required, [*path, decision_id])
            state[decision_id] = 2

        for decision_id in decisions:
            visit(decision_id, [])

    def table(self, decision: dict, table, default_language) -> None:
        policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
        policy = _HIT_ABBREVIATIONS.get(policy, policy)
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        if policy not in HIT_POLICIES:
            self.problems.append((table, f"hit policy '{policy}' is not one of {', '.join(HIT_POLICIES)}"))
        if aggregation and aggregation not in AGGREGATIONS:
            self.problems.append(
                (table, f"aggregation '{aggregation}' is not one of {', '.join(AGGREGATIONS)}")
            )
        if aggregation and policy != "COLLECT":
            self.problems.append((table, f"aggregation {aggregation} needs hit policy COLLECT, not {policy}"))
        inputs, outputs, rules = [], [], []
        for input_el in table.findall(self.q("input")):
            expression_el = input_el.find(self.q("inputExpression"))
            text = self.text_of(expression_el)
            dialect = self.dialect(expression_el, text, default_language)
            if not text:
                self.problems.append(
                    (input_el, f"input '{input_el.get('label') or input_el.get('id')}' has no expression")
                )
            self.cells.append(
                (expression_el if expression_el is not None else input_el, text, dialect, "input expression")
            )
            inputs.append({
                "id": input_el.get("id"),
                "label": input_el.get("label") or "",
                "expression": [text, dialect],
                "typeRef": (expression_el.get("typeRef") if expression_el is not None else None) or None,
                "inputVariable": input_el.get(f"{{{CAMUNDA_DMN_NS}}}inputVariable") or "cellInput",
            })  # fmt: skip
        for output_el in table.findall(self.q("output")):
            values_el = output_el.find(self.q("outputValues"))
            outputs.append({
                "id": output_el.get("id"),
                "label": output_el.get("label") or "",
                "name": output_el.get("name") or "",
                "typeRef": output_el.get("typeRef") or None,
                "values": self.output_values(values_el),
            })  # fmt: skip
        if len(outputs) > 1 and any(not o["name"] for o in outputs):
            self.problems.append((table, "with several outputs, every output needs a name"))
        if aggregation and len(outputs) != 1:
            self.problems.append((table, f"aggregation {aggregation} needs exactly one output"))
        if policy in ("PRIORITY", "OUTPUT ORDER") and not any(o["values"] for o in outputs):
            self.problems.append(
                (table, f"hit policy {policy} needs output values (their order is the priority)")
            )
        entry_language = default_language
        for number, rule_el in enumerate(table.findall(self.q("rule")), start=1):
            input_entries = rule_el.findall(self.q("inputEntry"))
            output_entries = rule_el.findall(self.q("outputEntry"))
            if len(input_entries) != len(inputs) or len(output_entries) != len(outputs):
                self.problems.append(
                    (rule_el, f"rule {number} has {len(input_entries)} input and {len(output_entries)} "
                              f"output cells; the table has {len(inputs)} inputs and {len(outputs)} outputs")
                )  # fmt: skip
                continue
            cells_in = []
            for entry in input_entries:
                text = self.text_of(entry)
                dialect = self.dialect(entry, text, entry_language)
                self.cells.append((entry, text, dialect, "input cell"))
                cells_in.append([text, dialect])
            cells_out = []
            for entry in output_entries:
                text = self.text_of(entry)
                dialect = self.dialect(entry, text, entry_language)
                self.cells.append((entry, text, dialect, "output cell"))
                cells_out.append([text, dialect])
            description = rule_el.find(self.q("description"))
            rules.append({
                "id": rule_el.get("id"),
                "row": number,
                "description": (description.text or "").strip() if description is not None else "",
                "inputs": cells_in,
                "outputs": cells_out,
            })  # fmt: skip
        decision.update(
            kind="table",
            hitPolicy=policy,
            aggregation=aggregation,
            inputs=inputs,
            outputs=outputs,
            rules=rules,
        )

    def output_values(self, values_el) -> list:
        text = self.text_of(values_el)
        if not text:
            return []
        try:
            tree = feel._program(text, "unary", feel.DEFAULT_LIMITS)
        except ExpressionError as err:
            self.problems.append((values_el, f"output values: {err.message}"))
            return []
        values = []
        for test in tree.a if tree.kind == "tests" else []:
            if test.kind == "expr_test" and test.a.kind == "const":
                values.append(feel.to_plain(test.a.a))
            else:
                self.problems.append((values_el, "output values must be a list of literal values"))
                return []
        return values


def read(file_name: str, root) -> tuple[dict[str, dict], list[tuple[Any, str]]]:
    """The decisions of one DMN document by id, and what is wrong with its structure."""
    reader = _Reader(file_name, root)
    return reader.read(), reader.problems


def cell_problems(file_name: str, root) -> list[tuple[Any, str]]:
    """Every cell and expression that would be refused, with the element it is in."""
    reader = _Reader(file_name, root)
    reader.read()
    problems = []
    for element, text, dialect, kind in reader.cells:
        if not text or (kind == "input cell" and text == "-"):
            continue
        error = check_cell(text, dialect, kind)
        if error is not None:
            problems.append((element, f"{kind} '{text}': {error}"))
    return problems


def check_cell(text: str, dialect: str, kind: str) -> str | None:
    if dialect == dialects.FEEL:
        errors = feel.check(text, "unary" if kind == "input cell" else "expression")
    elif dialect == dialects.JUEL:
        errors = juel.check(_juel_text(text))
    elif kind == "input cell":
        errors = _python_cell_errors(text)
    else:
        errors = expressions.check(text, "eval")
    if not errors:
        return None
    message = errors[0].message
    if dialect == dialects.PYTHON and isinstance(errors[0], expressions.ExpressionSyntaxError):
        message += (
            " (this file is read as Zorgpad's Python subset; a FEEL table needs the Camunda DMN namespace "
            'or expressionLanguage="https://www.omg.org/spec/DMN/20191111/FEEL/")'
        )
    return message


def _juel_text(text: str) -> str:
    return text if juel.is_juel(text) else "${" + text + "}"


def _has_input_mark(cell: str) -> bool:
    quote = None
    for char in cell:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            return True
    return False


def _replace_input_mark(cell: str) -> str:
    out, quote = [], None
    for char in cell:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append(_PYTHON_INPUT)
            continue
        out.append(char)
    return "".join(out)


def _python_cell(cell: str) -> tuple[str, str]:
    """How a Python-subset input cell is tested: ("test", expr), ("equal", expr) or ("op", expr)."""
    if _has_input_mark(cell):
        return "test", _replace_input_mark(cell)
    if not expressions.check(cell, "eval"):
        return "equal", cell
    return "op", f"{_PYTHON_INPUT} {cell}"


def _python_cell_errors(cell: str) -> list[ExpressionError]:
    _, expression = _python_cell(cell)
    return expressions.check(expression, "eval")


# ---- evaluation -----------------------------------------------------------------------------


def _value(text_dialect: list, names: Mapping[str, Any], what: str) -> Any:
    text, dialect = text_dialect
    if not text:
        return None
    if dialect == dialects.JUEL:
        return juel.evaluate(_juel_text(text), names)
    if dialect == dialects.FEEL:
        return feel.evaluate(text, names)
    return expressions.evaluate(text, names)


def _matches(cell: list, value: Any, names: Mapping[str, Any], input_variable: str) -> bool:
    text, dialect = cell
    if not text or text == "-":
        return True
    if dialect == dialects.FEEL:
        return feel.matches(text, value, names, input_name=input_variable)
    if dialect == dialects.JUEL:
        return juel.evaluate(_juel_text(text), names, outer={input_variable: value}) is True
    how, expression = _python_cell(text)
    outer = {_PYTHON_INPUT: value}
    if how == "equal":
        expected = expressions.evaluate(expression, names, outer=outer)
        if isinstance(expected, tuple) and isinstance(ast.parse(text, mode="eval").body, ast.Tuple):
            return value in expected  # `"a", "b"`: any of these (not the tuple itself)
        return value == expected
    return bool(expressions.evaluate(expression, names, outer=outer))


def _typed(value: Any, type_ref: str | None, what: str) -> Any:
    """Camunda's type transformation of an input or output value by its `typeRef`."""
    if value is None or not type_ref:
        return value
    kind = type_ref.strip().lower()
    try:
        if kind in ("integer", "long", "int"):
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                return int(value)
            return int(value) if isinstance(value, int | str) else _raise()
        if kind in ("double", "number"):
            if isinstance(value, bool):
                raise ValueError
            return float(value) if isinstance(value, int | float | str) else _raise()
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise ValueError
        if kind in ("date", "datetime", "date and time"):
            if isinstance(value, datetime):
                return value if value.tzinfo else value.replace(tzinfo=UTC)
            if isinstance(value, date):
                return value if kind == "date" else datetime(value.year, value.month, value.day, tzinfo=UTC)
            if isinstance(value, str):
                text = value.strip().replace("Z", "+00:00")
                if kind == "date" and len(text) == 10:
                    return date.fromisoformat(text)
                parsed = datetime.fromisoformat(text)
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            raise ValueError
        if kind == "string" and not isinstance(value, str):
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise DecisionError(f"{what}: the value is not a {type_ref}") from None
    return value


def _raise():
    raise ValueError


def _output_key(output: dict) -> str:
    return output["name"] or output["label"] or output["id"]


def _priority(output: dict, value: Any) -> int:
    values = output["values"]
    return values.index(value) if value in values else len(values)


class Evaluation:
    """One decision's result with its evidence (inputs, matched rules, required decisions)."""

    def __init__(self, decision: dict):
        self.decision = decision
        self.entries: list[dict] = []  # Camunda's "result list": one dict per applied rule
        self.single = True
        self.inputs: list[dict] = []
        self.matched: list[tuple[dict, bool]] = []
        self.required: list[Evaluation] = []

    @property
    def value(self) -> Any:
        """The DMN result: a value (one output), a dict (several), a list of them (multi-hit)."""
        plain = [next(iter(e.values())) if len(e) == 1 else e for e in self.entries]
        if self.single:
            return plain[0] if plain else None
        return plain

    def bindings(self) -> dict:
        """What a decision that requires this one sees: its outputs by name, its result by id."""
        found: dict = {}
        if self.single:
            found.update(self.entries[0] if self.entries else {})
        else:
            for entry in self.entries:
                for key, value in entry.items():
                    found.setdefault(key, []).append(value)
        found.setdefault(self.decision["id"], self.value)
        return found

    def evidence(self) -> dict:
        decision = self.decision
        record = {
            "decisionId": decision["id"],
            "decisionName": decision["name"],
            "hitPolicy": decision.get("hitPolicy") or "LITERAL",
        }
        if decision.get("aggregation"):
            record["aggregation"] = decision["aggregation"]
        record["inputs"] = self.inputs
        record["matchedRules"] = [
            {
                "id": rule["id"],
                "row": rule["row"],
                "annotation": rule["description"] or None,
                "applied": applied,
            }
            for rule, applied in self.matched
        ]
        if self.required:
            record["requiredDecisions"] = [r.evidence() for r in self.required]
        return record


def evaluate_decision(decisions: dict[str, dict], decision_id: str, data: Mapping[str, Any]) -> Evaluation:
    """Evaluate `decision_id` over `data`, its required decisions first (each once)."""
    done: dict[str, Evaluation] = {}

    def run(current: str, trail: tuple[str, ...]) -> Evaluation:
        if current in done:
            return done[current]
        if current in trail:
            raise DecisionError(f"decisions require each other: {' -> '.join([*trail, current])}")
        decision = decisions.get(current)
        if decision is None:
            raise DecisionError(f"decision '{current}' is not part of this version")
        required = [run(r, (*trail, current)) for r in decision["required"]]
        bindings: dict = {}
        for evaluation in required:
            bindings.update(evaluation.bindings())
        names = ChainMap(bindings, data) if bindings else data
        evaluation = _evaluate_one(decision, names)
        evaluation.required = required
        done[current] = evaluation
        return evaluation

    return run(decision_id, ())


def _evaluate_one(decision: dict, names: Mapping[str, Any]) -> Evaluation:
    evaluation = Evaluation(decision)
    label = decision["name"]
    if decision["kind"] == "literal":
        value = _typed(_value(decision["expression"], names, label), decision.get("typeRef"), label)
        evaluation.entries = [{decision["variable"]: value}]
        return evaluation
    values = []
    for column in decision["inputs"]:
        what = f"input '{column['label'] or column['id']}' of decision '{label}'"
        value = _typed(_value(column["expression"], names, what), column["typeRef"], what)
        values.append(value)
        evaluation.inputs.append(
            {
                "id": column["id"],
                "label": column["label"],
                "expression": column["expression"][0],
                "value": _jsonable(value),
            }  # fmt: skip
        )
    matched = []
    for rule in decision["rules"]:
        try:
            if all(
                _matches(cell, value, names, column["inputVariable"])
                for cell, value, column in zip(rule["inputs"], values, decision["inputs"], strict=True)
            ):
                matched.append(rule)
        except ExpressionError as err:
            if matched and decision["hitPolicy"] == "FIRST":
                break  # the answer is given; later rules only add evidence
            err.message = f"decision '{label}', rule {rule['row']}: {err.message}"
            raise
    policy, aggregation = decision["hitPolicy"], decision.get("aggregation")
    outputs = decision["outputs"]

    def result_of(rule: dict) -> dict:
        entry = {}
        for output, cell in zip(outputs, rule["outputs"], strict=True):
            what = f"output '{_output_key(output)}' of decision '{label}', rule {rule['row']}"
            value = _value(cell, names, what)
            if value is None and cell[1] == dialects.PYTHON and not cell[0]:
                value = ""  # SpiffArena's empty output cell
            entry[_output_key(output)] = _typed(value, output["typeRef"], what)
        return entry

    results = [(rule, result_of(rule)) for rule in matched]
    if policy in SINGLE_HIT:
        if not results:
            inputs = ", ".join(c["label"] or c["expression"][0] or "?" for c in decision["inputs"])
            raise NoRuleMatched(f"no rule of decision table '{label}' matches the inputs ({inputs})")
        if policy == "UNIQUE" and len(results) > 1:
            rows = ", ".join(str(rule["row"]) for rule, _ in results)
            raise DecisionError(f"decision table '{label}' has hit policy UNIQUE, but rules {rows} all match")
        if policy == "ANY" and any(entry != results[0][1] for _, entry in results[1:]):
            rows = ", ".join(str(rule["row"]) for rule, _ in results)
            raise DecisionError(
                f"decision table '{label}' has hit policy ANY, but rules {rows} give different outputs"
            )
        if policy == "PRIORITY":
            chosen = min(results, key=lambda pair: [_priority(o, pair[1][_output_key(o)]) for o in outputs])
        else:
            chosen = results[0]
        evaluation.entries = [chosen[1]]
        evaluation.matched = [(rule, rule is chosen[0]) for rule, _ in results]
        return evaluation
    if policy == "OUTPUT ORDER":
        results.sort(key=lambda pair: [_priority(o, pair[1][_output_key(o)]) for o in outputs])
    evaluation.matched = [(rule, True) for rule, _ in results]
    if aggregation:
        key = _output_key(outputs[0])
        found = [entry[key] for _, entry in results if entry[key] is not None]
        evaluation.single = True
        if aggregation == "COUNT":
            evaluation.entries = [{key: len(found)}]
        elif found:
            evaluation.entries = [{key: _aggregate(aggregation, found, label)}]
        else:
            evaluation.entries = []
        return evaluation
    evaluation.single = False
    evaluation.entries = [entry for _, entry in results]
    return evaluation


def _aggregate(aggregation: str, values: list, label: str) -> Any:
    try:
        if aggregation == "SUM":
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                raise TypeError
            return sum(values)
        return min(values) if aggregation == "MIN" else max(values)
    except TypeError:
        raise DecisionError(
            f"decision table '{label}': {aggregation} needs numbers (or comparable values)"
        ) from None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value)


def _nested(entry: dict) -> dict:
    """SpiffArena's dot notation: an output named `a.b` fills `{"a": {"b": …}}`."""
    out: dict = {}
    for key, value in entry.items():
        if "." in key:
            parts = key.split(".")
            nested: Any = value
            for part in reversed(parts[1:]):
                nested = {part: nested}
            out[parts[0]] = DeepMerge.merge(out.get(parts[0], {}), nested)
        else:
            out[key] = value
    return out


class DecisionEngine:
    """What a business-rule task holds: the decisions it needs and how to store the result.

    `style` is how the result lands in the task data:
    - "spiff": the outputs merge into the data (lists of outputs under COLLECT), as before;
    - "camunda": `result_variable` gets the result shaped by `mapping` (Camunda 7's
      `camunda:mapDecisionResult`, default resultList); without a result variable nothing;
    - "zeebe": `result_variable` gets the DMN result (a value, a context, or a list).
    """

    def __init__(self, decisions: dict[str, dict], decision_id: str, style: str = "spiff",
                 result_variable: str | None = None, mapping: str | None = None):  # fmt: skip
        self.decisions = decisions
        self.decision_id = decision_id
        self.style = style
        self.result_variable = result_variable
        self.mapping = mapping

    @property
    def decision_table(self):
        """Id and name of the decision, for the instance history (like SpiffWorkflow's table)."""
        decision = self.decisions[self.decision_id]
        return SimpleNamespace(id=decision["id"], name=decision["name"], hit_policy=decision.get("hitPolicy"))

    def to_dict(self) -> dict:
        return {
            "decisions": self.decisions,
            "decision_id": self.decision_id,
            "style": self.style,
            "result_variable": self.result_variable,
            "mapping": self.mapping,
        }

    @classmethod
    def from_dict(cls, dct: dict) -> DecisionEngine:
        return cls(
            dct["decisions"], dct["decision_id"], dct.get("style", "spiff"), dct.get("result_variable"),
            dct.get("mapping"),
        )  # fmt: skip

    def evaluate(self, data: Mapping[str, Any]) -> tuple[Evaluation, dict]:
        evaluation = evaluate_decision(self.decisions, self.decision_id, data)
        return evaluation, self._stored(evaluation)

    def result(self, task) -> dict:
        return self.evaluate(task.data)[1]

    def _stored(self, evaluation: Evaluation) -> dict:
        if self.style == "zeebe":
            return {self.result_variable: evaluation.value} if self.result_variable else {}
        if self.style == "camunda":
            if not self.result_variable:
                return {}
            return {self.result_variable: self._mapped(evaluation)}
        if evaluation.single:
            return _nested(evaluation.entries[0]) if evaluation.entries else {}
        collected: dict = {}
        for entry in evaluation.entries:
            for key, value in entry.items():
                collected.setdefault(key, []).append(value)
        return collected

    def _mapped(self, evaluation: Evaluation) -> Any:
        entries = evaluation.entries
        mapping = self.mapping or "resultList"
        name = evaluation.decision["name"]
        if mapping == "singleEntry":
            if len(entries) > 1 or any(len(e) > 1 for e in entries):
                raise DecisionError(
                    f"camunda:mapDecisionResult singleEntry needs at most one result with one output; "
                    f"decision "
                    f"'{name}' gave {len(entries)} result(s)"
                )
            return next(iter(entries[0].values())) if entries else None
        if mapping == "singleResult":
            if len(entries) > 1:
                raise DecisionError(
                    f"camunda:mapDecisionResult singleResult needs at most one result; "
                    f"decision '{name}' gave "
                    f"{len(entries)}"
                )
            return dict(entries[0]) if entries else None
        if mapping == "collectEntries":
            if any(len(e) != 1 for e in entries):
                raise DecisionError(
                    f"camunda:mapDecisionResult collectEntries needs results with one output; "
                    f"decision '{name}' "
                    "has several"
                )
            return [next(iter(e.values())) for e in entries]
        return [dict(e) for e in entries]

    def evidence(self, task) -> dict:
        """Inputs, matched rules and outputs of this decision for the task's data, now."""
        decision = self.decisions[self.decision_id]
        try:
            evaluation, stored = self.evaluate(task.data)
        except Exception as exc:  # the real run raises the same error with its task context
            return {"decisionId": decision["id"], "decisionName": decision["name"],
                    "hitPolicy": decision.get("hitPolicy"), "error": str(exc)}  # fmt: skip
        record = evaluation.evidence()
        record["outputs"] = _jsonable(stored)
        return record


class DecisionTask(BusinessRuleTask):
    """A business-rule task that evaluates our `DecisionEngine` and stores its result."""

    def _run_hook(self, my_task):
        engine = self.dmnEngine
        if isinstance(engine, DecisionEngine) and engine.style != "spiff":
            # A result variable is replaced, not deep-merged into an earlier value of that name.
            try:
                my_task.data.update(engine.result(my_task))
            except Exception as exc:
                error = WorkflowTaskException(str(exc), task=my_task, exception=exc)
                error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
                raise error from exc
            return super(BusinessRuleTaskMixin, self)._run_hook(my_task)
        return super()._run_hook(my_task)


class DecisionTaskConverter(SpiffBpmnTaskConverter):
    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["decision"] = spec.dmnEngine.to_dict()
        return dct

    def from_dict(self, dct):
        dct["dmnEngine"] = DecisionEngine.from_dict(dct.pop("decision"))
        return self.task_spec_from_dict(dct)


# ---- BPMN side: which decision a business-rule task calls ------------------------------------


def decision_reference(node) -> dict:
    """How a businessRuleTask element names its decision (see `DecisionEngine` styles)."""
    spiff = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}calledDecisionId")
    if spiff is not None and (spiff.text or "").strip():
        return {"id": spiff.text.strip(), "style": "spiff"}
    camunda = node.get(f"{{{CAMUNDA_BPMN_NS}}}decisionRef")
    if camunda:
        return {
            "id": camunda.strip(),
            "style": "camunda",
            "result_variable": node.get(f"{{{CAMUNDA_BPMN_NS}}}resultVariable") or None,
            "mapping": node.get(f"{{{CAMUNDA_BPMN_NS}}}mapDecisionResult") or None,
        }
    zeebe = node.find(f"{{{BPMN_NS}}}extensionElements/{{{dialects.ZEEBE_NS}}}calledDecision")
    if zeebe is not None and zeebe.get("decisionId"):
        return {
            "id": zeebe.get("decisionId").strip(),
            "style": "zeebe",
            "result_variable": zeebe.get("resultVariable"),
        }
    return {"id": None, "style": "spiff"}


def reference_problems(node) -> list[tuple[Any, str, str]]:
    """(element, message, severity) for how a businessRuleTask stores its result.

    A missing or dynamic decision reference is reported by the parser (`reference_error`).
    """
    reference = decision_reference(node)
    problems = []
    if reference["style"] == "camunda":
        mapping = reference.get("mapping")
        if mapping and mapping not in MAPPINGS:
            problems.append(
                (node, f"camunda:mapDecisionResult '{mapping}' is not one of {', '.join(MAPPINGS)}", "error")
            )
        if not reference.get("result_variable"):
            problems.append(
                (node, f"the result of decision '{reference['id']}' is not stored: Camunda keeps it only in "
                       "camunda:resultVariable", "warning")
            )  # fmt: skip
    if reference["style"] == "zeebe" and not reference.get("result_variable"):
        problems.append((node, "zeebe:calledDecision needs a resultVariable", "error"))
    return problems


def reference_error(reference: dict, node, filename, available) -> ValidationException | None:
    decision_id = reference["id"]
    message = None
    if decision_id is None:
        java = [
            a for a in ("class", "delegateExpression", "expression") if node.get(f"{{{CAMUNDA_BPMN_NS}}}{a}")
        ]
        hint = f" (camunda:{java[0]} runs Java, which Zorgpad does not)" if java else ""
        message = (
            "business rule task names no decision: use camunda:decisionRef, zeebe:calledDecision or "
            f"spiffworkflow:calledDecisionId{hint}"
        )
    elif juel.is_juel(decision_id) or decision_id.startswith("="):
        message = f"decision reference '{decision_id}' is an expression; name the decision's id"
    elif decision_id not in available:
        options = ", ".join(sorted(available)) or "none"
        message = (
            f"decision '{decision_id}' is not in this deployment (deploy its DMN file with the diagram); "
            f"decisions available: {options}"
        )
    return None if message is None else ValidationException(message, node=node, file_name=filename)


class DecisionTaskParser(SpiffTaskParser):
    def create_task(self):
        reference = decision_reference(self.node)
        extensions = self.parse_extensions()
        engine = self.process_parser.parser.decision_engine(reference, self.node, self.filename)
        return DecisionTask(
            self.spec,
            self.bpmn_id,
            dmnEngine=engine,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )

    @staticmethod
    def get_decision_ref(node):
        return decision_reference(node)["id"]


def required_closure(decisions: dict[str, dict], decision_id: str) -> dict[str, dict]:
    """The decision and every decision it requires, directly or not."""
    found: dict[str, dict] = {}
    stack = [decision_id]
    while stack:
        current = stack.pop()
        if current in found or current not in decisions:
            continue
        found[current] = decisions[current]
        stack.extend(decisions[current]["required"])
    return found
