"""JUEL (the Unified Expression Language of Camunda 7: `${…}` and `#{…}`) on our bounded interpreter.

Camunda 7 diagrams write conditions (`${amount > 1000}`, `${!approved}`), candidate groups
(`${approverGroups}`), due dates and timers in JUEL. The text is tokenised and parsed here and
interpreted directly: no Python eval/exec, no Java-style reflection. Property access reads task
data only (`a.b`, `a['b']`, `list[0]`); methods are a short whitelist per value type (`equals`,
`contains`, `size`, …) plus Camunda's `dateTime()`/`now()` and `execution.getVariable(name)`.
Everything else (`getClass()`, `x.class`, `instanceof`, EL 3.0 lambdas and assignments) is
refused before it runs. Values follow EL's coercion rules where they matter for conditions:
`null` counts as 0 in arithmetic and as false in `&&`/`||`/`!`, a string compared with a number
is read as a number, `/` always divides as decimals, and a `null` comparison with `<` is false.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.engine import clock
from app.engine.script_limits import (
    DEFAULT_LIMITS,
    Budget,
    EvaluationError,
    ExpressionError,
    ExpressionSyntaxError,
    ForbiddenConstruct,
    Limits,
    ResourceLimitExceeded,
    activate,
    deactivate,
)

DIALECT = "JUEL"
MAX_SOURCE_LENGTH = 100_000


def is_juel(text: str | None) -> bool:
    """Whether diagram text is (or contains) a JUEL expression: `${…}` or `#{…}`."""
    return bool(text) and ("${" in text or "#{" in text)


# ---- tokens -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>->|\+=|==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()\[\]{};=])
    """,
    re.VERBOSE,
)
_WORD_OPERATORS = {
    "and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
    "ge": ">=", "div": "/", "mod": "%",
}  # fmt: skip


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    col: int


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _tokens(source: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    position = start
    while position < end:
        match = _TOKEN.match(source, position, end)
        if match is None:
            line, col = _position(source, position)
            raise ExpressionSyntaxError(f"{DIALECT}: unexpected character {source[position]!r}", line, col)
        kind, text = match.lastgroup, match.group()
        if kind != "ws":
            line, col = _position(source, position)
            if kind == "name" and text in _WORD_OPERATORS:
                kind, text = "op", _WORD_OPERATORS[text]
            tokens.append(_Token(kind, text, line, col))
        position = match.end()
    line, col = _position(source, end)
    tokens.append(_Token("end", "", line, col))
    return tokens


def _split(source: str) -> list[tuple[str, int, int]]:
    """The parts of a composite text: ("text", start, end) and ("expr", start, end) spans."""
    parts: list[tuple[str, int, int]] = []
    literal: list[str] = []
    index = 0
    text_start = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and source[index + 1 : index + 3] in ("${", "#{"):
            literal.append(source[index + 1 : index + 3])
            index += 3
            continue
        if char in "$#" and source[index + 1 : index + 2] == "{":
            if literal:
                parts.append(("text", text_start, index))
            body_start = index + 2
            index = body_start
            quote = None
            while index < len(source):
                current = source[index]
                if quote:
                    if current == "\\":
                        index += 2
                        continue
                    if current == quote:
                        quote = None
                elif current in "'\"":
                    quote = current
                elif current == "}":
                    break
                index += 1
            if index >= len(source):
                line, col = _position(source, body_start - 2)
                raise ExpressionSyntaxError(f"{DIALECT}: '{char}{{' is not closed with '}}'", line, col)
            parts.append(("expr", body_start, index))
            index += 1
            text_start = index
            literal = []
            continue
        literal.append(char)
        index += 1
    if literal:
        parts.append(("text", text_start, len(source)))
    return parts


def _literal_text(source: str, start: int, end: int) -> str:
    return source[start:end].replace("\\${", "${").replace("\\#{", "#{")


def _unescape(token: _Token) -> str:
    body = token.text[1:-1]
    return re.sub(r"\\(.)", lambda m: m.group(1), body)


# ---- tree ---------------------------------------------------------------------------------


class Node:
    __slots__ = ("kind", "a", "b", "c", "line", "col")

    def __init__(self, kind: str, a=None, b=None, c=None, *, at: _Token):
        self.kind = kind
        self.a, self.b, self.c = a, b, c
        self.line, self.col = at.line, at.col


# Methods by receiver kind; every call is checked against the receiver's own list at run time.
_METHODS = {
    "string": {
        "equals", "equalsIgnoreCase", "contains", "startsWith", "endsWith", "isEmpty", "length",
        "toLowerCase", "toUpperCase", "trim", "substring", "indexOf", "concat", "replace",
    },
    "list": {"size", "isEmpty", "contains", "get", "indexOf", "equals"},
    "map": {"size", "isEmpty", "containsKey", "containsValue", "get", "equals"},
    "number": {"intValue", "longValue", "doubleValue", "equals"},
    "boolean": {"booleanValue", "equals"},
    "date": {"before", "after", "equals"},
    "dateTime": {
        "plusYears", "plusMonths", "plusWeeks", "plusDays", "plusHours", "plusMinutes",
        "plusSeconds", "minusYears", "minusMonths", "minusWeeks", "minusDays", "minusHours",
        "minusMinutes", "minusSeconds", "toDate", "isBefore", "isAfter",
    },
    "execution": {"getVariable", "hasVariable"},
}  # fmt: skip
METHOD_NAMES = frozenset().union(*_METHODS.values())
_FUNCTIONS = {"dateTime", "now"}
_DENIED_MEMBERS = frozenset({"class", "getClass", "forName", "newInstance", "invoke", "exec"})


class _Parser:
    def __init__(self, tokens: list[_Token], max_depth: int):
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.max_depth = max_depth

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def at(self, *texts: str) -> bool:
        return self.token.kind == "op" and self.token.text in texts

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expect(self, text: str) -> _Token:
        if not self.at(text):
            self.fail(f"expected '{text}'")
        return self.advance()

    def fail(self, message: str, token: _Token | None = None):
        token = token or self.token
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        raise ExpressionSyntaxError(f"{DIALECT}: {message}, found {found}", token.line, token.col)

    def refuse(self, message: str, token: _Token):
        raise ForbiddenConstruct(f"{DIALECT}: {message}", token.line, token.col)

    def deeper(self):
        self.depth += 1
        if self.depth > self.max_depth:
            raise ResourceLimitExceeded(
                f"{DIALECT}: nested more than {self.max_depth} levels deep", self.token.line, self.token.col
            )

    def parse(self) -> Node:
        if self.token.kind == "end":
            self.fail("expected an expression")
        node = self.expression()
        if self.at(";"):
            self.refuse("';' (several expressions, EL 3.0) is not supported", self.token)
        if self.at("=", "+="):
            self.refuse("assignment (EL 3.0) is not supported", self.token)
        if self.at("->"):
            self.refuse("lambda expressions (EL 3.0) are not supported", self.token)
        if self.token.kind != "end":
            self.fail("unexpected text after the expression")
        return node

    def expression(self) -> Node:
        self.deeper()
        try:
            condition = self.binary(0)
            if self.at("?"):
                token = self.advance()
                then = self.expression()
                self.expect(":")
                return Node("if", condition, then, self.expression(), at=token)
            return condition
        finally:
            self.depth -= 1

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*self._LEVELS[level]):
            token = self.advance()
            left = Node("binary", token.text, left, self.binary(level + 1), at=token)
        if level == 3 and self.token.kind == "name" and self.token.text == "instanceof":
            self.refuse("'instanceof' is not supported", self.token)
        return left

    def unary(self) -> Node:
        token = self.token
        if self.at("-", "!") or (token.kind == "name" and token.text == "empty"):
            self.advance()
            self.deeper()
            try:
                kind = {"-": "neg", "!": "not"}.get(token.text, "empty")
                return Node(kind, self.unary(), at=token)
            finally:
                self.depth -= 1
        return self.suffixes(self.primary())

    def suffixes(self, node: Node) -> Node:
        while True:
            token = self.token
            if self.at("."):
                self.advance()
                name = self.advance()
                if name.kind != "name":
                    self.fail("expected a property name after '.'", name)
                self.check_member(name.text, name)
                if self.at("("):
                    node = Node("method", node, name.text, self.arguments(), at=name)
                else:
                    node = Node("property", node, Node("const", name.text, at=name), at=token)
            elif self.at("["):
                self.advance()
                self.deeper()
                try:
                    key = self.expression()
                finally:
                    self.depth -= 1
                self.expect("]")
                if key.kind == "const" and isinstance(key.a, str):
                    self.check_member(key.a, token)
                node = Node("property", node, key, at=token)
            elif self.at("("):
                self.refuse("only Camunda's functions (dateTime(), now()) can be called", token)
            else:
                return node

    def check_member(self, name: str, token: _Token) -> None:
        if name.startswith("_") or name in _DENIED_MEMBERS:
            self.refuse(f"the member {name!r} is not available", token)
        if self.tokens[self.index].text == "(" and name not in METHOD_NAMES:
            self.refuse(f"the method {name}() is not supported", token)

    def arguments(self) -> list[Node]:
        self.expect("(")
        args = []
        self.deeper()
        try:
            if not self.at(")"):
                while True:
                    args.append(self.expression())
                    if not self.at(","):
                        break
                    self.advance()
        finally:
            self.depth -= 1
        self.expect(")")
        return args

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            text = token.text
            if re.fullmatch(r"\d+", text):
                return Node("const", int(text), at=token)
            return Node("const", float(text), at=token)
        if token.kind == "string":
            self.advance()
            return Node("const", _unescape(token), at=token)
        if token.kind == "name":
            self.advance()
            if token.text in ("true", "false"):
                return Node("const", token.text == "true", at=token)
            if token.text == "null":
                return Node("const", None, at=token)
            if token.text in ("instanceof", "empty"):
                self.fail("expected a value", token)
            if self.at(":") and self.tokens[self.index + 1].kind == "name":  # ns:function(...)
                self.advance()
                function = self.advance()
                self.refuse(f"the function {token.text}:{function.text}() is not supported", token)
            if self.at("("):
                if token.text not in _FUNCTIONS:
                    self.refuse(f"the function {token.text}() is not supported", token)
                return Node("call", token.text, self.arguments(), at=token)
            if token.text.startswith("_") or token.text in _DENIED_MEMBERS:
                self.refuse(f"the name {token.text!r} is not available", token)
            return Node("name", token.text, at=token)
        if self.at("("):
            self.advance()
            self.deeper()
            try:
                if self.at(")") or (
                    self.token.kind == "name"
                    and self.tokens[self.index + 1].text in (",", ")")
                    and self._lambda_ahead()
                ):
                    self.refuse("lambda expressions (EL 3.0) are not supported", token)
                node = self.expression()
            finally:
                self.depth -= 1
            self.expect(")")
            return node
        if self.at("{", "["):
            self.refuse("collection literals (EL 3.0) are not supported", token)
        self.fail("expected a value")

    def _lambda_ahead(self) -> bool:
        level = 0
        for offset in range(self.index, len(self.tokens)):
            text = self.tokens[offset].text
            if text == "(":
                level += 1
            elif text == ")":
                if level == 0:
                    return offset + 1 < len(self.tokens) and self.tokens[offset + 1].text == "->"
                level -= 1
        return False


