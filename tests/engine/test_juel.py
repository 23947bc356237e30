"""JUEL (Camunda 7 `${…}`) on the bounded interpreter: EL semantics, whitelist, refusals."""

from datetime import UTC, datetime, timedelta

import pytest

from app.engine import juel
from app.engine.clock import using_clock
from app.engine.expressions import (
    EvaluationError,
    ExpressionSyntaxError,
    ForbiddenConstruct,
    Limits,
    ResourceLimitExceeded,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DATA = {
    "amount": 1500,
    "approved": True,
    "clarified": False,
    "name": "Ann",
    "five": "5",
    "nothing": None,
    "groups": ["sales", "accounting"],
    "invoice": {"category": "Misc", "lines": [{"price": 2}], "empty": ""},
    "due": datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
}


def value(text, data=DATA):
    with using_clock(lambda: NOW):
        return juel.evaluate(text, data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${amount > 1000}", True),
        ("${amount gt 1000 and approved}", True),
        ("${amount le 1500 && !clarified}", True),
        ("${approved}", True),
        ("${!approved}", False),
        ("${not clarified}", True),
        ("${clarified || amount == 1500}", True),
        ("${amount eq 1500}", True),
        ("${amount ne 1500}", False),
        ("${amount lt 2 or approved}", True),
        ("${amount ge 1500}", True),
        ("${amount / 2}", 750.0),  # EL divides as decimals
        ("${amount div 4}", 375.0),
        ("${7 % 3}", 1),
        ("${-7 mod 3}", -1),  # Java's remainder keeps the sign
        ("${amount * 2 + 1}", 3001),
        ("${amount - 0.5}", 1499.5),
        ("${nothing + 1}", 1),  # null is 0 in arithmetic
        ('${"1" + 1}', 2),  # text is read as a number, not joined
        ("${five > 3}", True),
        ("${five == 5}", True),
        ("${nothing == null}", True),
        ("${nothing > 1}", False),
        ("${empty nothing}", True),
        ("${empty invoice.empty}", True),
        ("${empty groups}", False),
        ("${invoice.category}", "Misc"),
        ("${invoice['category']}", "Misc"),
        ("${invoice.missing}", None),
        ("${invoice.lines[0].price}", 2),
        ("${groups[1]}", "accounting"),
        ("${groups[5]}", None),
        ("${nothing.anything}", None),
        ('${amount > 1000 ? "management" : "accounting"}', "management"),
        ("${name.equals('Ann')}", True),
        ("${name.equalsIgnoreCase('ann')}", True),
        ("${name.startsWith('A') and name.contains('n')}", True),
        ("${name.toUpperCase()}", "ANN"),
        ("${name.length()}", 3),
        ("${name.substring(1)}", "nn"),
        ("${groups.size()}", 2),
        ("${groups.contains('sales')}", True),
        ("${invoice.containsKey('category')}", True),
        ("${invoice.get('category')}", "Misc"),
        ("${execution.getVariable('amount')}", 1500),
        ("${execution.hasVariable('nope')}", False),
        ("${dateTime().plusWeeks(1).toDate()}", NOW + timedelta(weeks=1)),
        ("${dateTime().plusDays(2).toDate()}", NOW + timedelta(days=2)),
        ("${dateTime().minusHours(1).toDate()}", NOW - timedelta(hours=1)),
        ("${dateTime().plusMonths(1).toDate()}", datetime(2026, 4, 2, 9, 0, tzinfo=UTC)),
        ("${due.after(now())}", True),
        ("${dateTime().isBefore(due)}", True),
        ("${4}", 4),
        ("#{amount}", 1500),
        ("  ${approved}\n", True),
        ("Dear ${name}, ${amount} is due", "Dear Ann, 1500 is due"),
        ("${nothing}!", "!"),
        (r"cost \${amount}", "cost ${amount}"),
        ("${'a\\'b'}", "a'b"),
    ],
)
def test_expressions(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("${''.getClass()}", "'getClass'"),
        ("${x.class}", "'class'"),
        ("${x['class']}", "'class'"),
        ("${''.getClass().forName('java.lang.Runtime')}", "'getClass'"),
        ("${x.getRuntime()}", "method getRuntime()"),
        ("${name.matches('a*')}", "method matches()"),
        ("${x.__class__}", "'__class__'"),
        ("${_hidden}", "'_hidden'"),
        ("${a instanceof b}", "instanceof"),
        ("${(x) -> x + 1}", "lambda"),
        ("${x -> x}", "lambda"),
        ("${x = 1}", "assignment"),
        ("${x += 'a'}", "assignment"),
        ("${a; b}", "';'"),
        ("${{1, 2}}", "collection literals"),
        ("${[1, 2]}", "collection literals"),
        ("${foo()}", "function foo()"),
        ("${fn:toUpperCase(name)}", "function fn:toUpperCase()"),
        ("${T(java.lang.Runtime)}", "function T()"),
    ],
)
def test_escape_attempts_are_refused_before_running(text, needle):
    [error] = juel.check(text)
    assert isinstance(error, ForbiddenConstruct), error
    assert error.message.startswith("JUEL: ") and needle in error.message
    with pytest.raises(ForbiddenConstruct):
        value(text)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("${amount", "not closed"),
        ("${}", "expected an expression"),
        ("${amount >}", "expected a value"),
        ("${a ? b}", "expected ':'"),
        ("${'open}", "not closed"),
        ("${a # b}", "unexpected character"),
    ],
)
def test_syntax_errors_say_where(text, needle):
    [error] = juel.check(text)
    assert isinstance(error, ExpressionSyntaxError) and needle in error.message
    assert error.line == 1 and error.col


def test_a_method_outside_its_type_fails_at_run_time_and_names_the_type():
    with pytest.raises(EvaluationError, match="method size\\(\\) is not available on a string"):
        value("${name.size()}")
    with pytest.raises(EvaluationError, match="only execution.getVariable"):
        value("${execution.processEngine}")
    with pytest.raises(EvaluationError, match="cannot call length\\(\\) on null"):
        value("${nothing.length()}")


def test_unknown_variables_fail_like_camunda():
    with pytest.raises(EvaluationError, match="unknown variable 'amout'"):
        value("${amout > 1}")


def test_wrong_types_fail_clearly():
    with pytest.raises(EvaluationError, match="cannot use the text 'Ann' as a number"):
        value("${name + 1}")
    with pytest.raises(EvaluationError, match="division by zero"):
        value("${amount / 0}")
    with pytest.raises(EvaluationError, match="cannot compare a list with a number"):
        value("${groups > 1}")


def test_budgets_bound_sizes_and_nesting():
    big = {"s": "x" * 60_000}
    with pytest.raises(ResourceLimitExceeded):
        juel.evaluate("${s.concat(s)}", big)
    with pytest.raises(ResourceLimitExceeded):
        juel.evaluate("${s.replace('x', 'xx')}", big)
    with pytest.raises(ResourceLimitExceeded):
        juel.evaluate("${n * n * n * n * n}", {"n": 2**1000})
    [error] = juel.check("${" + "(" * 60 + "1" + ")" * 60 + "}")
    assert isinstance(error, ResourceLimitExceeded)
    with pytest.raises(ResourceLimitExceeded, match="steps"):
        juel.evaluate("${" + " + ".join(["1"] * 40) + "}", {}, Limits(max_steps=20))
