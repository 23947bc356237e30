"""A small interpreter for the Python subset allowed in diagram scripts and conditions.

Diagram text is parsed with `ast.parse` and walked here; it is never handed to eval/exec/compile.
Safety comes from three layers: `check` refuses every construct outside a whitelist before
anything runs (no imports, no underscore names or attributes, calls only of known functions and
methods); the interpreter only ever reaches task data and the library in `script_library`, so
there is no path to modules, types or frames; and a `Budget` bounds steps, time and sizes.
"""

from __future__ import annotations

import ast
import copy
import difflib
import functools
import operator
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.engine import script_library as lib
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
    is_lazy,
    measure,
)

__all__ = [
    "EvaluationError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "ForbiddenConstruct",
    "Limits",
    "ResourceLimitExceeded",
    "check",
    "evaluate",
    "execute",
]

Mode = Literal["eval", "exec"]

MAX_SOURCE_LENGTH = 100_000
# Beyond this the checker would not walk the tree at all (it recurses); Limits.max_depth is
# the real, usually smaller, bound.
_HARD_MAX_DEPTH = 200

# Names refused even as plain variables. They cannot do harm here (names only ever resolve to
# task data), but a diagram mentioning them is trying something and deserves a clear refusal.
_DENIED_NAMES = frozenset(
    {
        "os", "sys", "socket", "subprocess", "builtins", "importlib", "urllib", "pathlib",
        "shutil", "pickle", "marshal", "ctypes", "open", "eval", "exec", "compile", "globals",
        "locals", "vars", "getattr", "setattr", "delattr", "hasattr", "breakpoint", "help",
        "exit", "quit", "object", "super", "memoryview", "bytearray", "classmethod",
        "staticmethod", "property",
    }
)  # fmt: skip

_STATEMENTS = (
    ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.Pass, ast.Break, ast.Continue,
    ast.Delete,
)  # fmt: skip
_EXPRESSIONS = (
    ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Subscript, ast.Slice, ast.ListComp,
    ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr, ast.FormattedValue, ast.Call,
    ast.Attribute,
)  # fmt: skip
_OTHER_NODES = (
    ast.Module, ast.Expression, ast.expr_context, ast.boolop, ast.unaryop, ast.cmpop,
    ast.comprehension, ast.keyword,
)  # fmt: skip

_FRIENDLY = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Lambda: "lambda",
    ast.FunctionDef: "def (functions)",
    ast.AsyncFunctionDef: "def (functions)",
    ast.ClassDef: "class",
    ast.While: "while",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.Try: "try/except",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
    ast.Starred: "* unpacking",
    ast.NamedExpr: ":= assignment",
    ast.Return: "return",
    ast.Raise: "raise",
    ast.Assert: "assert",
    ast.AnnAssign: "annotated assignment",
    ast.MatMult: "@",
}


@dataclass(frozen=True)
class _Finding:
    kind: type[ExpressionError]
    message: str
    line: int | None
    col: int | None

    def error(self) -> ExpressionError:
        return self.kind(self.message, self.line, self.col)


@dataclass(frozen=True)
class _Program:
    tree: ast.AST | None
    findings: tuple[_Finding, ...]
    depth: int


def _position(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    return line, (col + 1 if col is not None else None)


def _depth(tree: ast.AST) -> int:
    """Nesting of expressions and statements, computed without recursion."""
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, ast.expr | ast.stmt):
            level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in ast.iter_child_nodes(node))
    return deepest


