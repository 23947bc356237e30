import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.engine.clock import using_clock
from app.engine.expressions import (
    EvaluationError,
    ExpressionError,
    ExpressionSyntaxError,
    ForbiddenConstruct,
    Limits,
    ResourceLimitExceeded,
    check,
    evaluate,
    execute,
)
from app.engine.script_library import add_working_days

DATA = {
    "score": 7,
    "name": "  Jan de Vries ",
    "items": [3, 1, 2],
    "client": {"age": 34, "tags": ["gggz", "wijk"], "address": {"city": "Utrecht"}},
    "missing": None,
    "intake": date(2024, 3, 1),  # a Friday
    "moment": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    "wait": timedelta(days=2, hours=3),
    "flag": True,
}

ALLOWED = [
    ("1 + 2 * 3", 7),
    ("7 / 2", 3.5),
    ("7 // 2", 3),
    ("7 % 3", 1),
    ("2 ** 10", 1024),
    ("-score", -7),
    ("+score", 7),
    ("not flag", False),
    ("1 << 4 | 1", 17),
    ("1 < score <= 7", True),
    ("0 < score < 5", False),
    ("'gggz' in client['tags']", True),
    ("'x' not in client['tags']", True),
    ("missing is None", True),
    ("score is not None", True),
    ("score > 5 and name", "  Jan de Vries "),
    ("missing or 'default'", "default"),
    ("'hoog' if score > 5 else 'laag'", "hoog"),
    ("[1, 2][-1]", 2),
    ("(1, 2)", (1, 2)),
    ("{'a': 1}['a']", 1),
    ("{1, 2} | {3}", {1, 2, 3}),
    ("items[1:]", [1, 2]),
    ("name[::-1][:3]", " se"),
    ("client['address']['city']", "Utrecht"),
    ("[x * 2 for x in items if x > 1]", [6, 4]),
    ("{x: x * x for x in range(3)}", {0: 0, 1: 1, 2: 4}),
    ("{x % 2 for x in items}", {0, 1}),
    ("sum(x for x in items)", 6),
    ("[(a, b) for a in range(2) for b in range(a)]", [(1, 0)]),
    ("f'{score} punten'", "7 punten"),
    ("f'{score:>4}|{1.5:.2f}|{name!r}'", "   7|1.50|'  Jan de Vries '"),
    ("f'{intake:%d-%m-%Y}'", "01-03-2024"),
    ("len(items)", 3),
    ("min(items) + max(items)", 4),
    ("min([], default=0)", 0),
    ("max(4, 9, 2)", 9),
    ("sum(items, 10)", 16),
    ("any(x > 2 for x in items)", True),
    ("all(x > 2 for x in items)", False),
    ("abs(-3)", 3),
    ("round(2.567, 2)", 2.57),
    ("int('42') + float('0.5')", 42.5),
    ("str(12) + str([1])", "12[1]"),
    ("bool('')", False),
    ("list('ab')", ["a", "b"]),
    ("dict(a=1)", {"a": 1}),
    ("dict([('a', 1)])", {"a": 1}),
    ("set([1, 1])", {1}),
    ("tuple(items)", (3, 1, 2)),
    ("sorted(items, reverse=True)", [3, 2, 1]),
    ("list(range(2, 8, 3))", [2, 5]),
    ("list(enumerate('ab'))", [(0, "a"), (1, "b")]),
    ("list(zip(items, 'abc'))", [(3, "a"), (1, "b"), (2, "c")]),
    ("name.strip().lower()", "jan de vries"),
    ("name.upper().lstrip().rstrip()", "JAN DE VRIES"),
    ("name.split()", ["Jan", "de", "Vries"]),
    ("'-'.join(['a', 'b'])", "a-b"),
    ("'a-b'.replace('-', '+')", "a+b"),
    ("'jan'.title() + 'x'.capitalize()", "JanX"),
    ("'banaan'.count('a') + 'banaan'.find('n')", 5),
    ("'123'.isdigit() and 'ab'.startswith('a') and 'ab'.endswith('b')", True),
    ("client.get('age')", 34),
    ("client.get('nope', 0)", 0),
    ("sorted(client.keys())", ["address", "age", "tags"]),
    ("len(client.values()) + len(client.items())", 6),
    ("items.count(3) + items.index(2)", 3),
    ("date(2024, 1, 31).isoformat()", "2024-01-31"),
    ("datetime(2024, 1, 1, 8)", datetime(2024, 1, 1, 8, tzinfo=UTC)),
    ("timedelta(days=1, hours=12).total_seconds()", 129600.0),
    ("intake.year * 100 + intake.month", 202403),
    ("intake.weekday() + intake.isoweekday()", 9),
    ("moment.hour + moment.minute + moment.second", 39),
    ("moment.date()", date(2024, 3, 1)),
    ("wait.days + wait.seconds", 2 + 3 * 3600),
    ("parse_date('2024-02-29')", date(2024, 2, 29)),
    ("parse_datetime('2024-02-29T10:00')", datetime(2024, 2, 29, 10, tzinfo=UTC)),
    ("parse_datetime('2024-02-29T10:00+01:00').hour", 10),
    ("add_days(intake, 30)", date(2024, 3, 31)),
    ("add_working_days(intake, 1)", date(2024, 3, 4)),
    ("add_working_days(intake, -5)", date(2024, 2, 23)),
    ("days_between(intake, date(2024, 4, 1))", 31),
    ("days_between(moment, intake)", 0),
    ("now() > moment", True),
]


