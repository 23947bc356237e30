"""FEEL (Camunda 8 expressions, DMN cells) on the bounded interpreter: semantics and refusals."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.engine import feel
from app.engine.expressions import (
    EvaluationError,
    ExpressionSyntaxError,
    ForbiddenConstruct,
    Limits,
    ResourceLimitExceeded,
)

DATA = {
    "amount": 1500,
    "price": 0.1,
    "name": "Ann",
    "flag": True,
    "nothing": None,
    "items": [3, 1, 2],
    "person": {"name": "Bo", "age": 40, "tags": ["x"]},
    "people": [{"name": "Bo", "age": 40}, {"name": "Cy", "age": 12}],
    "born": date(1990, 5, 17),
    "seen": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
}


def value(text, data=DATA):
    return feel.evaluate(text, data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount > 1000", True),
        ("amount >= 1500 and flag", True),
        ("1 + 2 * 3 - 4 / 2", 5),
        ("0.1 + 0.2 = 0.3", True),  # decimals, not binary floats
        ("price * 3", 0.3),
        ("2 ** 10", 1024),
        ("-amount", -1500),
        ("7 / 2", 3.5),
        ('"a" + "b"', "ab"),
        ('name = "Ann"', True),
        ('name != "Ann"', False),
        ("nothing = null", True),
        ("nothing > 3", None),  # null propagates
        ("nothing + 1", None),
        ('amount > "1000"', None),  # different kinds do not compare
        ("1 / 0", None),
        ("true and nothing", None),
        ("false and nothing", False),
        ("true or nothing", True),
        ("not(flag)", False),
        ('if amount > 1000 then "high" else "low"', "high"),
        ('if nothing then "yes" else "no"', "no"),
        ("amount between 1000 and 2000", True),
        ("amount in [1000..2000]", True),
        ("amount in ]1500..2000]", False),
        ("amount in (1, 2, 1500)", True),
        ('name in ("Bo", "Cy")', False),
        ("amount in > 1000", True),
        ("items[1]", 3),
        ("items[-1]", 2),
        ("items[item > 1]", [3, 2]),
        ("person.name", "Bo"),
        ("person.missing", None),
        ("people.name", ["Bo", "Cy"]),
        ("people[age > 18].name", ["Bo"]),
        ("{a: 1, b: a + 1}.b", 2),
        ('{"x y": 2}', {"x y": 2}),
        ("[1, 2, 3]", [1, 2, 3]),
        ("for i in items return i * 2", [6, 2, 4]),
        ("for i in 1..3 return i", [1, 2, 3]),
        ("some i in items satisfies i > 2", True),
        ("every i in items satisfies i > 2", False),
        ("count(items) + sum(items)", 9),
        ("min(items) = 1 and max(3, 9) = 9", True),
        ("mean([1, 2, 3, 4])", 2.5),
        ('string length("abc")', 3),
        ('upper case("ab") + lower case("CD")', "ABcd"),
        ('substring("hello", 2, 3)', "ell"),
        ('substring("hello", -3)', "llo"),
        ('contains(name, "n") and starts with(name, "A") and ends with(name, "n")', True),
        ('string join(["a", "b"], "-")', "a-b"),
        ("list contains(items, 2)", True),
        ("sort(items)", [1, 2, 3]),
        ("distinct values([1, 1, 2])", [1, 2]),
        ("flatten([[1, [2]], 3])", [1, 2, 3]),
        ("index of([1, 2, 1], 1)", [1, 3]),
        ("decimal(1/3, 2)", 0.33),
        ("floor(1.5) + ceiling(1.2) + abs(-1) + modulo(7, 3)", 5),
        ('number("12.5") + 1', 13.5),
        ("string(12)", "12"),
        ('date("2026-01-31") + duration("P1M")', date(2026, 2, 28)),
        ('date("2026-03-02") - date("2026-03-01")', timedelta(days=1)),
        ('date and time("2026-03-02T10:00:00Z") > seen', True),
        ('seen + duration("PT2H")', datetime(2026, 3, 2, 11, 0, tzinfo=UTC)),
        ("born.year + born.month", 1995),
        ('day of week(date("2026-03-02"))', "Monday"),
        ('duration("P1Y2M")', "P1Y2M"),  # a years-months duration leaves as ISO text
        ('years and months duration(date("2020-01-15"), date("2026-03-02"))', "P6Y1M"),
        ('@"2026-03-02" = date("2026-03-02")', True),
        ('get value({a: 1}, "a")', 1),
        ("`amount` > 1", True),
    ],
)
def test_expressions(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("cell", "candidate", "expected"),
    [
        ("< 250", 100, True),
        ("< 250", 250, False),
        ("<= 250", 250, True),
        ("> 1000", 1000.5, True),
        (">= 1000", None, False),  # null input: no match, no error
        ("[250..1000]", 250, True),
        ("[250..1000]", 1000, True),
        ("[250..1000]", 1000.01, False),
        ("]250..1000]", 250, False),
        ("[250..1000[", 1000, False),
        ("(250..1000)", 999, True),
        ('"budget", "exceptional"', "exceptional", True),
        ('"budget", "exceptional"', "budget", True),
        ('"budget", "exceptional"', "day-to-day expense", False),
        ('"Misc"', "Misc", True),
        ('"Misc"', "misc", False),
        ('not("a", "b")', "c", True),
        ('not("a", "b")', "a", False),
        ("not([1..3])", 4, True),
        ("-", "anything", True),
        ("", "anything", True),
        ("null", None, True),
        ("null", 0, False),
        ("true", True, True),
        ("false", True, False),
        ("? > 3 and ? < 6", 5, True),
        ("? > 3 and ? < 6", 6, False),
        ("cellInput > 3", 4, True),  # Camunda's name for the input value
        ("amount > 1000", 1, True),  # a condition on other data
        ("< amount", 1000, True),
        ('date("2026-03-01")', date(2026, 3, 1), True),
        ('[date("2026-01-01")..date("2026-12-31")]', date(2026, 6, 1), True),
        ("1, 2, [10..20]", 15, True),
        ("[1, 2, 3]", 2, True),
    ],
)
def test_unary_tests(cell, candidate, expected):
    assert feel.matches(cell, candidate, DATA) is expected


@pytest.mark.parametrize(
    ("text", "kind", "needle"),
    [
        ("function(x) x + 1", ForbiddenConstruct, "function definitions"),
        ("{f: function(a) a}", ForbiddenConstruct, "function definitions"),
        ("foo(1)", ForbiddenConstruct, "unknown function foo()"),
        ("amount(1)", ForbiddenConstruct, "unknown function amount()"),
        ('matches("a", "a*")', ForbiddenConstruct, "regular expressions"),
        ('replace("a", "a", "b")', ForbiddenConstruct, "regular expressions"),
        ("x instance of number", ForbiddenConstruct, "instance of"),
        ('substring(string: "a", start position: 1)', ForbiddenConstruct, "named arguments"),
        ("x.class", ForbiddenConstruct, "'class'"),
        ("x._secret", ForbiddenConstruct, "'_secret'"),
        ("''.getClass()", ExpressionSyntaxError, "double quotes"),
        ("items[1](2)", ForbiddenConstruct, "only built-in functions"),
        ("1 +", ExpressionSyntaxError, "expected a value"),
        ("if a then b", ExpressionSyntaxError, "expected 'else'"),
        ("[1..", ExpressionSyntaxError, "expected a value"),
        ('"unterminated', ExpressionSyntaxError, "unexpected character"),
        ('@"not a date"', ExpressionSyntaxError, "not a date"),
    ],
)
def test_refusals_name_the_dialect_and_the_construct(text, kind, needle):
    [error] = feel.check(text)
    assert isinstance(error, kind)
    assert error.message.startswith("FEEL: ") and needle in error.message
    assert error.line == 1 and error.col


def test_a_refusal_points_at_its_line_and_column():
    [error] = feel.check("amount > 1\n  and foo(2)")
    assert (error.line, error.col) == (2, 7)


def test_unknown_variables_fail_instead_of_routing_silently():
    with pytest.raises(EvaluationError, match="FEEL: unknown variable 'amout'"):
        value("amout > 1000")


def test_nothing_outside_task_data_and_builtins_is_reachable():
    # Contexts are plain dictionaries: a path reads a key, never an attribute of a Python object.
    assert value("person.tags", DATA) == ["x"]
    assert value("items.count", DATA) == [None, None, None]
    assert value("name.upper", DATA) is None
    assert value("seen.tzinfo", DATA) is None
    assert value("born.year", DATA) == 1990


@pytest.mark.parametrize(
    "text",
    [
        "for i in 1..100000 return for j in 1..100000 return i",
        "for i in 1..1000000 return i",
        "count(for a in 1..1000 return for b in 1..1000 return 1)",
    ],
)
def test_budget_stops_runaway_expressions(text):
    with pytest.raises(ResourceLimitExceeded):
        value(text)


def test_budget_and_depth_limits_are_the_python_subsets():
    with pytest.raises(ResourceLimitExceeded, match="steps"):
        feel.evaluate("for i in 1..1000 return i * 2", {}, Limits(max_steps=500))
    deep = "(" * 60 + "1" + ")" * 60
    [error] = feel.check(deep)
    assert isinstance(error, ResourceLimitExceeded)
    with pytest.raises(ResourceLimitExceeded):
        feel.evaluate("x" * 100_001, {})


def test_growing_text_is_bounded():
    limits = Limits(max_sequence_length=1000)
    with pytest.raises(ResourceLimitExceeded):
        feel.evaluate('string join(for i in 1..500 return "abcd")', {}, limits)


def test_values_leave_as_plain_data():
    result = value('{n: 2.50, i: 3, d: duration("PT1H"), l: [1.5], t: time("10:00:00")}')
    assert result == {"n": 2.5, "i": 3, "d": timedelta(hours=1), "l": [1.5], "t": "10:00:00"}
    assert type(result["i"]) is int
    with pytest.raises(EvaluationError, match="range cannot be stored"):
        value("[1..2]")