class _Checker:
    """Collects every reason to refuse a tree, with its position."""

    def __init__(self, mode: Mode):
        self.mode = mode
        self.findings: list[_Finding] = []
        self._loops = 0

    def refuse(self, node: ast.AST, message: str, position=None) -> None:
        line, col = position or _position(node)
        self.findings.append(_Finding(ForbiddenConstruct, message, line, col))

    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, _STATEMENTS + _EXPRESSIONS + _OTHER_NODES + (ast.operator,)):
            what = _FRIENDLY.get(type(node), type(node).__name__)
            hint = " (use 'for' over a bounded range)" if isinstance(node, ast.While) else ""
            self.refuse(node, f"'{what}' is not allowed in diagram scripts{hint}")
            return
        if isinstance(node, ast.MatMult):
            self.refuse(node, "'@' is not allowed in diagram scripts")
            return
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None or method(node) is not False:
            self.visit_children(node)

    def visit_children(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    # Each visit_X returns False when it has visited the children itself.

    def visit_Name(self, node: ast.Name) -> None:
        self._check_name(node, node.id)

    def _check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("_"):
            self.refuse(node, f"names starting with '_' are not allowed: {name!r}")
        elif name in _DENIED_NAMES:
            self.refuse(node, f"{name!r} is not available in diagram scripts")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute(node, node.attr, lib.ATTRIBUTE_NAMES, "attribute")

    def _check_attribute(self, node: ast.Attribute, name: str, allowed, what: str) -> None:
        # Point at the attribute name itself, not at the start of `receiver.name`.
        position = (node.end_lineno, node.end_col_offset - len(name) + 1)
        if name.startswith("_"):
            message = f"attributes starting with '_' are not allowed: {name!r}"
            self.refuse(node, message, position)
        elif name not in allowed:
            self.refuse(node, f"{what} {name!r} is not allowed in diagram scripts", position)

    def visit_Call(self, node: ast.Call) -> bool:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in lib.FUNCTIONS:
                before = len(self.findings)
                self._check_name(func, func.id)
                if len(self.findings) == before:
                    self.refuse(func, f"calling {func.id}() is not allowed in diagram scripts")
        elif isinstance(func, ast.Attribute):
            self._check_attribute(func, func.attr, lib.METHOD_NAMES, "method")
            if self.mode == "eval" and func.attr in lib.MUTATING_METHODS:
                self.refuse(func, f"an expression must not change data ({func.attr}())")
            self.visit(func.value)
        else:
            self.refuse(func, "only named functions and methods can be called")
            self.visit(func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                self.refuse(keyword, "** unpacking is not allowed in diagram scripts")
            elif keyword.arg.startswith("_") or keyword.arg == "key":
                self.refuse(keyword, f"keyword argument {keyword.arg!r} is not allowed")
            self.visit(keyword.value)
        return False

    def visit_BinOp(self, node: ast.BinOp) -> None:
        left = node.left
        if isinstance(node.op, ast.Mod) and (
            isinstance(left, ast.JoinedStr)
            or (isinstance(left, ast.Constant) and isinstance(left.value, str))
        ):
            self.refuse(node, "'%' formatting of text is not allowed; use an f-string")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bytes):
            self.refuse(node, "bytes literals are not allowed in diagram scripts")

    def visit_Compare(self, node: ast.Compare) -> None:
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot) and not (
                isinstance(right, ast.Constant) and right.value is None
            ):
                self.refuse(node, "'is' may only be used as 'is None' or 'is not None'")

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            self.refuse(node, "** unpacking is not allowed in diagram scripts")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> bool:
        self.visit(node.value)
        spec = node.format_spec
        if spec is not None and not (
            isinstance(spec, ast.JoinedStr) and all(isinstance(part, ast.Constant) for part in spec.values)
        ):
            self.refuse(node, "an f-string format spec must be fixed text")
        return False

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.refuse(node.iter, "async comprehensions are not allowed")
        self._check_target(node.target)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name | ast.Subscript):
            self.refuse(node, "only names and items can be updated")
        self._check_target(node.target)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name | ast.Subscript):
                self.refuse(target, "only names and items can be deleted")

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._check_target(element)
        elif isinstance(target, ast.Subscript):
            if isinstance(target.slice, ast.Slice):
                self.refuse(target, "assigning to a slice is not allowed")
        elif not isinstance(target, ast.Name | ast.Starred):  # Starred is refused by visit
            self.refuse(target, "only names and items (x['key']) can be assigned")

    def visit_For(self, node: ast.For) -> bool:
        self._check_target(node.target)
        self.visit(node.target)
        self.visit(node.iter)
        self._loops += 1
        for statement in node.body:
            self.visit(statement)
        self._loops -= 1
        for statement in node.orelse:
            self.visit(statement)
        return False

    def visit_Break(self, node: ast.Break) -> None:
        if not self._loops:
            self.refuse(node, "'break' outside a for loop")

    visit_Continue = visit_Break


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> _Program:
    """Parse and check once per distinct text: the same condition runs thousands of times."""
    if len(source) > MAX_SOURCE_LENGTH:
        message = f"text is longer than {MAX_SOURCE_LENGTH} characters"
        return _Program(None, (_Finding(ResourceLimitExceeded, message, None, None),), 0)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        message = f"syntax error: {err.msg}"
        finding = _Finding(ExpressionSyntaxError, message, err.lineno, err.offset)
        return _Program(None, (finding,), 0)
    except (ValueError, RecursionError, MemoryError) as err:  # null bytes, absurd nesting
        finding = _Finding(ExpressionSyntaxError, f"cannot parse: {err}", None, None)
        return _Program(None, (finding,), 0)
    depth = _depth(tree)
    if depth > _HARD_MAX_DEPTH:
        message = f"nested more than {_HARD_MAX_DEPTH} levels deep"
        return _Program(None, (_Finding(ResourceLimitExceeded, message, None, None),), depth)
    checker = _Checker(mode)
    checker.visit(tree)
    in_source_order = sorted(checker.findings, key=lambda f: (f.line or 0, f.col or 0))
    return _Program(tree, tuple(in_source_order), depth)