@pytest.mark.parametrize(("expression", "expected"), ALLOWED)
def test_allowed_expressions(expression, expected):
    assert check(expression, "eval") == []
    assert evaluate(expression, DATA) == expected


def test_evaluate_does_not_change_names():
    names = copy.deepcopy(DATA)
    evaluate("[x for x in items] + sorted(items)", names)
    assert names == DATA


def test_now_and_today_follow_the_engine_clock():
    fixed = datetime(2030, 6, 1, 23, 30, tzinfo=UTC)
    with using_clock(lambda: fixed):
        assert evaluate("now()", {}) == fixed
        assert evaluate("today()", {}) == date(2030, 6, 1)


def test_outer_names_are_readable_and_shadowed_by_task_data():
    assert evaluate("a + b", {"a": 1}, outer={"a": 100, "b": 2}) == 3
    names = {"a": 1}
    execute("c = b + 1", names, outer={"b": 2})
    assert names == {"a": 1, "c": 3}


def test_execute_statements():
    names = {"scores": [4, 8, 1], "client": {"name": "Ans"}}
    execute(
        "total = 0\n"
        "for s in scores:\n"
        "    if s < 2:\n"
        "        continue\n"
        "    elif s > 7:\n"
        "        total += 100\n"
        "    else:\n"
        "        total += s\n"
        "first, second = scores[0], scores[1]\n"
        "client['risk'] = {}\n"
        "client['risk']['level'] = 'hoog' if total > 50 else 'laag'\n"
        "scores.append(total)\n"
        "scores.extend([0])\n"
        "pass\n"
        "tmp = 1\n"
        "del tmp\n"
        "del client['name']\n"
        "for i in range(10):\n"
        "    if i == 3:\n"
        "        break\n"
        "else:\n"
        "    never = True\n",
        names,
    )
    assert names == {
        "scores": [4, 8, 1, 104, 0],
        "client": {"risk": {"level": "hoog"}},
        "total": 104,
        "first": 4,
        "second": 8,
        "s": 1,
        "i": 3,
    }


def test_comprehension_variables_do_not_leak():
    names = {}
    execute("squares = [n * n for n in range(3)]", names)
    assert names == {"squares": [0, 1, 4]}


def test_add_working_days_matches_day_by_day_counting():
    def reference(day, n):
        step = 1 if n > 0 else -1
        for _ in range(abs(n)):
            day += timedelta(days=step)
            while day.weekday() >= 5:
                day += timedelta(days=step)
        return day

    start = date(2024, 1, 1)
    for offset in range(14):
        day = start + timedelta(days=offset)
        for n in range(-12, 13):
            assert add_working_days(day, n) == reference(day, n), (day, n)


# ---- refusals ------------------------------------------------------------------------------

ESCAPES = [
    block.strip("\n")
    for block in (Path(__file__).parent / "escape_attempts.txt").read_text().split("\n---\n")
]
ESCAPE_NAMES = {"x": [1], "d": {"a": 1}}


