"""FEEL (DMN 1.3 Friendly Enough Expression Language) on our bounded interpreter.

Used for Camunda 8 `=expressions` and for the cells of Camunda DMN tables (unary tests such as
`< 250`, `[250..1000]`, `"budget", "exceptional"`, `not("a")`). The text is tokenised and parsed
here into a small tree and interpreted directly: no Python eval/exec, no user-defined functions,
no access to anything but task data and the built-ins below. The same `Budget` as the Python
subset bounds steps, time and sizes; a construct outside the subset is refused with a
`ForbiddenConstruct` naming it.

Values: numbers are `Decimal` inside (FEEL numbers are decimals, so 0.1 + 0.2 = 0.3) and become
int/float when they leave; dates, date-times and day-time durations are Python's; a years-months
duration is `YearsMonths`; a range is `Range`. FEEL's null is None and propagates: a comparison
or calculation with null, or between values of different kinds, is null, and a condition that is
null counts as false.
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
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
    measure,
)

DIALECT = "FEEL"
MAX_SOURCE_LENGTH = 100_000
# decimal128, as the FEEL specification prescribes; bounded exponents keep `**` cheap.
_CONTEXT = decimal.Context(prec=34, Emax=6144, Emin=-6143, rounding=decimal.ROUND_HALF_EVEN)
_CONTEXT.traps[decimal.DivisionByZero] = True
_CONTEXT.traps[decimal.Overflow] = True
_CONTEXT.traps[decimal.InvalidOperation] = True


class _Null(Exception):
    """An operation whose FEEL result is null (wrong types, division by zero, overflow)."""


@dataclass(frozen=True)
class YearsMonths:
    """A FEEL years-and-months duration (`P1Y2M`): a number of months."""

    months: int

    def iso(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        body = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{body}"


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any
    low_closed: bool
    high_closed: bool

    def contains(self, value: Any) -> bool | None:
        if value is None:
            return None
        if self.low is not None:
            ok = _compare(">=" if self.low_closed else ">", value, self.low)
            if not ok:
                return ok
        if self.high is not None:
            return _compare("<=" if self.high_closed else "<", value, self.high)
        return True


# ---- tokens -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<at>@"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)
  | (?P<op>\.\.|<=|>=|!=|\*\*|[=<>+\-*/()\[\]{},.:?])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, at, name, op, end
    text: str
    line: int
    col: int


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        col = position - line_start + 1
        if match is None:
            char = source[position]
            hint = " (FEEL strings use double quotes)" if char == "'" else ""
            raise ExpressionSyntaxError(f"{DIALECT}: unexpected character {char!r}{hint}", line, col)
        kind = match.lastgroup
        text = match.group()
        if kind != "ws":
            tokens.append(_Token(kind, text, line, col))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = position + text.rindex("\n") + 1
        position = match.end()
    tokens.append(_Token("end", "", line, position - line_start + 1))
    return tokens


def _unescape(literal: str, token: _Token) -> str:
    body = literal[1:-1]
    out = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        nxt = body[index + 1] if index + 1 < len(body) else ""
        simple = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}
        if nxt in simple:
            out.append(simple[nxt])
            index += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[index + 2 : index + 6]):
            out.append(chr(int(body[index + 2 : index + 6], 16)))
            index += 6
        else:
            raise ExpressionSyntaxError(
                f"{DIALECT}: unknown escape '\\{nxt}' in a string", token.line, token.col
            )
    return "".join(out)


# ---- tree ---------------------------------------------------------------------------------


class Node:
    __slots__ = ("kind", "a", "b", "c", "line", "col")

    def __init__(self, kind: str, a=None, b=None, c=None, *, at: _Token):
        self.kind = kind
        self.a, self.b, self.c = a, b, c
        self.line, self.col = at.line, at.col


_KEYWORDS = frozenset(
    {"and", "or", "if", "then", "else", "for", "in", "return", "some", "every", "satisfies",
     "between", "instance", "of", "true", "false", "null", "function"}
)  # fmt: skip
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
# Members that name a type or an internal in the languages modellers come from: refused, so a
# diagram that tries `x.class` learns it at deployment.
_DENIED_MEMBERS = frozenset({"class", "getClass", "constructor", "prototype"})


class _Parser:
    def __init__(self, source: str, limits: Limits):
        self.tokens = _tokens(source)
        self.index = 0
        self.depth = 0
        self.max_depth = limits.max_depth
        self.uses_input = False
        # While reading the end of `[a..b[`, a '[' closes the range instead of filtering.
        self.range_end = False

    # -- helpers --
    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, *texts: str) -> bool:
        token = self.token
        return token.kind in ("op", "name") and token.text in texts

    def expect(self, text: str) -> _Token:
        if not self.at(text):
            self.fail(f"expected '{text}'")
        return self.advance()

    def fail(self, message: str, token: _Token | None = None):
        token = token or self.token
        found = "the end of the text" if token.kind == "end" else repr(token.text)
        raise ExpressionSyntaxError(f"{DIALECT}: {message}, found {found}", token.line, token.col)

    def refuse(self, message: str, token: _Token):
        raise ForbiddenConstruct(f"{DIALECT}: {message}", token.line, token.col)

    def deeper(self):
        self.depth += 1
        if self.depth > self.max_depth:
            raise ResourceLimitExceeded(
                f"{DIALECT}: nested more than {self.max_depth} levels deep", self.token.line, self.token.col
            )

    def finish(self, node: Node) -> Node:
        if self.token.kind != "end":
            self.fail("unexpected text after the expression")
        return node

    # -- unary tests (DMN input entries) --
    def unary_tests(self) -> Node:
        start = self.token
        if self.at("-") and self.peek().kind == "end":
            self.advance()
            return Node("any", at=start)
        if self.at("not") and self.peek().text == "(":
            self.advance()
            self.expect("(")
            tests = self.positive_tests(closing=")")
            self.expect(")")
            return self.finish(Node("not_tests", tests, at=start))
        return self.finish(Node("tests", self.positive_tests(closing=None), at=start))

    def positive_tests(self, closing: str | None) -> list[Node]:
        tests = [self.positive_test()]
        while self.at(","):
            self.advance()
            tests.append(self.positive_test())
        if closing is not None and not self.at(closing):
            self.fail(f"expected ',' or '{closing}'")
        return tests

    def positive_test(self) -> Node:
        start = self.token
        self.deeper()
        try:
            if self.at(*_COMPARISONS):
                op = self.advance().text
                return Node("cmp_test", op, self.additive(), at=start)
            before = self.uses_input
            self.uses_input = False
            expr = self.expression()
            uses = self.uses_input
            self.uses_input = before or uses
            return Node("expr_test", expr, uses, at=start)
        finally:
            self.depth -= 1

    # -- expressions --
    def expression(self) -> Node:
        self.deeper()
        try:
            start = self.token
            if self.at("if"):
                self.advance()
                condition = self.expression()
                self.expect("then")
                then = self.expression()
                self.expect("else")
                return Node("if", condition, then, self.expression(), at=start)
            if self.at("for"):
                self.advance()
                loops = self.iterations("return")
                return Node("for", loops, self.expression(), at=start)
            if self.at("some", "every") and self.peek().kind == "name" and self.peek(2).text == "in":
                kind = self.advance().text
                loops = self.iterations("satisfies")
                return Node(kind, loops, self.expression(), at=start)
            if self.at("function"):
                self.refuse("function definitions are not supported", start)
            return self.disjunction()
        finally:
            self.depth -= 1

    def iterations(self, closing: str) -> list[tuple[str, Node]]:
        loops = []
        while True:
            name = self.advance()
            if name.kind != "name" or name.text in _KEYWORDS:
                self.fail("expected a variable name", name)
            self.expect("in")
            source = self.expression()
            if self.at(".."):  # `for i in 1..3`
                token = self.advance()
                source = Node("range", source, self.expression(), (True, True), at=token)
            loops.append((_name_text(name.text), source))
            if self.at(","):
                self.advance()
                continue
            self.expect(closing)
            return loops

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self.at("or"):
            token = self.advance()
            left = Node("or", left, self.conjunction(), at=token)
        return left

    def conjunction(self) -> Node:
        left = self.comparison()
        while self.at("and"):
            token = self.advance()
            left = Node("and", left, self.comparison(), at=token)
        return left

    def comparison(self) -> Node:
        left = self.additive()
        token = self.token
        if self.at(*_COMPARISONS):
            op = self.advance().text
            return Node("cmp", op, left, self.additive(), at=token)
        if self.at("between"):
            self.advance()
            low = self.additive()
            self.expect("and")
            return Node("between", left, low, self.additive(), at=token)
        if self.at("in"):
            self.advance()
            if self.at("(") and self._parenthesised_list():
                self.advance()
                tests = self.positive_tests(closing=")")
                self.expect(")")
            else:
                tests = [self.positive_test()]
            return Node("in", left, tests, at=token)
        if self.at("instance") and self.peek().text == "of":
            self.refuse("'instance of' is not supported", token)
        return left

    def _parenthesised_list(self) -> bool:
        """True if the '(' here opens a comma-separated list (not a parenthesised expression)."""
        level = 0
        for token in self.tokens[self.index :]:
            if token.text in ("(", "[", "{") and token.kind == "op":
                level += 1
            elif token.text in (")", "]", "}") and token.kind == "op":
                level -= 1
                if level == 0:
                    return False
            elif token.text == "," and level == 1:
                return True
            elif token.kind == "end":
                return False
        return False

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.at("+", "-"):
            token = self.advance()
            left = Node("arith", token.text, left, self.multiplicative(), at=token)
        return left

    def multiplicative(self) -> Node:
        left = self.power()
        while self.at("*", "/"):
            token = self.advance()
            left = Node("arith", token.text, left, self.power(), at=token)
        return left

    def power(self) -> Node:
        left = self.unary()
        while self.at("**"):
            token = self.advance()
            left = Node("arith", "**", left, self.unary(), at=token)
        return left

    def unary(self) -> Node:
        if self.at("-"):
            token = self.advance()
            self.deeper()
            try:
                return Node("neg", self.unary(), at=token)
            finally:
                self.depth -= 1
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            token = self.token
            if self.at("."):
                self.advance()
                name = self.advance()
                if name.kind != "name":
                    self.fail("expected a name after '.'", name)
                member = _name_text(name.text)
                if member.startswith("_") or member in _DENIED_MEMBERS:
                    self.refuse(f"the member {member!r} is not available", name)
                node = Node("path", node, member, at=token)
            elif self.at("[") and not self.range_end:
                self.advance()
                self.deeper()
                saved, self.range_end = self.range_end, False
                try:
                    selector = self.expression()
                finally:
                    self.depth -= 1
                    self.range_end = saved
                self.expect("]")
                node = Node("filter", node, selector, at=token)
            elif self.at("("):
                self.refuse("only built-in functions can be called", token)
            else:
                return node

    def primary(self) -> Node:
        token = self.token
        kind, text = token.kind, token.text
        if kind == "number":
            self.advance()
            return Node("const", Decimal(text), at=token)
        if kind == "string":
            self.advance()
            return Node("const", _unescape(text, token), at=token)
        if kind == "at":
            self.advance()
            return Node("const", _temporal_literal(_unescape(text[1:], token), token), at=token)
        if text == "?" and kind == "op":
            self.advance()
            self.uses_input = True
            return Node("input", at=token)
        if kind == "name":
            return self.name_or_call()
        if text == "(" or text == "]" or text == "[":
            return self.bracketed()
        if text == "{":
            return self.context()
        if kind == "end":
            self.fail("expected a value")
        self.fail("expected a value")

    def name_or_call(self) -> Node:
        token = self.token
        if token.text in ("true", "false"):
            self.advance()
            return Node("const", token.text == "true", at=token)
        if token.text == "null":
            self.advance()
            return Node("const", None, at=token)
        if token.text == "function":
            self.refuse("function definitions are not supported", token)
        if token.text in _KEYWORDS and token.text not in ("and", "or"):
            self.fail("expected a value")
        # Built-in names may have several words ("date and time", "string length").
        for words in _MULTIWORD:
            count = len(words)
            candidate = self.tokens[self.index : self.index + count]
            if (
                len(candidate) == count
                and all(t.kind == "name" and t.text == w for t, w in zip(candidate, words, strict=True))
                and self.peek(count).text == "("
            ):
                self.index += count
                return self.call(" ".join(words), token)
        if token.text in ("and", "or"):
            self.fail("expected a value")
        self.advance()
        name = _name_text(token.text)
        if self.at("("):
            return self.call(name, token)
        return Node("name", name, at=token)

    def call(self, name: str, token: _Token) -> Node:
        if name not in _FUNCTIONS:
            if name in _REFUSED_FUNCTIONS:
                self.refuse(f"{name}() is not supported ({_REFUSED_FUNCTIONS[name]})", token)
            self.refuse(f"unknown function {name}()", token)
        self.expect("(")
        args = []
        self.deeper()
        saved, self.range_end = self.range_end, False
        try:
            if not self.at(")"):
                while True:
                    if self.token.kind == "name" and self.peek().text == ":":
                        self.refuse("named arguments are not supported; pass them in order", self.token)
                    args.append(self.expression())
                    if not self.at(","):
                        break
                    self.advance()
        finally:
            self.depth -= 1
            self.range_end = saved
        self.expect(")")
        return Node("call", name, args, at=token)

    def bracketed(self) -> Node:
        """A list `[a, b]`, a range `[a..b]`, `]a..b[`, `(a..b)`, or a parenthesised expression."""
        start = self.advance()
        self.deeper()
        saved, self.range_end = self.range_end, False
        try:
            if start.text == "[" and self.at("]"):
                self.advance()
                return Node("list", [], at=start)
            first = self.expression()
            if self.at(".."):
                self.advance()
                self.range_end = True
                high = self.expression()
                self.range_end = False
                closing = self.advance()
                if closing.text not in ("]", "[", ")"):
                    self.fail("expected ']', '[' or ')' to close the range", closing)
                low_closed = start.text == "["
                high_closed = closing.text == "]"
                return Node("range", first, high, (low_closed, high_closed), at=start)
            if start.text == "(":
                self.expect(")")
                return first
            if start.text == "]":
                self.fail("expected '..' in a range opened with ']'")
            items = [first]
            while self.at(","):
                self.advance()
                items.append(self.expression())
            self.expect("]")
            return Node("list", items, at=start)
        finally:
            self.depth -= 1
            self.range_end = saved

    def context(self) -> Node:
        start = self.advance()
        entries = []
        self.deeper()
        try:
            if not self.at("}"):
                while True:
                    key = self.advance()
                    if key.kind == "string":
                        name = _unescape(key.text, key)
                    elif key.kind == "name":
                        name = _name_text(key.text)
                    else:
                        self.fail("expected a key", key)
                    self.expect(":")
                    entries.append((name, self.expression()))
                    if not self.at(","):
                        break
                    self.advance()
            self.expect("}")
        finally:
            self.depth -= 1
        return Node("context", entries, at=start)


def _name_text(text: str) -> str:
    return text[1:-1] if text.startswith("`") else text


# ---- compiling (cached) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    tree: Node | None
    error: ExpressionError | None


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str, max_depth: int) -> Program:
    if len(source) > MAX_SOURCE_LENGTH:
        return Program(
            None, ResourceLimitExceeded(f"{DIALECT}: text is longer than {MAX_SOURCE_LENGTH} characters")
        )
    try:
        parser = _Parser(source, Limits(max_depth=max_depth))
        tree = parser.unary_tests() if mode == "unary" else parser.finish(parser.expression())
        return Program(tree, None)
    except ExpressionError as err:
        return Program(None, err)


def _program(source: str, mode: str, limits: Limits) -> Node:
    if not isinstance(source, str):
        raise EvaluationError(f"{DIALECT}: expected expression text, got {type(source).__name__}")
    program = _compile(source, mode, limits.max_depth)
    if program.error is not None:
        raise _copy(program.error)
    return program.tree


def _copy(err: ExpressionError) -> ExpressionError:
    # Cached errors are shared: hand out a fresh one so callers may adjust its position.
    return type(err)(err.message, err.line, err.col)


def check(source: str, mode: str = "expression") -> list[ExpressionError]:
    """Why `source` would be refused (empty if it compiles); `mode` is "expression" or "unary"."""
    if mode == "unary" and not source.strip():
        return []
    program = _compile(source, mode, DEFAULT_LIMITS.max_depth)
    return [] if program.error is None else [_copy(program.error)]


def evaluate(
    source: str,
    names: Mapping[str, Any],
    limits: Limits | None = None,
    *,
    outer: Mapping[str, Any] | None = None,
) -> Any:
    """Value of a FEEL expression over task data `names` (then `outer`), as plain data."""
    limits = limits or DEFAULT_LIMITS
    tree = _program(source, "expression", limits)
    return _Interpreter(names, outer, limits).run(lambda run: to_plain(run.eval(tree, ()), run.budget))


def matches(
    source: str,
    value: Any,
    names: Mapping[str, Any],
    limits: Limits | None = None,
    *,
    input_name: str | None = None,
) -> bool:
    """Whether `value` satisfies the DMN unary tests `source` (an empty cell or '-' matches all).

    `input_name` (Camunda's `camunda:inputVariable`, default `cellInput`) also names the value.
    """
    limits = limits or DEFAULT_LIMITS
    if not source.strip():
        return True
    tree = _program(source, "unary", limits)
    interpreter = _Interpreter(names, None, limits, input_value=value)
    scope = ({input_name or "cellInput": value},)
    return interpreter.run(lambda run: run.unary(tree, value, scope) is True)


# ---- values -------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))  # 0.1 stays 0.1


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date and time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonths):
        return "years and months duration"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    return type(value).__name__


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both values in one ordered form, or None if FEEL cannot compare them."""
    kind_left, kind_right = _kind(left), _kind(right)
    if kind_left != kind_right:
        return None
    if kind_left == "number":
        return _number(left), _number(right)
    if kind_left == "date and time":
        return _aware(left), _aware(right)
    if kind_left == "years and months duration":
        return left.months, right.months
    if kind_left in ("string", "date", "time", "days and time duration", "boolean"):
        return left, right
    return None


def _equal(left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return left is None and right is None
    kind_left = _kind(left)
    if kind_left != _kind(right):
        return False
    if kind_left == "list":
        return len(left) == len(right) and all(_equal(a, b) is True for a, b in zip(left, right, strict=True))
    if kind_left == "context":
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) is True for k in left)
    pair = _comparable(left, right)
    if pair is None:
        return left == right
    return pair[0] == pair[1]


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        equal = _equal(left, right)
        return None if equal is None else not equal
    if left is None or right is None:
        return None
    pair = _comparable(left, right)
    if pair is None or isinstance(pair[0], bool):
        return None
    a, b = pair
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:  # e.g. a time with a zone against one without
        return None