def _depth_finding(program: _Program, limits: Limits) -> _Finding | None:
    if program.depth > limits.max_depth:
        message = f"nested {program.depth} levels deep, more than the limit of {limits.max_depth}"
        return _Finding(ResourceLimitExceeded, message, None, None)
    return None


def check(source: str, mode: Mode) -> list[ExpressionError]:
    """Every reason `source` would be refused, without running it (deploy-time validation)."""
    program = _compile(source, mode)
    findings = list(program.findings)
    if (too_deep := _depth_finding(program, DEFAULT_LIMITS)) is not None:
        findings.append(too_deep)
    return [finding.error() for finding in findings]


def _prepare(source: str, mode: Mode, limits: Limits) -> ast.AST:
    if not isinstance(source, str):
        raise EvaluationError(f"expected script text, got {type(source).__name__}")
    program = _compile(source, mode)
    if program.findings:
        raise program.findings[0].error()
    if (too_deep := _depth_finding(program, limits)) is not None:
        raise too_deep.error()
    return program.tree


def evaluate(
    expression: str,
    names: Mapping[str, Any],
    limits: Limits | None = None,
    *,
    outer: Mapping[str, Any] | None = None,
) -> Any:
    """Value of `expression` over `names` (then `outer`). Never changes either mapping."""
    limits = limits or DEFAULT_LIMITS
    tree = _prepare(expression, "eval", limits)
    result = _Interpreter(names, outer, limits).run(lambda run: run.eval(tree.body, ()))
    if is_lazy(result):
        raise EvaluationError("the result is a lazy sequence; wrap it in list(...)")
    return result


def execute(
    script: str,
    names: dict[str, Any],
    limits: Limits | None = None,
    *,
    outer: Mapping[str, Any] | None = None,
) -> None:
    """Run `script`; its assignments land in `names`, all at once and only if it succeeds.

    `outer` names can be read but are never written back.
    """
    limits = limits or DEFAULT_LIMITS
    tree = _prepare(script, "exec", limits)
    try:
        work = copy.deepcopy(names)
    except Exception as err:  # an odd object in task data; nothing has run yet
        raise EvaluationError(f"task data cannot be copied: {err}") from None
    # Baseline so the growth check below only counts what the script adds. Measuring is
    # capped; data already beyond the cap is treated as unmeasurable and growth is bounded
    # by steps alone.
    baseline_cap = 10 * limits.max_data_growth
    before, depth_before = measure(work, baseline_cap)
    _Interpreter(work, outer, limits).run(lambda run: run.exec_block(tree.body))
    if before <= baseline_cap:
        depth_cap = max(depth_before, limits.max_value_depth)
        after, depth_after = measure(work, before + limits.max_data_growth, depth_cap)
        if after > before + limits.max_data_growth:
            raise ResourceLimitExceeded(
                f"script would add more than {limits.max_data_growth} characters of data"
            )
        if depth_after > depth_cap:
            raise ResourceLimitExceeded(
                f"script would leave data nested more than {limits.max_value_depth} deep"
            )
    names.clear()
    names.update(work)