@pytest.mark.parametrize("attempt", ESCAPES)
def test_escape_attempts_are_refused(attempt):
    assert check(attempt, "exec"), "check() must report it"
    assert check(attempt, "eval"), "check() must report it"
    names = copy.deepcopy(ESCAPE_NAMES)
    with pytest.raises(ExpressionError):
        execute(attempt, names)
    assert names == ESCAPE_NAMES
    with pytest.raises(ExpressionError):
        evaluate(attempt, names)


def test_escape_file_is_complete():
    assert len(ESCAPES) > 60
    assert "().__class__.__mro__[1].__subclasses__()" in ESCAPES


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("import os", "import"),
        ("().__class__", "'_'"),
        ("open('x')", "'open'"),
        ("type(x)", "type()"),
        ("while True:\n    pass", "while"),
        ("x.format(1)", "'format'"),
        ("x.real", "'real'"),
    ],
)
def test_refusals_are_forbidden_constructs_with_clear_messages(source, fragment):
    findings = check(source, "exec")
    assert findings and all(isinstance(f, ForbiddenConstruct) for f in findings)
    assert fragment in findings[0].message


@pytest.mark.parametrize(
    "expression",
    [
        "today().replace(year=1)",  # replace exists for text only
        "str.lower('A')",  # function names are not values
        "s % 1",  # %-formatting of text, only known at run time
        "items.lower()",
        "s.year",
        "x.append(1)",
    ],
)
def test_runtime_refusals(expression):
    with pytest.raises(EvaluationError):
        execute(expression, {"s": "%s", "items": [1], "x": "abc"})


def test_check_reports_every_finding_with_its_line():
    findings = check("a = 1\nimport os\nb = x.__class__\nwhile a:\n    pass\n", "exec")
    assert [(type(f), f.line) for f in findings] == [
        (ForbiddenConstruct, 2),
        (ForbiddenConstruct, 3),
        (ForbiddenConstruct, 4),
    ]


def test_syntax_errors_have_lines():
    (finding,) = check("a = 1\nb = (\n", "exec")
    assert isinstance(finding, ExpressionSyntaxError)
    assert finding.line == 2
    (finding,) = check("< 3", "eval")
    assert isinstance(finding, ExpressionSyntaxError) and finding.line == 1


def test_expressions_may_not_mutate():
    assert check("items.append(1)", "eval")
    assert check("items.append(1)", "exec") == []


# ---- runtime errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "error", "line", "fragment"),
    [
        ("a = 1\nb = a / 0\n", EvaluationError, 2, "division by zero"),
        ("a = 1\n\nb = scor + 1\n", EvaluationError, 3, "'scor' (did you mean 'score'?)"),
        ("x = client['nope']", EvaluationError, 1, "key 'nope' not found"),
        ("a = 1\nx = [1][5]", EvaluationError, 2, "index out of range"),
        ("x = 1 + 'a'", EvaluationError, 1, "unsupported operand"),
        ("a, b = [1, 2, 3]", EvaluationError, 1, "cannot unpack 3 values"),
        ("x = parse_date('31-12-2024')", EvaluationError, 1, "ISO 8601"),
        ("x = sum(['a'])", EvaluationError, 1, "only adds numbers"),
        ("\n\nfor i in range(10**9):\n    pass", ResourceLimitExceeded, 3, "range"),
        ("del nothing", EvaluationError, 1, "'nothing'"),
        ("x = zip([1], [2])", EvaluationError, 1, "list(...)"),
        ("x = len", EvaluationError, 1, "function"),
    ],
)
def test_runtime_errors_name_the_problem_and_line(script, error, line, fragment):
    names = {"score": 1, "client": {}}
    with pytest.raises(error) as caught:
        execute(script, names)
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert names == {"score": 1, "client": {}}


def test_execute_is_all_or_nothing():
    names = {"x": 0, "items": [1], "d": {"k": 1}}
    with pytest.raises(EvaluationError):
        execute("x = 1\ny = 1\nitems.append(2)\nd['k'] = 2\ndel d['k']\nz = 1 / 0", names)
    assert names == {"x": 0, "items": [1], "d": {"k": 1}}


def test_compiled_programs_are_cached():
    from app.engine.expressions import _compile

    _compile.cache_clear()
    for _ in range(3):
        evaluate("score > 3", DATA)
    assert _compile.cache_info().hits >= 2