def _add_months(moment: date, months: int) -> date:
    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise _Null
    import calendar

    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _arith(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        return _arith_values(op, left, right)
    except (_Null, decimal.DecimalException, OverflowError, ValueError, TypeError):
        return None


def _arith_values(op: str, left: Any, right: Any) -> Any:
    kl, kr = _kind(left), _kind(right)
    if kl == "number" and kr == "number":
        a, b = _number(left), _number(right)
        if op == "+":
            return _CONTEXT.add(a, b)
        if op == "-":
            return _CONTEXT.subtract(a, b)
        if op == "*":
            return _CONTEXT.multiply(a, b)
        if op == "/":
            return _CONTEXT.divide(a, b)
        return _CONTEXT.power(a, b)
    if op == "+" and kl == "string" and kr == "string":
        return left + right
    temporal = ("date", "date and time")
    if kl in temporal and kr == "days and time duration" and op in "+-":
        moment = left if kl == "date and time" else datetime.combine(left, time(), UTC)
        result = moment + right if op == "+" else moment - right
        return result if kl == "date and time" else result.date()
    if kl in temporal and kr == "years and months duration" and op in "+-":
        return _add_months(left, right.months if op == "+" else -right.months)
    if op == "+" and kr in temporal and kl in ("days and time duration", "years and months duration"):
        return _arith_values("+", right, left)
    if op == "-" and kl in temporal and kr in temporal:
        a = _aware(left) if kl == "date and time" else datetime.combine(left, time(), UTC)
        b = _aware(right) if kr == "date and time" else datetime.combine(right, time(), UTC)
        return a - b
    if kl == kr == "days and time duration" and op in "+-":
        return left + right if op == "+" else left - right
    if kl == kr == "years and months duration" and op in "+-":
        return YearsMonths(left.months + right.months if op == "+" else left.months - right.months)
    if kl == "days and time duration" and kr == "number" and op in "*/":
        seconds = _number(left.total_seconds())
        factor = _number(right)
        total = seconds * factor if op == "*" else seconds / factor
        return timedelta(seconds=float(total))
    if kl == "years and months duration" and kr == "number" and op in "*/":
        factor = _number(right)
        months = _number(left.months) * factor if op == "*" else _number(left.months) / factor
        return YearsMonths(int(months))
    if kl == kr == "days and time duration" and op == "/":
        return _number(left.total_seconds()) / _number(right.total_seconds())
    raise _Null


def _truth(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# ---- built-in functions ---------------------------------------------------------------------

_ISO_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _parse_duration(text: str) -> timedelta | YearsMonths:
    match = _ISO_DURATION.match(text.strip())
    if not match or text.strip() in ("P", "-P") or text.strip().endswith("T"):
        raise _Null
    sign, years, months, weeks, days, hours, minutes, seconds = match.groups()
    factor = -1 if sign else 1
    if years or months:
        if weeks or days or hours or minutes or seconds:
            raise _Null  # FEEL has no mixed durations
        return YearsMonths(factor * (int(years or 0) * 12 + int(months or 0)))
    return factor * timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(seconds or 0),
    )


def _parse_datetime(text: str) -> datetime:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "@" in text:  # zone ids (`@Europe/Amsterdam`) are not supported
        raise _Null
    return _aware(datetime.fromisoformat(text))


def _temporal_literal(text: str, token: _Token) -> Any:
    try:
        if text.lstrip("-").startswith("P"):
            return _parse_duration(text)
        if "T" in text:
            return _parse_datetime(text)
        if ":" in text:
            return time.fromisoformat(text)
        return date.fromisoformat(text)
    except (ValueError, _Null):
        raise ExpressionSyntaxError(
            f"{DIALECT}: @{text!r} is not a date, time or duration", token.line, token.col
        ) from None


def _need(value: Any, *kinds: str) -> Any:
    if _kind(value) not in kinds:
        raise _Null
    return value


def _f_date(*args):
    if len(args) == 1:
        value = args[0]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _need(value, "string")
        return date.fromisoformat(text.strip()) if "T" not in text else _parse_datetime(text).date()
    year, month, day = (int(_number(_need(a, "number"))) for a in args)
    return date(year, month, day)


def _f_time(*args):
    if len(args) == 1:
        value = args[0]
        if isinstance(value, datetime):
            return value.timetz()
        if isinstance(value, time):
            return value
        return time.fromisoformat(_need(value, "string").strip().replace("Z", "+00:00"))
    hour, minute, second = (int(_number(_need(a, "number"))) for a in args[:3])
    return time(hour, minute, second)


def _f_date_and_time(*args):
    if len(args) == 2:
        day, moment = args
        return _aware(datetime.combine(_need(day, "date", "date and time"), _need(moment, "time")))
    value = args[0]
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _parse_datetime(_need(value, "string"))


def _f_duration(text):
    return _parse_duration(_need(text, "string"))


def _f_years_and_months(start, end):
    a = _need(start, "date", "date and time")
    b = _need(end, "date", "date and time")
    months = (b.year - a.year) * 12 + b.month - a.month
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return YearsMonths(months)


def _f_string(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _plain_number_text(_number(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _timedelta_iso(value)
    if isinstance(value, YearsMonths):
        return value.iso()
    raise _Null


def _plain_number_text(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _timedelta_iso(value: timedelta) -> str:
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time_part = "".join(
        f"{int(v) if float(v).is_integer() else v}{u}"
        for v, u in ((hours, "H"), (minutes, "M"), (secs, "S"))
        if v
    )
    body = (f"{int(days)}D" if days else "") + (f"T{time_part}" if time_part else "")
    return f"{sign}P{body or 'T0S'}"


def _f_number(text, *_separators):
    try:
        return Decimal(_need(text, "string").strip())
    except decimal.DecimalException:
        return None


def _charge(items) -> None:
    from app.engine.script_limits import current_budget

    budget = current_budget()
    budget.bulk(len(items))
    budget.check_length(len(items))


def _list(value) -> list:
    if value is None:
        raise _Null
    items = list(value) if isinstance(value, list | tuple) else [value]
    _charge(items)
    return items


def _numbers(args) -> list[Decimal]:
    items = _list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    return [_number(_need(item, "number")) for item in items]


def _f_substring(text, start, length=None):
    text = _need(text, "string")
    start = int(_number(_need(start, "number")))
    begin = start - 1 if start > 0 else len(text) + start
    if length is None:
        return text[begin:]
    return text[begin : begin + int(_number(_need(length, "number")))]


def _f_string_join(items, delimiter=""):
    strings = [_need(item, "string") for item in _list(items) if item is not None]
    from app.engine.script_limits import current_budget

    current_budget().check_length(sum(map(len, strings)) + len(delimiter or "") * len(strings))
    return (delimiter or "").join(strings)


def _f_sublist(items, start, length=None):
    items = _list(items)
    start = int(_number(_need(start, "number")))
    begin = start - 1 if start > 0 else len(items) + start
    if length is None:
        return items[begin:]
    return items[begin : begin + int(_number(_need(length, "number")))]


def _f_insert_before(items, position, value):
    items = _list(items)
    index = int(_number(_need(position, "number")))
    index = index - 1 if index > 0 else len(items) + index
    return [*items[:index], value, *items[index:]]


def _f_remove(items, position):
    items = _list(items)
    index = int(_number(_need(position, "number")))
    index = index - 1 if index > 0 else len(items) + index
    return [*items[:index], *items[index + 1 :]]


def _f_distinct(items):
    result: list = []
    for item in _list(items):
        if not any(_equal(item, seen) is True for seen in result):
            result.append(item)
    _charge(result)
    return result


def _f_union(*lists):
    return _f_distinct([item for value in lists for item in _list(value)])


def _f_flatten(items):
    flat: list = []
    stack = [iter(_list(items))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list | tuple):
                _charge(item)
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    _charge(flat)
    return flat


def _f_sort(items):
    values = _list(items)
    if not values:
        return []
    kinds = {_kind(v) for v in values}
    if len(kinds) != 1 or kinds.pop() not in ("number", "string", "date", "date and time", "time"):
        raise _Null
    _charge(values * 2)
    return sorted(values, key=lambda v: _comparable(v, v)[0])


def _f_index_of(items, match):
    return [Decimal(i) for i, item in enumerate(_list(items), start=1) if _equal(item, match) is True]


def _f_min_max(pick):
    def choose(*args):
        items = _list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
        if not items or any(item is None for item in items):
            return None
        best = items[0]
        for item in items[1:]:
            better = _compare("<" if pick == "min" else ">", item, best)
            if better is None:
                raise _Null
            if better:
                best = item
        return best

    return choose


def _f_sum(*args):
    numbers = _numbers(args)
    return sum(numbers, Decimal(0)) if numbers else None


def _f_mean(*args):
    numbers = _numbers(args)
    return sum(numbers, Decimal(0)) / len(numbers) if numbers else None


def _f_all(*args):
    items = _list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if any(item is False for item in items):
        return False
    return True if all(item is True for item in items) else None


def _f_any(*args):
    items = _list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if any(item is True for item in items):
        return True
    return False if all(item is False for item in items) else None


def _f_decimal(number, scale):
    places = int(_number(_need(scale, "number")))
    if not -6111 <= places <= 6176:
        raise _Null
    return _number(_need(number, "number")).quantize(
        Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN
    )


def _integral(number, rounding):
    return _number(_need(number, "number")).to_integral_value(rounding=rounding)


def _f_modulo(dividend, divisor):
    a, b = _number(_need(dividend, "number")), _number(_need(divisor, "number"))
    return a - b * (a / b).to_integral_value(rounding=decimal.ROUND_FLOOR)


def _f_day_of_week(value):
    day = _need(value, "date", "date and time")
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day.weekday()]


def _f_month_of_year(value):
    day = _need(value, "date", "date and time")
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip
    return months[day.month - 1]


def _f_get_value(context, key):
    return _need(context, "context").get(_need(key, "string"))


def _f_get_entries(context):
    entries = [{"key": k, "value": v} for k, v in _need(context, "context").items()]
    _charge(entries)
    return entries


def _f_not(value):
    return None if not isinstance(value, bool) else not value


def _text_test(test):
    def run(text, match):
        return test(_need(text, "string"), _need(match, "string"))

    return run


def _f_string_length(text):
    return Decimal(len(_need(text, "string")))


def _f_count(items):
    return Decimal(len(_list(items)))


def _f_list_contains(items, value):
    return any(_equal(item, value) is True for item in _list(items))


def _f_append(items, *values):
    result = [*_list(items), *values]
    _charge(result)
    return result


def _f_concatenate(*lists):
    result = [item for value in lists for item in _list(value)]
    _charge(result)
    return result


def _f_now():
    return clock.now()


def _f_today():
    return clock.now().date()


def _f_upper(text):
    return _need(text, "string").upper()


def _f_lower(text):
    return _need(text, "string").lower()


def _f_substring_before(text, match):
    text, match = _need(text, "string"), _need(match, "string")
    return text.split(match, 1)[0] if match in text else ""


def _f_substring_after(text, match):
    text, match = _need(text, "string"), _need(match, "string")
    return text.split(match, 1)[1] if match in text else ""


def _f_reverse(items):
    return list(reversed(_list(items)))


def _f_floor(number):
    return _integral(number, decimal.ROUND_FLOOR)


def _f_ceiling(number):
    return _integral(number, decimal.ROUND_CEILING)


def _f_abs(value):
    if isinstance(value, timedelta):
        return abs(value)
    return abs(_number(_need(value, "number")))


def _f_sqrt(number):
    value = _number(_need(number, "number"))
    if value < 0:
        raise _Null
    return _CONTEXT.sqrt(value)


def _f_odd(number):
    return _integral(number, decimal.ROUND_FLOOR) % 2 == 1


def _f_even(number):
    return _integral(number, decimal.ROUND_FLOOR) % 2 == 0


def _f_product(*args):
    numbers = _numbers(args)
    if not numbers:
        return None
    result = Decimal(1)
    for number in numbers:
        result = _CONTEXT.multiply(result, number)
    return result


_FUNCTIONS: dict[str, Any] = {
    "not": _f_not,
    "date": _f_date,
    "time": _f_time,
    "date and time": _f_date_and_time,
    "duration": _f_duration,
    "years and months duration": _f_years_and_months,
    "string": _f_string,
    "number": _f_number,
    "substring": _f_substring,
    "string length": _f_string_length,
    "upper case": _f_upper,
    "lower case": _f_lower,
    "substring before": _f_substring_before,
    "substring after": _f_substring_after,
    "contains": _text_test(lambda text, match: match in text),
    "starts with": _text_test(lambda text, match: text.startswith(match)),
    "ends with": _text_test(lambda text, match: text.endswith(match)),
    "string join": _f_string_join,
    "list contains": _f_list_contains,
    "count": _f_count,
    "min": _f_min_max("min"),
    "max": _f_min_max("max"),
    "sum": _f_sum,
    "product": _f_product,
    "mean": _f_mean,
    "all": _f_all,
    "any": _f_any,
    "sublist": _f_sublist,
    "append": _f_append,
    "concatenate": _f_concatenate,
    "insert before": _f_insert_before,
    "remove": _f_remove,
    "reverse": _f_reverse,
    "index of": _f_index_of,
    "union": _f_union,
    "distinct values": _f_distinct,
    "flatten": _f_flatten,
    "sort": _f_sort,
    "decimal": _f_decimal,
    "floor": _f_floor,
    "ceiling": _f_ceiling,
    "abs": _f_abs,
    "modulo": _f_modulo,
    "sqrt": _f_sqrt,
    "odd": _f_odd,
    "even": _f_even,
    "now": _f_now,
    "today": _f_today,
    "day of week": _f_day_of_week,
    "month of year": _f_month_of_year,
    "get value": _f_get_value,
    "get entries": _f_get_entries,
}
FUNCTION_NAMES = frozenset(_FUNCTIONS)
_MULTIWORD = sorted((tuple(name.split()) for name in _FUNCTIONS if " " in name), key=len, reverse=True)
_REFUSED_FUNCTIONS = {
    "matches": "regular expressions are not supported",
    "replace": "regular expressions are not supported",
    "split": "regular expressions are not supported",
}


# ---- the interpreter ------------------------------------------------------------------------

_PROPERTIES = {
    "date": {"year", "month", "day", "weekday"},
    "date and time": {"year", "month", "day", "weekday", "hour", "minute", "second"},
    "time": {"hour", "minute", "second"},
    "days and time duration": {"days", "hours", "minutes", "seconds"},
    "years and months duration": {"years", "months"},
    "range": {"start", "end", "start included", "end included"},
}


def _property(value: Any, name: str) -> Any:
    kind = _kind(value)
    if kind == "context":
        return value.get(name)
    if name not in _PROPERTIES.get(kind, ()):
        return None
    if kind in ("date", "date and time", "time"):
        if name == "weekday":
            return Decimal(value.isoweekday())
        return Decimal(getattr(value, name))
    if kind == "days and time duration":
        seconds = int(value.total_seconds())
        days, rest = divmod(abs(seconds), 86400)
        parts = {"days": days, "hours": rest // 3600, "minutes": rest % 3600 // 60, "seconds": rest % 60}
        return Decimal(parts[name] * (-1 if seconds < 0 else 1))
    if kind == "years and months duration":
        years, months = divmod(abs(value.months), 12)
        sign = -1 if value.months < 0 else 1
        return Decimal(sign * (years if name == "years" else months))
    return {"start": value.low, "end": value.high, "start included": value.low_closed,
            "end included": value.high_closed}[name]  # fmt: skip


_MISSING = object()


class _Interpreter:
    def __init__(self, names: Mapping[str, Any], outer, limits: Limits, input_value: Any = _MISSING):
        self.names = names
        self.outer = outer or {}
        self.limits = limits
        self.budget = Budget(limits)
        self.input_value = input_value

    def run(self, body):
        token = activate(self.budget)
        try:
            return body(self)
        except (RecursionError, MemoryError):
            raise ResourceLimitExceeded(f"{DIALECT}: expression nests or grows too much") from None
        except (LookupError, ArithmeticError, TypeError, ValueError, AttributeError) as err:
            # A safety net: FEEL turns wrong types into null, so this means a gap in this module.
            raise EvaluationError(f"{DIALECT}: cannot evaluate: {err}") from None
        finally:
            deactivate(token)

    def fail(self, node: Node, message: str) -> EvaluationError:
        return EvaluationError(f"{DIALECT}: {message}", node.line, node.col)

    def lookup(self, node: Node, scope) -> Any:
        name = node.a
        for frame in reversed(scope):
            if name in frame:
                return frame[name]
        if name in self.names:
            return self.names[name]
        if name in self.outer:
            return self.outer[name]
        raise self.fail(node, f"unknown variable {name!r}")

    def eval(self, node: Node, scope: tuple) -> Any:
        self.budget.tick()
        kind = node.kind
        if kind == "const":
            return node.a
        if kind == "name":
            return self.lookup(node, scope)
        if kind == "input":
            if self.input_value is _MISSING:
                raise self.fail(node, "'?' (the input value) is only available in a decision table cell")
            return self.input_value
        if kind == "cmp":
            return _compare(node.a, self.eval(node.b, scope), self.eval(node.c, scope))
        if kind == "arith":
            left, right = self.eval(node.b, scope), self.eval(node.c, scope)
            for operand in (left, right):
                if isinstance(operand, str):
                    self.budget.bulk(len(operand))
            return self.budget.guard(_arith(node.a, left, right))
        if kind == "neg":
            value = self.eval(node.a, scope)
            if _is_number(value):
                return -_number(value)
            if isinstance(value, timedelta):
                return -value
            if isinstance(value, YearsMonths):
                return YearsMonths(-value.months)
            return None
        if kind == "and":
            left = _truth(self.eval(node.a, scope))
            if left is False:
                return False
            right = _truth(self.eval(node.b, scope))
            if right is False:
                return False
            return True if left is True and right is True else None
        if kind == "or":
            left = _truth(self.eval(node.a, scope))
            if left is True:
                return True
            right = _truth(self.eval(node.b, scope))
            if right is True:
                return True
            return False if left is False and right is False else None
        if kind == "if":
            branch = node.b if self.eval(node.a, scope) is True else node.c
            return self.eval(branch, scope)
        if kind == "between":
            value = self.eval(node.a, scope)
            low, high = self.eval(node.b, scope), self.eval(node.c, scope)
            return Range(low, high, True, True).contains(value)
        if kind == "in":
            return self.any_test(node.b, self.eval(node.a, scope), scope)
        if kind == "list":
            return self.budget.guard([self.eval(item, scope) for item in node.a])
        if kind == "range":
            low_closed, high_closed = node.c
            return Range(self.eval(node.a, scope), self.eval(node.b, scope), low_closed, high_closed)
        if kind == "context":
            result: dict = {}
            inner = (*scope, result)  # later entries may use earlier ones
            for key, expr in node.a:
                result[key] = self.eval(expr, inner)
            return result
        if kind == "path":
            return self.path(self.eval(node.a, scope), node.b)
        if kind == "filter":
            return self.filter(node, scope)
        if kind == "call":
            return self.call(node, scope)
        if kind in ("for", "some", "every"):
            return self.iterate(node, scope)
        raise self.fail(node, f"cannot evaluate {kind}")  # pragma: no cover - parser emits only the above

    def path(self, value: Any, name: str) -> Any:
        if isinstance(value, list | tuple):
            self.budget.bulk(len(value))
            return [_property(item, name) for item in value]
        return _property(value, name)

    def filter(self, node: Node, scope) -> Any:
        base = self.eval(node.a, scope)
        if base is None:
            return None
        items = list(base) if isinstance(base, list | tuple) else [base]
        selector = node.b
        if selector.kind == "const" and _is_number(selector.a):
            return self.index(items, selector.a)
        result = []
        for item in items:
            self.budget.tick()
            frame = {"item": item, **(item if isinstance(item, dict) else {})}
            value = self.eval(selector, (*scope, frame))
            if _is_number(value):  # `list[2]`, `list[-1]`, `list[i]`: an index, not a filter
                return self.index(items, value)
            if value is True:
                result.append(item)
        return result

    def index(self, items: list, position: Any) -> Any:
        number = int(_number(position))
        if number > 0 and number <= len(items):
            return items[number - 1]
        if number < 0 and -number <= len(items):
            return items[number]
        return None

    def call(self, node: Node, scope) -> Any:
        args = [self.eval(arg, scope) for arg in node.b]
        function = _FUNCTIONS[node.a]
        try:
            result = function(*args)
        except ExpressionError:
            raise
        except TypeError:
            raise self.fail(node, f"{node.a}() does not take {len(args)} argument(s)") from None
        except (_Null, decimal.DecimalException, ValueError, OverflowError, IndexError, KeyError):
            return None
        return self.budget.guard(result)

    def iterate(self, node: Node, scope) -> Any:
        results: list = []
        found = {"some": False, "every": True}.get(node.kind)

        def walk(loops, frame):
            nonlocal found
            if not loops:
                value = self.eval(node.b, (*scope, frame))
                if node.kind == "for":
                    results.append(value)
                    self.budget.check_length(len(results))
                elif node.kind == "some" and value is True:
                    found = True
                elif node.kind == "every" and value is not True:
                    found = False
                return
            (name, source), rest = loops[0], loops[1:]
            values = self.eval(source, (*scope, frame))
            if isinstance(values, Range):
                values = self.range_items(values, node)
            for value in _list(values) if values is not None else []:
                self.budget.tick()
                walk(rest, {**frame, name: value})

        walk(node.a, {})
        return results if node.kind == "for" else found

    def range_items(self, value: Range, node: Node) -> list:
        if not (_is_number(value.low) and _is_number(value.high)):
            raise self.fail(node, "only a range of whole numbers can be iterated")
        low, high = int(_number(value.low)), int(_number(value.high))
        step = 1 if high >= low else -1
        count = abs(high - low) + 1
        if count > self.limits.max_range:
            raise ResourceLimitExceeded(
                f"{DIALECT}: range of {count} numbers exceeds the limit of {self.limits.max_range}"
            )
        return [Decimal(n) for n in range(low, high + step, step)]

    # -- unary tests --

    def unary(self, node: Node, value: Any, scope) -> bool | None:
        if node.kind == "any":
            return True
        if node.kind == "not_tests":
            result = self.any_test(node.a, value, scope)
            return None if result is None else not result
        return self.any_test(node.a, value, scope)

    def any_test(self, tests: list[Node], value: Any, scope) -> bool | None:
        saw_null = False
        for test in tests:
            result = self.test(test, value, scope)
            if result is True:
                return True
            if result is None:
                saw_null = True
        return None if saw_null else False

    def test(self, node: Node, value: Any, scope) -> bool | None:
        self.budget.tick()
        if node.kind == "cmp_test":
            return _compare(node.a, value, self.eval(node.b, scope))
        expr, uses_input = node.a, node.b
        previous = self.input_value
        self.input_value = value
        try:
            expected = self.eval(expr, scope)
        finally:
            self.input_value = previous
        if uses_input:
            return _truth(expected)
        if isinstance(expected, Range):
            return expected.contains(value)
        if isinstance(expected, list | tuple) and not isinstance(value, list | tuple):
            self.budget.bulk(len(expected))
            return any(_equal(value, item) is True for item in expected)
        if isinstance(expected, bool) and not isinstance(value, bool) and value is not None:
            return expected  # a condition on other data, e.g. `amount > 1000` in a cell
        return _equal(value, expected)


# ---- leaving FEEL ---------------------------------------------------------------------------


def to_plain(value: Any, budget: Budget | None = None) -> Any:
    """A FEEL value as task data: numbers become int/float, durations ISO text where needed."""
    if budget is not None:
        size, _ = measure(value, budget.limits.max_data_growth) if isinstance(value, list | dict) else (0, 0)
        if size > budget.limits.max_data_growth:
            raise ResourceLimitExceeded(f"{DIALECT}: the result is too large to keep")
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, YearsMonths):
        return value.iso()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, Range):
        raise EvaluationError(f"{DIALECT}: a range cannot be stored as data")
    return value
