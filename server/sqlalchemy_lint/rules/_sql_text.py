"""What the SQL rules ask about expressions: is this a constant string (and which),
is it SQL built from run-time values, where does a name get its value, and which
calls take SQL.

Values are followed through local names (`q = f"..."; conn.execute(text(q))`), never
guessed from text: a name counts as constant only when every binding of it in its
scope is constant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from ..semantic import Analysis, Kind, Scope
from ..semantic.model import Assignment

_MAX_DEPTH = 8

# Receivers whose `execute()` takes a SQLAlchemy statement (the scoped registry proxies a Session).
STATEMENT_RECEIVERS = frozenset(
    {
        Kind.CONNECTION,
        Kind.ASYNC_CONNECTION,
        Kind.SESSION,
        Kind.ASYNC_SESSION,
        Kind.SCOPED_SESSION,
    }
)
TEXT_CONSTRUCTORS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
# Calls whose result is a number: safe to format into SQL.
_NUMERIC_CASTS = frozenset({"int", "float", "len", "round", "abs"})
_CONSTANT_NAME = re.compile(r"_*[A-Z][A-Z0-9_]*")
_WRITE = re.compile(r"\s*(insert|update|delete|create|drop|alter|truncate|merge|replace)\b", re.I)
_READ = re.compile(r"\s*(select|with|show|explain|pragma|values)\b", re.I)


def scope_of(analysis: Analysis, node: cst.CSTNode) -> Scope:
    model = analysis.model
    if isinstance(node, cst.Call) and node in model.enclosing_scope:
        return model.enclosing_scope[node]
    for ancestor in model.ancestors(node):
        found = model.scope_of.get(ancestor)
        if found is not None:
            return found
    return model.module_scope


def binding_scope(name: str, scope: Scope) -> Scope | None:
    """The scope that binds `name` as seen from `scope`."""
    current: Scope | None = scope
    while current is not None:
        if name in current.global_names and not current.is_module:
            while current.parent is not None:
                current = current.parent
            continue
        if name in current.params or name in current.assignments:
            return current
        current = current.parent
    return None


def _augmented_values(name: str, scope: Scope, analysis: Analysis) -> Iterator[cst.BaseExpression]:
    """The right-hand sides of `name += value` in `scope` (the model keeps them as references)."""
    for reference in scope.references.get(name, ()):
        parent = analysis.model.parent(reference)
        if isinstance(parent, cst.AugAssign) and parent.target is reference:
            yield parent.value


def constant_values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> list[str] | None:
    """The strings `expr` can evaluate to when it is built only from string literals
    (and names bound only to them); None when it is anything else."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return [value] if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left = constant_values(expr.left, analysis, scope, depth + 1)
        right = constant_values(expr.right, analysis, scope, depth + 1)
        return _product(left, right)
    if isinstance(expr, cst.FormattedString):
        if any(isinstance(part, cst.FormattedStringExpression) for part in expr.parts):
            return None
        return ["".join(p.value for p in expr.parts if isinstance(p, cst.FormattedStringText))]
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = constant_values(expr.left, analysis, scope, depth + 1)
        right = constant_values(expr.right, analysis, scope, depth + 1)
        return _product(left, right)
    if isinstance(expr, cst.IfExp):
        body = constant_values(expr.body, analysis, scope, depth + 1)
        orelse = constant_values(expr.orelse, analysis, scope, depth + 1)
        return None if body is None or orelse is None else body + orelse
    if isinstance(expr, cst.Name):
        return name_values(expr.value, analysis, scope, depth + 1)
    return None


def name_values(name: str, analysis: Analysis, scope: Scope, depth: int = 0) -> list[str] | None:
    bound = binding_scope(name, scope)
    if bound is None or name in bound.params:
        return None
    values: list[str] = []
    for assignment in bound.assignments.get(name, ()):
        if assignment.value is None or assignment.via_with:
            return None
        found = constant_values(assignment.value, analysis, bound, depth + 1)
        if found is None:
            return None
        values.extend(found)
    for augmented in _augmented_values(name, bound, analysis):
        extra = constant_values(augmented, analysis, bound, depth + 1)
        if extra is None:
            return None
        values = [v + e for v in values for e in extra]
    return values or None


def _product(left: list[str] | None, right: list[str] | None) -> list[str] | None:
    if left is None or right is None:
        return None
    return [a + b for a in left for b in right]


def is_write(values: list[str]) -> bool:
    return all(_WRITE.match(v) for v in values)


def is_read(values: list[str]) -> bool:
    return all(_READ.match(v) for v in values)


# -- SQL built from run-time values -----------------------------------------------------