# ---- resource bounds ---------------------------------------------------------------------

HUGE = [
    "10**10**10",
    "2**100000",
    "(-3)**5000",
    "2**4000 * 2**4000",
    "1 << 100000",
    "int('9' * 4000)",
    "'a' * 10**9",
    "[0] * 10**9",
    "10**9 * [0]",
    "(0,) * 10**9",
    "[[0] * 100000] * 100000",
    "['x' * 100000] * 20",
    "range(10**9)",
    "range(-10**30, 10**30)",
    "list(range(10**6))",
    "sum(range(10**9))",
    "[i for i in range(100000) for j in range(100000)]",
    "f'{1:>1000000000}'",
    "f'{1.5:.1000000000f}'",
    "('a' * 100000) + ('b' * 100000)",
    "'-'.join(['a' * 60000, 'b' * 60000])",
    "('a' * 1000).replace('a', 'b' * 1000)",
    "str(['x' * 60000, 'y' * 60000])",
    'f\'{["x" * 60000, "y" * 60000]}\'',
    'f\'{["x" * 60000, "y" * 60000]!r}\'',
]


@pytest.mark.parametrize("expression", HUGE)
def test_huge_results_are_refused(expression):
    with pytest.raises(ResourceLimitExceeded):
        evaluate(expression, {})


@pytest.mark.parametrize(
    "script",
    [
        "for i in range(10**9):\n    pass",
        "for i in range(100000):\n    for j in range(100000):\n        pass",
        "x = []\nfor i in range(100000):\n    x.append(i)\n    x.extend(x)",
        "x = [0] * 100000\nfor i in range(100000):\n    y = sorted(x)",
        "x = 'a'\nfor i in range(100):\n    x = x + x",
        "x = []\nfor i in range(100000):\n    x = [x]",
        "x = []\nfor i in range(200):\n    x = [x]",
        "big = [0] * 100000\nx = [big, big, big, big, big, big, big, big, big, big, big]",
        "d = {}\nfor i in range(200000):\n    d[i] = i",
    ],
)
def test_endless_or_huge_scripts_are_stopped(script):
    names = {"keep": 1}
    with pytest.raises(ResourceLimitExceeded):
        execute(script, names)
    assert names == {"keep": 1}


def test_while_is_refused_before_running():
    with pytest.raises(ForbiddenConstruct):
        execute("while True:\n    pass", {})


def test_deep_nesting_is_refused():
    deep = "(" * 60 + "1" + ")" * 60
    assert evaluate(deep, {}) == 1  # parentheses alone do not nest the tree
    nested = "[" * 60 + "]" * 60
    with pytest.raises(ResourceLimitExceeded):
        evaluate(nested, {})
    assert any(isinstance(f, ResourceLimitExceeded) for f in check(nested, "eval"))
    assert check("[" * 500 + "]" * 500, "eval")  # parser or depth limit, never a crash


def test_limits_are_configurable():
    small = Limits(max_steps=50)
    with pytest.raises(ResourceLimitExceeded):
        execute("for i in range(100):\n    pass", {}, small)
    assert evaluate("2**5000", {}, Limits(max_int_bits=6000)) == 2**5000


def test_within_limits_is_fine():
    names = {}
    execute("x = [0] * 100000\ny = 2**4095\nz = 'a' * 100000", names)
    assert len(names["x"]) == 100000 and names["y"] == 2**4095


@pytest.mark.parametrize(
    "script",
    [
        "big = list(range(100000))\nfor i in range(100000):\n    found = -1 in big",
        "big = 'a' * 100000\nfor i in range(100000):\n    found = 'b' in big",
        "big = list(range(100000))\nfor i in range(100000):\n    same = big == big[:]",
        "big = [1] * 100000\nfor i in range(100000):\n    ok = all(big)",
    ],
)
def test_linear_work_inside_builtins_is_charged(script):
    with pytest.raises(ResourceLimitExceeded) as caught:
        execute(script, {})
    assert "steps" in caught.value.message


def test_self_referencing_data_is_bounded():
    names = {}
    with pytest.raises(ResourceLimitExceeded):
        execute("x = []\nx.append(x)", names)
    with pytest.raises(ExpressionError):
        execute("x = [1]\nx.append(x)\ny = str(x)", names)
    assert names == {}