# ---- compiling (cached) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    parts: tuple  # ("text", str) | ("expr", Node)
    error: ExpressionError | None


@functools.lru_cache(maxsize=4096)
def _compile(source: str, max_depth: int) -> Program:
    if len(source) > MAX_SOURCE_LENGTH:
        return Program(
            (), ResourceLimitExceeded(f"{DIALECT}: text is longer than {MAX_SOURCE_LENGTH} characters")
        )
    try:
        parts = []
        for kind, start, end in _split(source):
            if kind == "text":
                parts.append(("text", _literal_text(source, start, end)))
            else:
                parts.append(("expr", _Parser(_tokens(source, start, end), max_depth).parse()))
        return Program(tuple(parts), None)
    except ExpressionError as err:
        return Program((), err)


def _copy(err: ExpressionError) -> ExpressionError:
    return type(err)(err.message, err.line, err.col)


def check(source: str) -> list[ExpressionError]:
    """Why the JUEL text `source` would be refused (empty if it compiles)."""
    program = _compile(source, DEFAULT_LIMITS.max_depth)
    return [] if program.error is None else [_copy(program.error)]


def evaluate(
    source: str,
    names: Mapping[str, Any],
    limits: Limits | None = None,
    *,
    outer: Mapping[str, Any] | None = None,
) -> Any:
    """Value of `source`: one `${…}` gives its value; text around expressions gives text."""
    limits = limits or DEFAULT_LIMITS
    if not isinstance(source, str):
        raise EvaluationError(f"{DIALECT}: expected expression text, got {type(source).__name__}")
    program = _compile(source, limits.max_depth)
    if program.error is not None:
        raise _copy(program.error)
    interpreter = _Interpreter(names, outer, limits)

    expressions_only = [part for kind, part in program.parts if kind == "expr"]
    around = [part for kind, part in program.parts if kind == "text"]

    def run(run: _Interpreter):
        if len(expressions_only) == 1 and not "".join(around).strip():
            # One `${…}` (perhaps on its own line in the XML): its value, not text.
            return _plain(run.eval(expressions_only[0]))
        pieces = []
        for kind, part in program.parts:
            pieces.append(part if kind == "text" else _to_string(run.eval(part)))
            run.budget.check_length(sum(map(len, pieces)))
        return "".join(pieces)

    return interpreter.run(run)