# ---- the interpreter ------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
          ast.Invert: operator.invert}  # fmt: skip
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_SEQUENCES = (str, list, tuple)
_SIZED = (str, list, tuple, dict, set, frozenset)
_FORMAT_NUMBERS = re.compile(r"\d+")


# Python errors that mean "the script is wrong", reported as EvaluationError at the node.
# RecursionError and MemoryError are left to Interpreter.run (resource limits).
_NATIVE_ERRORS = (LookupError, ArithmeticError, TypeError, ValueError, AttributeError)


def _translate(err: Exception, node: ast.AST) -> EvaluationError:
    if isinstance(err, KeyError):
        message = f"key {err.args[0]!r} not found" if err.args else "key not found"
    elif isinstance(err, IndexError):
        message = f"index out of range ({err})"
    elif isinstance(err, ZeroDivisionError):
        message = "division by zero"
    else:
        message = str(err) or type(err).__name__
    return EvaluationError(message, *_position(node))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Interpreter:
    def __init__(self, names: Mapping[str, Any], outer: Mapping[str, Any] | None, limits: Limits):
        self.names = names
        self.outer = outer or {}
        self.limits = limits
        self.budget = Budget(limits)

    def run(self, body):
        token = activate(self.budget)
        try:
            return body(self)
        except (RecursionError, MemoryError):
            raise ResourceLimitExceeded("script nests or grows too much") from None
        finally:
            deactivate(token)

    # -- statements --

    def exec_block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.budget.tick()
            try:
                self._exec(statement)
            except ExpressionError as err:
                if err.line is None:
                    err.line, err.col = _position(statement)
                raise
            except _NATIVE_ERRORS as err:
                raise _translate(err, statement) from None

    def _exec(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            self.eval(node.value, ())
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value, ())
            for target in node.targets:
                self.assign(target, value, None)
        elif isinstance(node, ast.AugAssign):
            self._augmented(node)
        elif isinstance(node, ast.If):
            branch = node.body if self.eval(node.test, ()) else node.orelse
            self.exec_block(branch)
        elif isinstance(node, ast.For):
            self._for(node)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._delete(target)
        elif isinstance(node, ast.Break):
            raise _Break
        elif isinstance(node, ast.Continue):
            raise _Continue
        # ast.Pass: nothing to do

    def _for(self, node: ast.For) -> None:
        iterable = lib.bounded_iter(self.eval(node.iter, ()))
        for item in iterable:
            self.budget.tick()
            self.assign(node.target, item, None)
            try:
                self.exec_block(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.exec_block(node.orelse)

    def _augmented(self, node: ast.AugAssign) -> None:
        target = node.target
        value = self.eval(node.value, ())
        if isinstance(target, ast.Name):
            current = self.lookup(target, ())
            self.names[target.id] = self.binary(node.op, current, value)
        else:
            container, key = self._item_target(target, ())
            container[key] = self.binary(node.op, container[key], value)

    def _delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if target.id not in self.names:
                raise EvaluationError(f"cannot delete unknown variable {target.id!r}")
            del self.names[target.id]
        else:
            container, key = self._item_target(target, ())
            del container[key]

    def _item_target(self, target: ast.Subscript, env) -> tuple[Any, Any]:
        container = self.eval(target.value, env)
        if not isinstance(container, dict | list):
            raise EvaluationError(f"cannot change items of a {lib.type_name(container)}")
        return container, self.eval(target.slice, env)

    def assign(self, target: ast.expr, value: Any, scope: dict | None, env=()) -> None:
        """Bind `value` to `target`; `scope` is a comprehension's own variables, else None."""
        if scope is None and is_lazy(value):
            # It would outlive the run (and its budget) in task data.
            raise EvaluationError(f"a {lib.type_name(value)} cannot be stored; wrap it in list(...)")
        if isinstance(target, ast.Name):
            (self.names if scope is None else scope)[target.id] = value
        elif isinstance(target, ast.Subscript):
            container, key = self._item_target(target, env)
            if isinstance(container, dict) and key not in container:
                self.budget.check_length(len(container) + 1)
            container[key] = value
        else:  # tuple/list unpacking
            items = lib.materialize(value)
            if len(items) != len(target.elts):
                raise EvaluationError(f"cannot unpack {len(items)} values into {len(target.elts)} targets")
            for element, item in zip(target.elts, items, strict=True):
                self.assign(element, item, scope, env)

    # -- expressions --

    def eval(self, node: ast.expr, env: tuple[dict, ...]) -> Any:
        self.budget.tick()
        try:
            return getattr(self, f"_{type(node).__name__}")(node, env)
        except ExpressionError as err:
            if err.line is None:
                err.line, err.col = _position(node)
            raise
        except _NATIVE_ERRORS as err:
            raise _translate(err, node) from None

    def lookup(self, node: ast.Name, env) -> Any:
        name = node.id
        for scope in reversed(env):
            if name in scope:
                return scope[name]
        if name in self.names:
            return self.names[name]
        if name in self.outer:
            return self.outer[name]
        if name in lib.FUNCTIONS:
            raise EvaluationError(f"{name} is a function; call it as {name}(...)")
        known = [*self.names, *self.outer, *(key for scope in env for key in scope)]
        hint = difflib.get_close_matches(name, [str(key) for key in known], n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise EvaluationError(f"unknown variable {name!r}{suggestion}")

    _Name = lookup

    def _Constant(self, node: ast.Constant, env) -> Any:
        return node.value

    def _BinOp(self, node: ast.BinOp, env) -> Any:
        return self.binary(node.op, self.eval(node.left, env), self.eval(node.right, env))

    def binary(self, op: ast.operator, left: Any, right: Any) -> Any:
        self._precheck(type(op), left, right)
        return self.budget.guard(_BINARY[type(op)](left, right))

    def _precheck(self, op: type, left: Any, right: Any) -> None:
        """Refuse results that would be too big before Python allocates them."""
        budget = self.budget
        if op is ast.Mult:
            if isinstance(left, int) and isinstance(right, _SEQUENCES):
                left, right = right, left
            if isinstance(left, _SEQUENCES) and isinstance(right, int):
                count = max(right, 0)
                budget.check_length(len(left) * count)
                if count and not isinstance(left, str):
                    # [big] * n shares `big` n times: cheap in memory, n copies in JSON.
                    cap = self.limits.max_data_growth // count
                    size, _ = measure(left, cap)
                    if size > cap:
                        raise ResourceLimitExceeded(
                            f"repeating this list {count} times would make more than "
                            f"{self.limits.max_data_growth} characters of data"
                        )
                budget.bulk(len(left) * count)
            elif _is_int(left) and _is_int(right):
                budget.check_int_bits(left.bit_length() + right.bit_length())
        elif op is ast.Pow and _is_int(left) and _is_int(right) and right > 0:
            if abs(left) > 1:  # lower bound of the result's size; guard() catches the rest
                budget.check_int_bits(right * (abs(left).bit_length() - 1))
        elif op is ast.LShift and _is_int(left) and _is_int(right) and right > 0 and left:
            budget.check_int_bits(left.bit_length() + right)
        elif (op is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES)) or (
            op is ast.BitOr and isinstance(left, dict | set) and isinstance(right, dict | set)
        ):
            budget.check_length(len(left) + len(right))
            budget.bulk(len(left) + len(right))
        elif op is ast.Mod and isinstance(left, str):
            # '%*d' % (10**9, 1) would allocate a gigabyte; f-strings are checked instead.
            raise EvaluationError("'%' formatting of text is not allowed; use an f-string")

    def _UnaryOp(self, node: ast.UnaryOp, env) -> Any:
        return self.budget.guard(_UNARY[type(node.op)](self.eval(node.operand, env)))

    def _BoolOp(self, node: ast.BoolOp, env) -> Any:
        value = None
        for operand in node.values:
            value = self.eval(operand, env)
            if isinstance(node.op, ast.And) != bool(value):
                return value
        return value

    def _Compare(self, node: ast.Compare, env) -> bool:
        left = self.eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator, env)
            # `in` and comparisons walk sequences element by element inside Python.
            for operand in (left, right):
                if isinstance(operand, _SIZED):
                    self.budget.bulk(len(operand))
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp, env) -> Any:
        return self.eval(node.body if self.eval(node.test, env) else node.orelse, env)

    def _List(self, node: ast.List, env) -> list:
        return [self.eval(element, env) for element in node.elts]

    def _Tuple(self, node: ast.Tuple, env) -> tuple:
        return tuple(self.eval(element, env) for element in node.elts)

    def _Set(self, node: ast.Set, env) -> set:
        return {self.eval(element, env) for element in node.elts}

    def _Dict(self, node: ast.Dict, env) -> dict:
        pairs = zip(node.keys, node.values, strict=True)
        return {self.eval(key, env): self.eval(value, env) for key, value in pairs}

    def _Subscript(self, node: ast.Subscript, env) -> Any:
        result = self.eval(node.value, env)[self.eval(node.slice, env)]
        if isinstance(node.slice, ast.Slice) and isinstance(result, _SEQUENCES):
            self.budget.bulk(len(result))  # a slice is a copy
        return result

    def _Slice(self, node: ast.Slice, env) -> slice:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if part is None else self.eval(part, env) for part in parts))

    def _Attribute(self, node: ast.Attribute, env) -> Any:
        return lib.get_attribute(self.eval(node.value, env), node.attr)

    def _Call(self, node: ast.Call, env) -> Any:
        args = [self.eval(arg, env) for arg in node.args]
        kwargs = {keyword.arg: self.eval(keyword.value, env) for keyword in node.keywords}
        if isinstance(node.func, ast.Name):  # the checker allows only library functions here
            result = lib.FUNCTIONS[node.func.id](*args, **kwargs)
        else:
            receiver = self.eval(node.func.value, env)
            result = lib.call_method(receiver, node.func.attr, args, kwargs)
        return self.budget.guard(result)

    def _JoinedStr(self, node: ast.JoinedStr, env) -> str:
        parts = [self.eval(value, env) for value in node.values]
        self.budget.check_length(sum(len(part) for part in parts))
        return "".join(parts)

    def _FormattedValue(self, node: ast.FormattedValue, env) -> str:
        value = self.eval(node.value, env)
        spec = "".join(part.value for part in node.format_spec.values) if node.format_spec else ""
        for number in _FORMAT_NUMBERS.findall(spec):  # width and precision allocate
            self.budget.check_length(int(number))
        if isinstance(value, list | tuple | dict | set | frozenset):
            lib.FUNCTIONS["str"](value)  # refuses containers whose text would be too long
        conversion = {ord("r"): repr, ord("s"): str, ord("a"): ascii}.get(node.conversion)
        if conversion is not None:
            value = conversion(value)
        return self.budget.guard(format(value, spec))

    # -- comprehensions: each gets its own scope, like in Python 3 --

    def _bindings(self, generators: list[ast.comprehension], env) -> Iterator[None]:
        """Yield once per combination of the generators' targets (bound in env[-1])."""
        first, rest = generators[0], generators[1:]
        for item in lib.bounded_iter(self.eval(first.iter, env)):
            self.budget.tick()
            self.assign(first.target, item, env[-1], env)
            if all(self.eval(condition, env) for condition in first.ifs):
                if rest:
                    yield from self._bindings(rest, env)
                else:
                    yield

    def _collect(self, node, env, add) -> None:
        inner = (*env, {})
        limit = self.limits.max_sequence_length
        for count, _ in enumerate(self._bindings(node.generators, inner), start=1):
            add(inner)
            if count > limit:
                self.budget.check_length(count)

    def _ListComp(self, node: ast.ListComp, env) -> list:
        result: list = []
        self._collect(node, env, lambda inner: result.append(self.eval(node.elt, inner)))
        return result

    def _SetComp(self, node: ast.SetComp, env) -> set:
        result: set = set()
        self._collect(node, env, lambda inner: result.add(self.eval(node.elt, inner)))
        return result

    def _DictComp(self, node: ast.DictComp, env) -> dict:
        result: dict = {}

        def add(inner):
            result[self.eval(node.key, inner)] = self.eval(node.value, inner)

        self._collect(node, env, add)
        return result

    def _GeneratorExp(self, node: ast.GeneratorExp, env) -> Iterator[Any]:
        inner = (*env, {})

        def generate():
            for _ in self._bindings(node.generators, inner):
                yield self.eval(node.elt, inner)

        return generate()