def dynamic_construction(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> str | None:
    """How `expr` builds a string from run-time values (`an f-string`, `% formatting`,
    `str.format()`, `string concatenation`), or None when it does not (visibly)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.FormattedString):
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression) and not _safe_value(
                part.expression, analysis, scope, depth + 1
            ):
                return "an f-string"
        return None
    if isinstance(expr, cst.ConcatenatedString):
        return dynamic_construction(expr.left, analysis, scope, depth + 1) or dynamic_construction(
            expr.right, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo) and _is_stringy(expr.left, analysis, scope):
            if not _safe_value(expr.right, analysis, scope, depth + 1):
                return "`%` formatting"
            return None
        if isinstance(expr.operator, cst.Add):
            inner = dynamic_construction(
                expr.left, analysis, scope, depth + 1
            ) or dynamic_construction(expr.right, analysis, scope, depth + 1)
            if inner is not None:
                return inner
            sides = (expr.left, expr.right)
            if any(_is_stringy(s, analysis, scope) for s in sides) and not all(
                _safe_value(s, analysis, scope, depth + 1) for s in sides
            ):
                return "string concatenation"
        return None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and _is_stringy(expr.func.value, analysis, scope)
    ):
        if not all(_safe_value(arg.value, analysis, scope, depth + 1) for arg in expr.args):
            return "`str.format()`"
        return None
    if isinstance(expr, cst.IfExp):
        return dynamic_construction(expr.body, analysis, scope, depth + 1) or dynamic_construction(
            expr.orelse, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or expr.value in bound.params:
            return None
        for assignment in bound.assignments.get(expr.value, ()):
            if assignment.value is None or assignment.via_with:
                continue
            found = dynamic_construction(assignment.value, analysis, bound, depth + 1)
            if found is not None:
                return found
        for augmented in _augmented_values(expr.value, bound, analysis):
            if not _safe_value(augmented, analysis, bound, depth + 1):
                return "string concatenation"
    return None


def _is_stringy(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0) -> bool:
    """A string literal, or a name bound to strings (constant or built)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return not (isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, bytes))
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        return _is_stringy(expr.left, analysis, scope, depth + 1)
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or expr.value in bound.params:
            return False
        return any(
            a.value is not None
            and not a.via_with
            and _is_stringy(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False


def _safe_value(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int) -> bool:
    """Whether formatting `expr` into SQL cannot inject: literals, numbers, constants."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp)):
        return _safe_comprehension(expr, analysis, scope, depth + 1)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "join"
        and len(expr.args) == 1
    ):
        # " AND ".join(clauses), ", ".join(f":id{i}" for i in range(n))
        return _safe_value(expr.func.value, analysis, scope, depth + 1) and _safe_value(
            expr.args[0].value, analysis, scope, depth + 1
        )
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(
            _safe_value(e.value, analysis, scope, depth + 1)
            for e in expr.elements
            if isinstance(e, cst.Element)
        ) and all(isinstance(e, cst.Element) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _safe_value(e.value, analysis, scope, depth + 1)
            for e in expr.elements
        )
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        bound = binding_scope(expr.value, scope)
        if _CONSTANT_NAME.fullmatch(expr.value) and (bound is None or bound.is_module):
            return True  # a module-level (or imported) UPPER_CASE constant
        if bound is None or expr.value in bound.params:
            return False
        assignments = bound.assignments.get(expr.value, ())
        augmented = list(_augmented_values(expr.value, bound, analysis))
        augmented.extend(_added_items(expr.value, bound, analysis))
        return (
            bool(assignments)
            and all(_safe_binding(a, analysis, bound, depth + 1) for a in assignments)
            and all(_safe_value(v, analysis, bound, depth + 1) for v in augmented)
        )
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in _NUMERIC_CASTS
        and analysis.resolver.qualify(expr.func) is None
    ):
        return True
    if isinstance(expr, cst.IfExp):
        return _safe_value(expr.body, analysis, scope, depth + 1) and _safe_value(
            expr.orelse, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Add, cst.Modulo, cst.Subtract, cst.Multiply)
    ):
        return _safe_value(expr.left, analysis, scope, depth + 1) and _safe_value(
            expr.right, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.FormattedString):
        return dynamic_construction(expr, analysis, scope, depth + 1) is None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    ):
        return _safe_value(expr.func.value, analysis, scope, depth + 1) and all(
            _safe_value(arg.value, analysis, scope, depth + 1) for arg in expr.args
        )
    if isinstance(expr, cst.Attribute):
        return bool(_CONSTANT_NAME.fullmatch(expr.attr.value))  # Settings.TABLE, Order.ASC
    return constant_values(expr, analysis, scope, depth + 1) is not None


_ADDING_METHODS = frozenset({"append", "extend", "insert", "add"})


def _added_items(name: str, scope: Scope, analysis: Analysis) -> Iterator[cst.BaseExpression]:
    """What `name.append(x)` / `extend` / `insert` / `add` put into a list bound to `name`."""
    for reference in scope.references.get(name, ()):
        attribute = analysis.model.parent(reference)
        if not isinstance(attribute, cst.Attribute) or attribute.value is not reference:
            continue
        call = analysis.model.parent(attribute)
        if (
            isinstance(call, cst.Call)
            and call.func is attribute
            and attribute.attr.value in _ADDING_METHODS
        ):
            yield from (arg.value for arg in call.args[-1:])


def _safe_comprehension(
    expr: cst.GeneratorExp | cst.ListComp, analysis: Analysis, scope: Scope, depth: int
) -> bool:
    """`f":id{i}" for i in range(n)`: the element is safe when the loop variables count
    up from `range()` / `enumerate()` indexes or iterate over safe values."""
    safe_names: set[str] = set()
    comp: cst.CompFor | None = expr.for_in
    while comp is not None:
        iterator = comp.iter
        targets = comp.target
        names = [
            e.value.value
            for e in (targets.elements if isinstance(targets, cst.Tuple) else [])
            if isinstance(e.value, cst.Name)
        ]
        if isinstance(targets, cst.Name):
            names = [targets.value]
        is_range = (
            isinstance(iterator, cst.Call)
            and isinstance(iterator.func, cst.Name)
            and iterator.func.value == "range"
            and analysis.resolver.qualify(iterator.func) is None
        )
        is_enumerate = (
            isinstance(iterator, cst.Call)
            and isinstance(iterator.func, cst.Name)
            and iterator.func.value == "enumerate"
            and analysis.resolver.qualify(iterator.func) is None
            and isinstance(targets, cst.Tuple)
        )
        if is_range or _safe_value(iterator, analysis, scope, depth + 1):
            safe_names.update(names)
        elif is_enumerate and names:
            safe_names.add(names[0])  # the index; the item stays unknown
        comp = comp.inner_for_in
    return _safe_element(expr.elt, safe_names, analysis, scope, depth + 1)


def _safe_element(
    elt: cst.BaseExpression, safe_names: set[str], analysis: Analysis, scope: Scope, depth: int
) -> bool:
    if isinstance(elt, cst.Name) and elt.value in safe_names:
        return True
    if isinstance(elt, cst.FormattedString):
        return all(
            _safe_element(part.expression, safe_names, analysis, scope, depth + 1)
            for part in elt.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(elt, cst.BinaryOperation):
        return _safe_element(elt.left, safe_names, analysis, scope, depth + 1) and _safe_element(
            elt.right, safe_names, analysis, scope, depth + 1
        )
    return _safe_value(elt, analysis, scope, depth + 1)


def _unpacked_value(node: cst.Assign, name: str) -> cst.BaseExpression | None:
    """The element of `a, b = x, y` that `name` receives, when both sides are tuples."""
    if len(node.targets) != 1 or not isinstance(node.value, (cst.Tuple, cst.List)):
        return None
    target = node.targets[0].target
    if not isinstance(target, (cst.Tuple, cst.List)):
        return None
    values = node.value.elements
    if len(target.elements) != len(values):
        return None
    for element, value in zip(target.elements, values):
        if isinstance(element.value, cst.Name) and element.value.value == name:
            return value.value if isinstance(value, cst.Element) else None
    return None


def _safe_binding(assignment: Assignment, analysis: Analysis, scope: Scope, depth: int) -> bool:
    if assignment.via_with:
        return False
    if assignment.value is None:
        node = assignment.node
        if isinstance(node, cst.Assign):  # `a, b = "x", []`
            value = _unpacked_value(node, assignment.name)
            return value is not None and _safe_value(value, analysis, scope, depth + 1)
        # `for view in MATERIALIZED_VIEWS:` takes its values from a constant collection.
        return isinstance(node, cst.For) and _safe_value(node.iter, analysis, scope, depth + 1)
    return _safe_value(assignment.value, analysis, scope, depth + 1)


# -- where SQL goes -----------------------------------------------------------------------


def receiver_kind(call: cst.Call, analysis: Analysis, scope: Scope) -> Kind | None:
    if not isinstance(call.func, cst.Attribute):
        return None
    return analysis.resolver.kind_of(call.func.value, scope)


def statement_argument(call: cst.Call) -> cst.Arg | None:
    """The statement passed to `execute()`: the first positional argument or `statement=`."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg
        if arg.keyword is not None and arg.keyword.value in ("statement", "sql", "query"):
            return arg
    return None


def is_dbapi_cursor(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> bool:
    """A cursor of a DBAPI connection from `engine.raw_connection()`."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Call):
        if analysis.resolver.qualify(expr.func) in ("contextlib.closing",) and expr.args:
            return is_dbapi_cursor(expr.args[0].value, analysis, scope, depth + 1)
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "cursor":
            return _is_raw_connection(expr.func.value, analysis, scope, depth + 1)
        return False
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return False
        return any(
            a.value is not None and is_dbapi_cursor(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False


def _is_raw_connection(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> bool:
    if analysis.resolver.kind_of(expr, scope) is Kind.RAW_CONNECTION:
        return True
    if isinstance(expr, cst.Call):
        if analysis.resolver.qualify(expr.func) == "contextlib.closing" and expr.args:
            return _is_raw_connection(expr.args[0].value, analysis, scope, depth + 1)
        return False
    if isinstance(expr, cst.Name) and depth <= _MAX_DEPTH:
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return False
        return any(
            a.value is not None and _is_raw_connection(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False