# ---- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DateTime:
    """Camunda's `dateTime()` (a Joda DateTime): only plus/minus, comparisons and toDate()."""

    moment: datetime


class _Execution:
    """The `execution` of a Camunda expression: reads variables, nothing else."""


_EXECUTION = _Execution()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, _DateTime):
        return "dateTime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, _Execution):
        return "execution"
    return type(value).__name__


def _number(value: Any, node: Node) -> int | float:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise _fail(node, "cannot use a boolean as a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)
        except ValueError:
            raise _fail(node, f"cannot use the text {value!r} as a number") from None
    raise _fail(node, f"cannot use a {_kind(value)} as a number")


def _boolean(value: Any, node: Node) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    raise _fail(node, f"cannot use a {_kind(value)} as true/false")


def _to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        return f"{value:.1f}"
    if isinstance(value, _DateTime):
        return value.moment.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_to_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_to_string(k)}={_to_string(v)}" for k, v in value.items()) + "}"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, _DateTime):
        return value.moment
    if isinstance(value, _Execution):
        raise EvaluationError(f"{DIALECT}: 'execution' is not a value")
    return value


def _aware(value: date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _fail(node: Node, message: str) -> EvaluationError:
    return EvaluationError(f"{DIALECT}: {message}", node.line, node.col)


def _java_remainder(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a - b * int(a / b) if abs(a) < 2**52 and abs(b) < 2**52 else int(math.fmod(a, b))
    return math.fmod(a, b)


def _add_months(moment: datetime, months: int) -> datetime:
    import calendar

    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


_PLUS = {
    "Years": lambda m, n: _add_months(m, 12 * n),
    "Months": _add_months,
    "Weeks": lambda m, n: m + timedelta(weeks=n),
    "Days": lambda m, n: m + timedelta(days=n),
    "Hours": lambda m, n: m + timedelta(hours=n),
    "Minutes": lambda m, n: m + timedelta(minutes=n),
    "Seconds": lambda m, n: m + timedelta(seconds=n),
}


class _Interpreter:
    def __init__(self, names: Mapping[str, Any], outer, limits: Limits):
        self.names = names
        self.outer = outer or {}
        self.limits = limits
        self.budget = Budget(limits)

    def run(self, body):
        token = activate(self.budget)
        try:
            return body(self)
        except (RecursionError, MemoryError):
            raise ResourceLimitExceeded(f"{DIALECT}: expression nests or grows too much") from None
        except (LookupError, ArithmeticError, TypeError, ValueError, AttributeError) as err:
            raise EvaluationError(f"{DIALECT}: cannot evaluate: {err}") from None
        finally:
            deactivate(token)

    def lookup(self, node: Node) -> Any:
        name = node.a
        if name in self.names:
            return self.names[name]
        if name in self.outer:
            return self.outer[name]
        if name == "execution":
            return _EXECUTION
        raise _fail(node, f"unknown variable {name!r}")

    def eval(self, node: Node) -> Any:
        self.budget.tick()
        kind = node.kind
        if kind == "const":
            return node.a
        if kind == "name":
            return self.lookup(node)
        if kind == "binary":
            return self.binary(node)
        if kind == "not":
            return not _boolean(self.eval(node.a), node)
        if kind == "neg":
            value = self.eval(node.a)
            return -_number(value, node)
        if kind == "empty":
            value = self.eval(node.a)
            if isinstance(value, str | list | tuple | dict):
                return len(value) == 0
            return value is None
        if kind == "if":
            return self.eval(node.b if _boolean(self.eval(node.a), node) else node.c)
        if kind == "property":
            return self.property(node)
        if kind == "method":
            return self.method(node)
        if kind == "call":
            return self.call(node)
        raise _fail(node, f"cannot evaluate {kind}")  # pragma: no cover

    def binary(self, node: Node) -> Any:
        op = node.a
        if op in ("&&", "||"):
            left = _boolean(self.eval(node.b), node)
            if op == "&&" and not left:
                return False
            if op == "||" and left:
                return True
            return _boolean(self.eval(node.c), node)
        left, right = self.eval(node.b), self.eval(node.c)
        if op in ("==", "!="):
            equal = self.equal(left, right, node)
            return equal if op == "==" else not equal
        if op in ("<", ">", "<=", ">="):
            return self.compare(op, left, right, node)
        if op == "+" and (isinstance(left, _DateTime) or isinstance(right, _DateTime)):
            raise _fail(node, "use plusDays(...) and friends to move a dateTime()")
        if op in ("/",):
            a, b = float(_number(left, node)), float(_number(right, node))
            if b == 0:
                raise _fail(node, "division by zero")
            return a / b
        a, b = _number(left, node), _number(right, node)
        if op == "%":
            if b == 0:
                raise _fail(node, "division by zero")
            return _java_remainder(a, b)
        if op == "*" and isinstance(a, int) and isinstance(b, int):
            self.budget.check_int_bits(a.bit_length() + b.bit_length())
        result = a + b if op == "+" else a - b if op == "-" else a * b
        return self.budget.guard(result)

    def equal(self, left: Any, right: Any, node: Node) -> bool:
        if left is right:
            return True
        if left is None or right is None:
            return False
        kinds = {_kind(left), _kind(right)}
        if "number" in kinds and kinds <= {"number", "string"}:
            return _number(left, node) == _number(right, node)
        if "boolean" in kinds:
            return _boolean(left, node) == _boolean(right, node)
        if "string" in kinds:
            return _to_string(left) == _to_string(right)
        if kinds <= {"date", "dateTime"}:
            return self.moment(left) == self.moment(right)
        return left == right

    def moment(self, value: Any) -> datetime:
        return value.moment if isinstance(value, _DateTime) else _aware(value)

    def compare(self, op: str, left: Any, right: Any, node: Node) -> bool:
        if left is None or right is None:
            return False
        kinds = {_kind(left), _kind(right)}
        if "number" in kinds and kinds <= {"number", "string"}:
            a, b = _number(left, node), _number(right, node)
        elif kinds == {"string"}:
            a, b = left, right
        elif kinds <= {"date", "dateTime"}:
            a, b = self.moment(left), self.moment(right)
        else:
            raise _fail(node, f"cannot compare a {_kind(left)} with a {_kind(right)}")
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        return a >= b

    def property(self, node: Node) -> Any:
        base = self.eval(node.a)
        key = self.eval(node.b)
        if base is None:
            return None
        if isinstance(base, dict):
            return base.get(key if not isinstance(key, float) or not key.is_integer() else int(key))
        if isinstance(base, list | tuple):
            index = _number(key, node)
            if not isinstance(index, int):
                raise _fail(node, "a list index must be a whole number")
            return base[index] if 0 <= index < len(base) else None
        if isinstance(base, _Execution):
            raise _fail(node, "only execution.getVariable(name) is available")
        raise _fail(node, f"a {_kind(base)} has no property {_to_string(key)!r}")

    def method(self, node: Node) -> Any:
        receiver = self.eval(node.a)
        name = node.b
        args = [self.eval(arg) for arg in node.c]
        kind = _kind(receiver)
        if receiver is None:
            raise _fail(node, f"cannot call {name}() on null")
        if name not in _METHODS.get(kind, ()):
            raise _fail(node, f"the method {name}() is not available on a {kind}")
        if isinstance(receiver, str | list | tuple | dict):
            self.budget.bulk(len(receiver))
        try:
            return self.budget.guard(self._method(kind, receiver, name, args, node))
        except TypeError:
            raise _fail(node, f"{name}() does not take {len(args)} argument(s)") from None

    def _method(self, kind: str, receiver: Any, name: str, args: list, node: Node) -> Any:
        if name == "equals":
            (other,) = args
            return self.equal(receiver, other, node)
        if kind == "string":
            return self._string_method(receiver, name, args, node)
        if kind in ("list", "map"):
            if name == "size":
                return len(receiver)
            if name == "isEmpty":
                return len(receiver) == 0
            if name in ("contains", "containsKey"):
                (item,) = args
                return item in receiver
            if name == "containsValue":
                (item,) = args
                return item in receiver.values()
            if name == "indexOf":
                (item,) = args
                return receiver.index(item) if item in receiver else -1
            (key,) = args  # get
            if kind == "map":
                return receiver.get(key)
            index = _number(key, node)
            if not isinstance(index, int) or not 0 <= index < len(receiver):
                raise _fail(node, f"index {key!r} is out of range")
            return receiver[index]
        if kind == "number":
            return float(receiver) if name == "doubleValue" else int(receiver)
        if kind == "boolean":
            return receiver
        if kind == "date":
            (other,) = args
            a, b = _aware(receiver), self.moment(other) if isinstance(other, date | _DateTime) else None
            if b is None:
                raise _fail(node, f"{name}() needs a date")
            return a < b if name == "before" else a > b
        if kind == "dateTime":
            moment = receiver.moment
            if name == "toDate":
                return moment
            if name in ("isBefore", "isAfter"):
                (other,) = args
                other_moment = self.moment(other) if isinstance(other, date | _DateTime) else None
                if other_moment is None:
                    raise _fail(node, f"{name}() needs a date")
                return moment < other_moment if name == "isBefore" else moment > other_moment
            (amount,) = args
            amount = _number(amount, node)
            if not isinstance(amount, int) or abs(amount) > 100_000:
                raise _fail(node, f"{name}() needs a whole number up to 100000")
            unit = name[4:] if name.startswith("plus") else name[5:]
            sign = 1 if name.startswith("plus") else -1
            return _DateTime(_PLUS[unit](moment, sign * amount))
        (variable,) = args  # execution
        if not isinstance(variable, str):
            raise _fail(node, f"{name}() needs a variable name")
        if name == "hasVariable":
            return variable in self.names or variable in self.outer
        if variable in self.names:
            return self.names[variable]
        return self.outer.get(variable)

    def _string_method(self, text: str, name: str, args: list, node: Node) -> Any:
        if name in ("isEmpty", "length", "toLowerCase", "toUpperCase", "trim"):
            if args:
                raise TypeError
            return {"isEmpty": lambda: not text, "length": lambda: len(text), "toLowerCase": text.lower,
                    "toUpperCase": text.upper, "trim": text.strip}[name]()  # fmt: skip
        if name == "substring":
            if not 1 <= len(args) <= 2:
                raise TypeError
            begin = _number(args[0], node)
            end = _number(args[1], node) if len(args) == 2 else len(text)
            if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(text)):
                raise _fail(node, "substring() index out of range")
            return text[begin:end]
        if name == "replace":
            old, new = (_to_string(arg) for arg in args)
            count = text.count(old) if old else len(text) + 1
            self.budget.check_length(len(text) + count * len(new))
            return text.replace(old, new)
        (other,) = args
        other = _to_string(other)
        if name == "equalsIgnoreCase":
            return text.lower() == other.lower()
        if name == "contains":
            return other in text
        if name == "startsWith":
            return text.startswith(other)
        if name == "endsWith":
            return text.endswith(other)
        if name == "indexOf":
            return text.find(other)
        self.budget.check_length(len(text) + len(other))
        return text + other  # concat

    def call(self, node: Node) -> Any:
        if node.b:
            raise _fail(node, f"{node.a}() takes no arguments")
        if node.a == "dateTime":
            return _DateTime(clock.now())
        return clock.now()  # now(): a java.util.Date in Camunda
