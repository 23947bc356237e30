"""Random FEEL and JUEL text never escapes as anything but our own ExpressionError.

Whatever a diagram holds, checking and running it may refuse or fail, but always with a located
ExpressionError (a finding, an incident), never with a Python error that would become a 500.
Derandomized and bounded, so the run is the same every time.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import feel, juel
from app.engine.expressions import ExpressionError

DATA = {"x": 3, "s": "abc", "l": [1, "a", None, [2]], "c": {"a": 1, "b": [1, 2]}, "n": None, "b": True}

FEEL_TOKENS = [
    "x", "s", "l", "c", "n", "b", "item", "?", "1", "2.5", "-", "+", "*", "/", "**", "=", "!=", "<", "<=",
    ">", ">=", "(", ")", "[", "]", "{", "}", ",", ".", "..", ":", '"t"', "null", "true", "false", "and",
    "or", "not", "if", "then", "else", "for", "in", "return", "some", "every", "satisfies", "between",
    "date", "duration", "count", "sum", "substring", "string length", "sort", "flatten", "@\"P1D\"",
    "function", "instance of", "a", "`x`", " ",
]  # fmt: skip
JUEL_TOKENS = [
    "x", "s", "l", "c", "n", "b", "1", "2.5", "'t'", '"u"', "-", "+", "*", "/", "%", "div", "mod", "==",
    "!=", "<", ">", "<=", ">=", "eq", "lt", "&&", "||", "!", "not", "and", "or", "empty", "?", ":", "(",
    ")", "[", "]", ".", ",", "size()", "length()", "get(0)", "equals(1)", "null", "true", "dateTime()",
    "plusDays(1)", "execution", "getVariable('x')", "class", "getClass()", " ",
]  # fmt: skip

SETTINGS = settings(
    max_examples=400, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)


def _text(tokens):
    return st.lists(st.sampled_from(tokens), min_size=1, max_size=14).map(" ".join)


@SETTINGS
@given(_text(FEEL_TOKENS))
def test_random_feel_fails_only_as_an_expression_error(text):
    feel.check(text)
    feel.check(text, "unary")
    for run in (lambda: feel.evaluate(text, DATA), lambda: feel.matches(text, 2, DATA)):
        try:
            run()
        except ExpressionError as err:
            assert err.message.startswith("FEEL")


@SETTINGS
@given(_text(JUEL_TOKENS))
def test_random_juel_fails_only_as_an_expression_error(text):
    source = "${" + text + "}"
    juel.check(source)
    try:
        juel.evaluate(source, DATA)
    except ExpressionError as err:
        assert err.message.startswith("JUEL")


@pytest.mark.parametrize("text", ["\x00", "\ufeff", "é", "${", "#{}", "\\${x}", "'"])
def test_odd_characters(text):
    for check in (feel.check, juel.check):
        assert isinstance(check(text), list)
