"""What the SQL rules ask about expressions: is this a constant string (and which),
is it SQL built from run-time values, where does a name get its value, and which
calls take SQL.

Values are followed through local names (`q = f"..."; conn.execute(text(q))`), never
guessed from text: a name counts as constant only when every binding of it in its
scope is constant.
"""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product

import libcst as cst

from ..semantic import Analysis, Kind, Scope, ir
from ..semantic.cli_options import (
    COMMAND_LINE_PARSERS,
    argparse_not_text_options,
    not_text_parameters,
)
from ..semantic.fixtures import receives_fixtures
from ..semantic.flow import dominates, reaching_assignments
from ..semantic.geometry import writes_wkt
from ..semantic.kinds import INPUT_OBJECTS
from ..semantic.lower_cst import from_cst
from ..semantic.model import Assignment, binding_scope
from ..semantic.program_values import WORD_TEXT, replaces_all_but_word_characters
from ..semantic.repetition import Caller
from ..semantic.route_parameters import converted_route_parameters
from ..semantic.sql_runners import STATEMENT_RECEIVERS, TEXT_CONSTRUCTORS
from ..semantic.summary import CONSTANT_ARGUMENT, CONSTANT_NAME
from ..semantic.values import Ref, RefKind
from ..semantic.word_checks import CHARACTER_TESTS, STRING_STEPS, matches_only_word_characters
from ._sql_slots import HOLE, format_slots, names_identifier, percent_slots

# Each name followed costs two or three levels (binding, value, element), so 16 follows
# a value through five or six names (`q = quote(x)`, `m = f"{q}.t"`, `s = "..." % (m,)`).
# The walks stop at the first unsafe part, so deeper limits do not multiply the cost.
_MAX_DEPTH = 16

# Receivers whose `execute()` takes a SQLAlchemy statement (the scoped registry proxies a Session).
# Legacy `Query` methods that took SQL strings (coerced to text() in 1.x).
QUERY_STRING_METHODS = frozenset({"filter", "order_by", "group_by", "having", "distinct"})
# Calls whose result is a number: safe to format into SQL.
_NUMERIC_CASTS = frozenset({"int", "float", "len", "round", "abs"})
# A dialect's IdentifierPreparer quotes (and escapes) a name for use as an identifier:
# `conn.dialect.identifier_preparer.quote(table)`; SQLAlchemy-Utils wraps it as `quote()`.
_IDENTIFIER_PREPARER_METHODS = frozenset(
    {"quote", "quote_identifier", "quote_schema", "format_table", "format_column"}
)
_IDENTIFIER_QUOTING_FUNCTIONS = frozenset(
    {
        "sqlalchemy_utils.quote",
        "sqlalchemy_utils.functions.quote",
        "sqlalchemy_utils.functions.orm.quote",
    }
)
_WRITE = re.compile(r"\s*(insert|update|delete|create|drop|alter|truncate|merge|replace)\b", re.I)
_READ = re.compile(r"\s*(select|with|show|explain|pragma|values)\b", re.I)


def string_literal(node: cst.SimpleString) -> str | None:
    """The value of a `str` literal; None for bytes, and for a literal Python itself would
    refuse (a NUL byte): libcst parses those, but evaluating them raises."""
    try:
        value = node.evaluated_value
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


def scope_of(analysis: Analysis, node: cst.CSTNode) -> Scope:
    model = analysis.model
    if isinstance(node, cst.Call) and node in model.enclosing_scope:
        return model.enclosing_scope[node]
    for ancestor in model.ancestors(node):
        found = model.scope_of.get(ancestor)
        if found is not None:
            return found
    return model.module_scope


def every_binding(
    name: str, scope: Scope, check: Callable[[cst.BaseExpression, Scope], bool]
) -> bool:
    """Whether `name` is a local (not a parameter) bound at least once, and only by plain
    assignments whose values all pass `check` (called with the binding's scope)."""
    bound = binding_scope(name, scope)
    if bound is None or name in bound.params:
        return False
    assignments = bound.assignments.get(name, ())
    return bool(assignments) and all(
        a.value is not None and not a.via_with and check(a.value, bound) for a in assignments
    )


def augmented_values(name: str, scope: Scope, analysis: Analysis) -> Iterator[cst.BaseExpression]:
    """The right-hand sides of `name += value` (and `%=`) in `scope`: how a string grows.
    `filters &= Model.x == y` builds an expression, not text."""
    for reference in scope.references.get(name, ()):
        parent = analysis.model.parent(reference)
        if (
            isinstance(parent, cst.AugAssign)
            and parent.target is reference
            and isinstance(parent.operator, (cst.AddAssign, cst.ModuloAssign))
        ):
            yield parent.value


def constant_values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> list[str] | None:
    """The strings `expr` can evaluate to when it is built only from string literals
    (and names bound only to them); None when it is anything else."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.SimpleString):
        value = string_literal(expr)
        return [value] if value is not None else None
    if isinstance(expr, cst.ConcatenatedString):
        values: list[str] | None = [""]
        for part in concatenated_parts(expr):
            values = _product(values, constant_values(part, analysis, scope, depth + 1))
        return values
    if isinstance(expr, cst.FormattedString):
        return _formatted_values(expr, analysis, scope, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = constant_values(expr.left, analysis, scope, depth + 1)
        right = constant_values(expr.right, analysis, scope, depth + 1)
        return _product(left, right)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        # "DELETE FROM %s" % REPORT_TABLE
        templates = constant_values(expr.left, analysis, scope, depth + 1)
        if templates is None or any(_UNBOUNDED_PERCENT.search(t) for t in templates):
            return None
        operands = _operand_values(expr.right, analysis, scope, depth + 1)
        return _formatted(templates, [operands], _percent_format)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    ):
        return _str_format_values(expr, analysis, scope, depth + 1)
    if isinstance(expr, (cst.Subscript, cst.Call)):
        found = lookup_values(expr, analysis, scope, depth)
        if found is not None and all(isinstance(v, str) for v in found):
            return [v for v in found if isinstance(v, str)]
        if isinstance(expr, cst.Call):
            # `table_name(idf)`, a project function that returns one of its literals
            return analysis.resolver.returned_strings(expr, scope)
        return None
    if isinstance(expr, cst.IfExp):
        body = constant_values(expr.body, analysis, scope, depth + 1)
        orelse = constant_values(expr.orelse, analysis, scope, depth + 1)
        return None if body is None or orelse is None else body + orelse
    if isinstance(expr, cst.Name):
        return name_values(expr.value, analysis, scope, depth + 1)
    return None


def concatenated_parts(expr: cst.ConcatenatedString) -> list[cst.BaseExpression]:
    """The strings written side by side (`"a" "b" f"{c}"`), in order."""
    parts: list[cst.BaseExpression] = []
    pending: list[cst.BaseExpression] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.ConcatenatedString):
            pending.extend((node.right, node.left))
        else:
            parts.append(node)
    return parts


def name_values(name: str, analysis: Analysis, scope: Scope, depth: int = 0) -> list[str] | None:
    bound = binding_scope(name, scope)
    if bound is None or (bound.is_module and name not in bound.assignments):
        # `from templates import ORDERS_TO_USER`: as the module that binds it has it
        return analysis.contexts.program_values.imported_strings(analysis.resolver.key, name)
    if name in bound.params:
        return None
    values: list[str] = []
    for assignment in bound.assignments.get(name, ()):
        if assignment.value is None or assignment.via_with:
            return None
        found = constant_values(assignment.value, analysis, bound, depth + 1)
        if found is None:
            return None
        values.extend(found)
    for augmented in augmented_values(name, bound, analysis):
        extra = constant_values(augmented, analysis, bound, depth + 1)
        if extra is None:
            return None
        values = [v + e for v in values for e in extra]
    return values or None


def _product(left: list[str] | None, right: list[str] | None) -> list[str] | None:
    if left is None or right is None or len(left) * len(right) > _MAX_VALUES:
        return None
    return [a + b for a in left for b in right]


# -- formatting with constant operands --------------------------------------------------

_MAX_VALUES = 64
# `%` directives whose width comes from an argument or is large: never evaluated.
_UNBOUNDED_PERCENT = re.compile(r"%[^a-zA-Z%]*(\*|\d{3,})")
_SIMPLE_FIELD = re.compile(r"\d*|[A-Za-z_]\w*")
Operand = object  # str, int, float, None, or a tuple of them


def _operand_values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> list[Operand] | None:
    """The values a constant operand of `%` / `format()` can have: strings (as
    `constant_values` finds them), numbers, and tuples of those."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return [expr.evaluated_value]
        except (SyntaxError, ValueError):  # beyond int()'s digit limit
            return None
    if isinstance(expr, cst.Name) and expr.value == "None":
        return [None]
    if isinstance(expr, cst.Tuple):
        parts: list[list[Operand]] = []
        for element in expr.elements:
            if not isinstance(element, cst.Element):
                return None
            found = _operand_values(element.value, analysis, scope, depth + 1)
            if found is None:
                return None
            parts.append(found)
        combinations = 1
        for found in parts:
            combinations *= len(found)
        if combinations > _MAX_VALUES:
            return None
        return [tuple(c) for c in product(*parts)]
    if isinstance(expr, (cst.Subscript, cst.Call)):
        found = lookup_values(expr, analysis, scope, depth)
        if found is not None:
            return found
    strings = constant_values(expr, analysis, scope, depth)
    return list(strings) if strings is not None else None


def _formatted(
    templates: list[str],
    operands: list[list[Operand] | None],
    apply: Callable[[str, tuple[Operand, ...]], str | None],
) -> list[str] | None:
    """Every result of `apply(template, operands)`; None when an operand is not
    constant, there are too many combinations, or formatting fails."""
    if any(o is None for o in operands):
        return None
    choices = [o for o in operands if o is not None]
    combinations = len(templates)
    for found in choices:
        combinations *= len(found)
    if combinations > _MAX_VALUES:
        return None
    results: list[str] = []
    for template in templates:
        for chosen in product(*choices):
            result = apply(template, chosen)
            if result is None:
                return None
            results.append(result)
    return results


def _percent_format(template: str, chosen: tuple[Operand, ...]) -> str | None:
    try:
        return template % chosen[0]
    except (TypeError, ValueError, KeyError, OverflowError):
        return None


def _plain_fields(template: str) -> bool:
    """Whether every `{field}` of a `format()` template is a bare index or name, with no
    attribute access, indexing or format spec that evaluating it could act on."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return False
    return all(
        name is None or (_SIMPLE_FIELD.fullmatch(name) is not None and not spec)
        for _, name, spec, _ in fields
    )


def _str_format_values(
    call: cst.Call, analysis: Analysis, scope: Scope, depth: int
) -> list[str] | None:
    """`"... {} ...".format(CONSTANT)` with only constant arguments."""
    assert isinstance(call.func, cst.Attribute)
    templates = constant_values(call.func.value, analysis, scope, depth + 1)
    if templates is None or not all(_plain_fields(t) for t in templates):
        return None
    if any(arg.star for arg in call.args):
        return None
    keywords = [arg.keyword.value if arg.keyword is not None else None for arg in call.args]
    operands = [_operand_values(arg.value, analysis, scope, depth + 1) for arg in call.args]

    def apply(template: str, chosen: tuple[Operand, ...]) -> str | None:
        positional = [v for k, v in zip(keywords, chosen) if k is None]
        named = {k: v for k, v in zip(keywords, chosen) if k is not None}
        try:
            return template.format(*positional, **named)
        except (IndexError, KeyError, ValueError, TypeError):
            return None

    return _formatted(templates, operands, apply)


def _formatted_values(
    expr: cst.FormattedString, analysis: Analysis, scope: Scope, depth: int
) -> list[str] | None:
    """An f-string whose replacement fields are all constants (`f"... {SCHEMA}.orders"`)."""
    texts: list[str] = []  # libcst keeps the source text: `{{` still stands for `{`
    operands: list[list[Operand] | None] = []
    for part in expr.parts:
        if isinstance(part, cst.FormattedStringText):
            texts.append(part.value)
            continue
        if not isinstance(part, cst.FormattedStringExpression):
            return None
        if part.conversion is not None or part.format_spec is not None or part.equal:
            return None
        texts.append("{}")
        operands.append(_operand_values(part.expression, analysis, scope, depth + 1))

    def apply(template: str, chosen: tuple[Operand, ...]) -> str | None:
        try:
            return template.format(*(str(v) for v in chosen))
        except (IndexError, KeyError, ValueError):
            return None

    return _formatted(["".join(texts)], operands, apply)


# -- lookups in fixed tables --------------------------------------------------------------

# Methods that put something new into a dict, list or set.
_MUTATING_METHODS = frozenset(
    {"update", "setdefault", "__setitem__", "append", "extend", "insert", "add", "__ior__"}
)


def lookup_values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> list[Operand] | None:
    """What a lookup in a fixed table can give: `ORDERABLE[key]` or
    `ORDERABLE.get(key, "created_at")`, where `ORDERABLE` is a dict (or tuple, list)
    literal of constants bound once and never changed, or the literal itself. A
    missing key raises or gives the default; it never gives the key."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Subscript):
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        table = _fixed_table(expr.value, analysis, scope, depth)
        return table[1] if table is not None else None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "get"
        and 1 <= len(expr.args) <= 2
        and all(arg.keyword is None and not arg.star for arg in expr.args)
    ):
        table = _fixed_table(expr.func.value, analysis, scope, depth)
        if table is None or not table[0]:
            return None
        if len(expr.args) == 1:
            return [*table[1], None]
        default = _operand_values(expr.args[1].value, analysis, scope, depth + 1)
        return None if default is None else [*table[1], *default]
    return None


def _fixed_table(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> tuple[bool, list[Operand]] | None:
    """(is a dict, its values) for a literal table of constants, or a name bound once to
    one and never changed where it is visible."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Dict):
        values: list[Operand] = []
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            found = _operand_values(element.value, analysis, scope, depth + 1)
            if found is None:
                return None
            values.extend(found)
        return True, values
    if isinstance(expr, (cst.Tuple, cst.List)):
        values = []
        for item in expr.elements:
            if not isinstance(item, cst.Element):
                return None
            found = _operand_values(item.value, analysis, scope, depth + 1)
            if found is None:
                return None
            values.extend(found)
        return False, values
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or expr.value in bound.params:
            return None
        assignments = bound.assignments.get(expr.value, ())
        if len(assignments) != 1:
            return None
        (assignment,) = assignments
        value = assignment.value
        if value is None or assignment.via_with or not isinstance(value, _TABLE_LITERALS):
            return None
        if not _never_changed(expr.value, bound, analysis):
            return None
        return _fixed_table(value, analysis, bound, depth + 1)
    return None


_TABLE_LITERALS = (cst.Dict, cst.Tuple, cst.List)


def _never_changed(name: str, bound: Scope, analysis: Analysis) -> bool:
    """No `name[k] = v`, `del name[k]`, `name.update(...)`, `name |= ...` or rebinding
    (`global name`) anywhere `name` means the binding in `bound`."""
    model = analysis.model
    pending = [bound]
    while pending:
        current = pending.pop()
        pending.extend(current.children)
        if current is not bound:
            if name in current.global_names and name in current.assignments:
                return False
            if binding_scope(name, current) is not bound:
                continue
        for reference in current.references.get(name, ()):
            parent = model.parent(reference)
            if isinstance(parent, cst.AugAssign) and parent.target is reference:
                return False
            if isinstance(parent, cst.Subscript) and parent.value is reference:
                holder = model.parent(parent)
                if isinstance(
                    holder, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.Del, cst.Element)
                ):
                    return False
            if (
                isinstance(parent, cst.Attribute)
                and parent.value is reference
                and parent.attr.value in _MUTATING_METHODS
            ):
                return False
    return True


def is_write(values: list[str]) -> bool:
    return all(_WRITE.match(v) for v in values)


def is_read(values: list[str]) -> bool:
    return all(_READ.match(v) for v in values)


# Methods of `str` that return a string.
_STRING_METHODS = frozenset(
    {"format", "format_map", "join", "replace", "strip", "lstrip", "rstrip", "upper", "lower"}
)


def is_string(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0) -> bool:
    """Whether `expr` is visibly a `str`: a literal, an f-string, `%` formatting or `+`
    on a string, a `str` method's result, or a local name bound only to such values."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.SimpleString):
        return string_literal(expr) is not None
    if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        return is_string(expr.left, analysis, scope, depth + 1)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _STRING_METHODS
    ):
        return is_string(expr.func.value, analysis, scope, depth + 1)
    if isinstance(expr, cst.Call) and file_text(expr, scope):
        return True  # (a name bound to one is followed below, as any string's)
    if isinstance(expr, cst.IfExp):
        return is_string(expr.body, analysis, scope, depth + 1) and is_string(
            expr.orelse, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.Name):
        return every_binding(
            expr.value, scope, lambda value, bound: is_string(value, analysis, bound, depth + 1)
        )
    return False


def file_text(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
    """`open(path).read()`, `f.read()` in `with open(path) as f:`, or
    `path.read_text()` (or a local bound only to such): the text of a file (a `str`,
    as no binary mode is asked), such as a SQL script loaded to run."""
    if isinstance(expr, cst.Name) and depth <= _MAX_DEPTH:
        return every_binding(
            expr.value, scope, lambda value, bound: file_text(value, bound, depth + 1)
        )
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    method = expr.func.attr.value
    if method == "read_text":
        return True
    if method != "read":
        return False
    opened = expr.func.value
    if isinstance(opened, cst.Name):
        bound = binding_scope(opened.value, scope)
        assignments = bound.assignments.get(opened.value, ()) if bound is not None else ()
        if not assignments or not all(a.via_with for a in assignments):
            return False
        values = [a.value for a in assignments]
    else:
        values = [opened]
    return all(_opens_as_text(value, scope) for value in values)


def _opens_as_text(expr: cst.BaseExpression | None, scope: Scope) -> bool:
    """A call of the built-in `open()` without a binary mode."""
    if (
        not isinstance(expr, cst.Call)
        or not isinstance(expr.func, cst.Name)
        or expr.func.value != "open"
        or binding_scope("open", scope) is not None
    ):
        return False
    mode: cst.BaseExpression | None = None
    for index, arg in enumerate(expr.args):
        if (arg.keyword is None and index == 1) or (
            arg.keyword is not None and arg.keyword.value == "mode"
        ):
            mode = arg.value
    if mode is None:
        return True
    return isinstance(mode, cst.SimpleString) and "b" not in (string_literal(mode) or "b")


def construction(expr: cst.BaseExpression) -> str:
    """How a string expression is built, in words for a message."""
    if isinstance(expr, cst.FormattedString):
        return "an f-string"
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        return "`%` formatting"
    if isinstance(expr, cst.BinaryOperation):
        return "string concatenation"
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        return f"`str.{expr.func.attr.value}()`"
    return "string operations"


# -- SQL built from run-time values -----------------------------------------------------


def dynamic_construction(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> str | None:
    """How `expr` builds a string from run-time values (`an f-string`, `% formatting`,
    `str.format()`, `string concatenation`), or None when it does not (visibly)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.FormattedString):
        for index, part in enumerate(expr.parts):
            if not isinstance(part, cst.FormattedStringExpression) or _safe_value(
                part.expression, analysis, scope, depth + 1
            ):
                continue
            before, after = _fstring_texts(expr, index)
            if (
                index == _first_field(expr)
                and _whole_statement(before, after)
                and not isinstance(part.expression, (cst.FormattedString, cst.BinaryOperation))
                and dynamic_construction(part.expression, analysis, scope, depth + 1) is None
                and _evidently_input(part.expression, analysis, scope, depth + 1)
            ):
                continue  # `f"{query} LIMIT {limit}"`: a statement its user gave whole
            if not _chosen_identifier(part.expression, [(before, after)], analysis, scope, depth):
                return "an f-string"
        return None
    if isinstance(expr, cst.ConcatenatedString):
        # `"SELECT ..." "FROM ..." f"{where} "`: one level deep, however many parts
        for piece in concatenated_parts(expr):
            found = dynamic_construction(piece, analysis, scope, depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo) and _is_stringy(expr.left, analysis, scope):
            templates = constant_values(expr.left, analysis, scope, depth + 1)
            if templates and all(_numeric_conversions_only(t) for t in templates):
                return None  # "%d" % n: only numbers come out
            if not _safe_value(expr.right, analysis, scope, depth + 1) and not _percent_identifiers(
                expr.right, templates, analysis, scope, depth
            ):
                return "`%` formatting"
            return None
        if isinstance(expr.operator, cst.Add):
            # A long `a + b + c + ...` chain is one level, not one level per `+`:
            # real queries concatenate dozens of pieces.
            operands = _operands(expr, (cst.Add,))
            for index, operand in enumerate(operands):
                inner = dynamic_construction(operand, analysis, scope, depth + 1)
                if inner is not None and not _concatenated_identifier(
                    operands, index, analysis, scope, depth
                ):
                    return inner
            if any(_is_stringy(o, analysis, scope) for o in operands) and not all(
                _safe_value(o, analysis, scope, depth + 1)
                or _concatenated_identifier(operands, index, analysis, scope, depth)
                for index, o in enumerate(operands)
            ):
                return "string concatenation"
        return None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and _is_stringy(expr.func.value, analysis, scope)
    ):
        templates = constant_values(expr.func.value, analysis, scope, depth + 1)
        slots = [format_slots(t) for t in templates] if templates else []
        positional = 0
        for arg in expr.args:
            field: int | str | None = None
            if arg.keyword is not None:
                field = arg.keyword.value
            elif not arg.star:
                field, positional = positional, positional + 1
            if _safe_value(arg.value, analysis, scope, depth + 1):
                continue
            around = [s for found in slots if found and field in found for s in found[field]]
            if (
                field is None
                or not all(found and field in found for found in slots)
                or not (_chosen_identifier(arg.value, around, analysis, scope, depth))
            ):
                return "`str.format()`"
        return None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "join"
        and expr.args
        and isinstance(expr.args[0].value, cst.Name)
        and _is_stringy(expr.func.value, analysis, scope)
    ):
        # `" UNION ALL ".join(queries)` where `queries.append(template.format(...))`:
        # the statements joined are built from values.
        name = expr.args[0].value.value
        bound = binding_scope(name, scope)
        if bound is not None and name not in bound.params:
            for item in _added_items(name, bound, analysis):
                found = dynamic_construction(item, analysis, bound, depth + 1)
                if found is not None:
                    return found
        return None
    if isinstance(expr, cst.IfExp):
        return dynamic_construction(expr.body, analysis, scope, depth + 1) or dynamic_construction(
            expr.orelse, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or expr.value in bound.params:
            return None
        key = (expr.value, id(bound))
        if key in _VISITING.building:
            return None  # `where = "..." + where`: its other values say how it is built
        _VISITING.building.add(key)
        try:
            reaching = _reaching(expr, bound, analysis)
            for assignment in reaching:
                if assignment.value is None or assignment.via_with:
                    continue
                found = dynamic_construction(assignment.value, analysis, bound, depth + 1)
                if found is not None:
                    return found
            # What `+=` added before every assignment that reaches the use is gone
            # (`query += filters(...)`, then `query = text(query)`: the use sees `text`).
            earliest = min((a.order for a in reaching), default=-1)
            augmented = [
                a
                for a in augmented_values(expr.value, bound, analysis)
                if _order_of_statement(analysis, a) > earliest
            ]
            if any(not _safe_value(a, analysis, bound, depth + 1) for a in augmented):
                starts = [a.value for a in bound.assignments.get(expr.value, ()) if a.value]
                if _without_sql_text([*starts, *augmented], analysis, bound):
                    # `command += line` over a .sql file's lines: the program runs SQL it
                    # read, it does not put values into SQL of its own.
                    return None
                return "string concatenation"
        finally:
            _VISITING.building.discard(key)
    return None


# A statement given whole (a SQL console's query) with a limit put after it, or a plan
# asked for before it: the text around a value that is a statement of its own.
_AFTER_A_STATEMENT = re.compile(r"\s+(?:LIMIT|OFFSET|FETCH)\b", re.IGNORECASE)
_BEFORE_A_STATEMENT = re.compile(
    r"\s*EXPLAIN(?:\s+(?:ANALYZE|ANALYSE|VERBOSE|QUERY\s+PLAN))*\s+", re.IGNORECASE
)


def _first_field(expr: cst.FormattedString) -> int | None:
    return next(
        (i for i, p in enumerate(expr.parts) if isinstance(p, cst.FormattedStringExpression)),
        None,
    )


def _whole_statement(before: str, after: str) -> bool:
    """Whether the first field of an f-string holds a statement of its own: nothing
    before it and only a `LIMIT`/`OFFSET`/`FETCH` clause after (`f"{query} LIMIT
    {limit}"`), or `EXPLAIN` before it and nothing after. When that value comes
    whole from outside (a request's, a caller's that is), it is the statement the
    code runs as its user gave it (a SQL console's), not a value put into SQL of the
    program's; the fields after it are judged as any."""
    if not before and _AFTER_A_STATEMENT.match(after):
        return True
    return _BEFORE_A_STATEMENT.fullmatch(before) is not None and not after.strip(" ;")


# -- identifiers the program chooses -------------------------------------------------


def _chosen_identifier(
    value: cst.BaseExpression,
    around: list[tuple[str, str]],
    analysis: Analysis,
    scope: Scope,
    depth: int,
) -> bool:
    """Whether a value that is not visibly constant takes an identifier's place in
    each of the SQL texts `around` it (`FROM {table}`), and is not evidently outside
    text. A table or column name cannot be a bound parameter; the program picks it,
    often a few calls away (`self.table_for(kind)`), and only input reaching it
    directly (a request's, the command line's, an API's parameter) is reported."""
    return (
        bool(around)
        and all(names_identifier(before, after) for before, after in around)
        and not _evidently_input(value, analysis, scope, depth + 1)
    )


def _fstring_texts(expr: cst.FormattedString, index: int) -> tuple[str, str]:
    """The f-string's text before and after its part `index`, other values as HOLE."""

    def text(parts: Sequence[cst.BaseFormattedStringContent]) -> str:
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else HOLE for p in parts)

    return text(expr.parts[:index]), text(expr.parts[index + 1 :])


def _percent_identifiers(
    right: cst.BaseExpression,
    templates: list[str] | None,
    analysis: Analysis,
    scope: Scope,
    depth: int,
) -> bool:
    """`"SELECT * FROM %s" % table`: whether every value that is not visibly constant
    takes an identifier's place in every template (see `_chosen_identifier`)."""
    if not templates:
        return False
    values = (
        [e.value for e in right.elements]
        if isinstance(right, cst.Tuple) and all(isinstance(e, cst.Element) for e in right.elements)
        else [right]
    )
    slots = [percent_slots(t) for t in templates]
    if not all(found is not None and len(found) == len(values) for found in slots):
        return False
    return all(
        _safe_value(value, analysis, scope, depth + 1)
        or _chosen_identifier(
            value, [found[index] for found in slots if found], analysis, scope, depth
        )
        for index, value in enumerate(values)
    )


def _concatenated_identifier(
    operands: list[cst.BaseExpression], index: int, analysis: Analysis, scope: Scope, depth: int
) -> bool:
    """`"SELECT * FROM " + table`: whether the operand `index` takes an identifier's
    place between its neighbours' constant text (see `_chosen_identifier`)."""

    def text(pieces: list[cst.BaseExpression]) -> str:
        found = []
        for piece in pieces:
            values = constant_values(piece, analysis, scope, depth + 1)
            found.append(values[0] if values is not None and len(set(values)) == 1 else HOLE)
        return "".join(found)

    around = (text(operands[:index]), text(operands[index + 1 :]))
    return _chosen_identifier(operands[index], [around], analysis, scope, depth)


# Builtins that copy their argument's items into a new container (`list(keys)`).
_COPYING_BUILTINS = frozenset({"list", "tuple", "set", "sorted", "frozenset"})
# Builtins whose items are their arguments' items (`for i, key in enumerate(keys)`).
_ITEM_KEEPING_BUILTINS = frozenset(
    {"enumerate", "sorted", "reversed", "list", "tuple", "set", "iter", "zip", "filter"}
)


def _evidently_input(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> bool:
    """Whether `expr` is evidently text from outside the program: a request's or the
    command line's content, a parameter some caller fills so (or that nothing in the
    project calls: an API's, a handler's), or text built from one here. What a
    project function returns is that function's (`self.table_for(kind)`), unless it
    returns the parameter it was given."""
    if depth > _MAX_DEPTH:
        return False
    pieces: list[cst.BaseExpression] = []
    if isinstance(expr, cst.FormattedString):
        pieces = [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
    elif isinstance(expr, cst.BinaryOperation):
        pieces = [expr.left, expr.right]
    elif isinstance(expr, cst.IfExp):
        pieces = [expr.body, expr.orelse]
    elif isinstance(expr, (cst.Tuple, cst.List)):  # `"r_%s_%s" % (i, key)`
        pieces = [e.value for e in expr.elements]
    elif isinstance(expr, (cst.Attribute, cst.Subscript)):
        pieces = [expr.value]
    elif isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        pieces = [expr.for_in.iter]
    elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        # `", ".join(names)`, `name.strip()`, `data.keys()`: made from what they are
        # called on (and `str.format()` from its arguments too)
        pieces = [expr.func.value]
        if expr.func.attr.value in ("format", "join"):
            pieces += [a.value for a in expr.args]
    elif (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in _ITEM_KEEPING_BUILTINS
        and analysis.resolver.qualify(expr.func) is None  # not rebound by an import
    ):
        # `enumerate(keys)`, `sorted(keys)`: the items of what they are given
        pieces = [a.value for a in expr.args]
    elif isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is not None and expr.value not in bound.params:
            # a local, or a script's global (`args = parser.parse_args()`)
            return _local_from_outside(expr.value, bound, analysis, depth)
    if any(_evidently_input(p, analysis, scope, depth + 1) for p in pieces):
        return True
    if isinstance(expr, (cst.FormattedString, cst.BinaryOperation, cst.IfExp, cst.Tuple, cst.List)):
        return False
    return analysis.contexts.program_values.expr_from_outside(
        from_cst(expr), analysis.resolver.frame(scope), 0, 0
    )


def _local_from_outside(name: str, bound: Scope, analysis: Analysis, depth: int) -> bool:
    """Whether some value of the local `name` (assigned, added, or looped over) is
    evidently outside text."""
    key = (name, id(bound))
    if key in _VISITING.outside:
        return False
    _VISITING.outside.add(key)
    try:
        values = [*augmented_values(name, bound, analysis), *_added_items(name, bound, analysis)]
        for assignment in bound.assignments.get(name, ()):
            if assignment.value is not None and not assignment.via_with:
                values.append(assignment.value)
            elif assignment.unpacked is not None:
                values.append(assignment.unpacked[0])  # an item of outside text is too
            elif isinstance(assignment.node, cst.For):
                values.append(assignment.node.iter)
        return any(_evidently_input(v, analysis, bound, depth + 1) for v in values)
    finally:
        _VISITING.outside.discard(key)


def _reaching(use: cst.Name, bound: Scope, analysis: Analysis) -> list[Assignment]:
    return reaching_assignments(analysis.model, use, bound.assignments.get(use.value, []))


def _order_of_statement(analysis: Analysis, node: cst.CSTNode) -> int:
    """Where the statement holding `node` comes in the visit (leaves such as string
    literals have no order of their own)."""
    statement = analysis.model.statement_of(node)
    return analysis.model.order.get(statement, 1 << 62)


def _without_sql_text(pieces: list[cst.BaseExpression], analysis: Analysis, scope: Scope) -> bool:
    """Whether no piece (nor an operand of a `+` chain in it) is text of the program's
    own beyond blanks and separators (`""`, `" "`, `";"`)."""
    for piece in pieces:
        operands = (
            _operands(piece, (cst.Add,)) if isinstance(piece, cst.BinaryOperation) else [piece]
        )
        for operand in operands:
            if isinstance(operand, cst.FormattedString):
                return False
            values = constant_values(operand, analysis, scope)
            if values is not None and any(v.strip(" \t\r\n;,") for v in values):
                return False
    return True


# A bare name (`symbol-`, `stats_`): text that starts so is a table's name
# (`pd.read_sql("symbol-" + symbol, engine)` reads that table), never a statement,
# which starts with a keyword.
_BARE_NAME = re.compile(r"[A-Za-z_][\w\-]*")
_STATEMENT_KEYWORDS = frozenset(
    {
        "alter", "analyze", "begin", "call", "comment", "commit", "copy", "create",
        "delete", "drop", "exec", "execute", "explain", "grant", "insert", "lock",
        "merge", "pragma", "refresh", "reindex", "replace", "revoke", "rollback",
        "select", "set", "show", "truncate", "update", "upsert", "use", "vacuum",
        "values", "with", "declare", "do", "listen", "notify", "savepoint", "release",
    }
)  # fmt: skip


def starts_as_a_name(expr: cst.BaseExpression, analysis: Analysis, scope: Scope) -> bool:
    """`"symbol-" + symbol`, `f"stats_{day}"` (or a local bound only to one): text
    whose first piece is a bare name that no statement starts with, and whose own
    text has no blank: a table's name, not SQL."""
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or expr.value in bound.params:
            return False
        reaching = _reaching(expr, bound, analysis)
        return (
            len(reaching) == 1
            and reaching[0].value is not None
            and not any(True for _ in augmented_values(expr.value, bound, analysis))
            and starts_as_a_name(reaching[0].value, analysis, bound)
        )
    if isinstance(expr, cst.FormattedString):
        texts = [p.value for p in expr.parts if isinstance(p, cst.FormattedStringText)]
        first = expr.parts[0] if expr.parts else None
        lead = first.value if isinstance(first, cst.FormattedStringText) else None
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        texts = []
        lead = None
        for index, operand in enumerate(_operands(expr, (cst.Add,))):
            values = constant_values(operand, analysis, scope)
            if values is not None:
                texts.extend(values)
                if index == 0 and len(values) == 1:
                    lead = values[0]
    else:
        return False
    return (
        lead is not None
        and _BARE_NAME.fullmatch(lead) is not None
        and lead.lower().rstrip("_-") not in _STATEMENT_KEYWORDS
        and not any(any(c.isspace() for c in text) for text in texts)
    )


_ARITHMETIC: tuple[type[cst.BaseBinaryOp], ...] = (
    cst.Add,
    cst.Modulo,
    cst.Subtract,
    cst.Multiply,
)


def _operands(
    expr: cst.BinaryOperation, operators: tuple[type[cst.BaseBinaryOp], ...] = _ARITHMETIC
) -> list[cst.BaseExpression]:
    """The operands of a chain of `operators`, left to right."""
    found: list[cst.BaseExpression] = []
    pending: list[cst.BaseExpression] = [expr]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, operators):
            pending.extend((current.right, current.left))
        else:
            found.append(current)
    return found


def _is_stringy(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0) -> bool:
    """A string literal, or a name bound to strings (constant or built)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return not isinstance(expr, cst.SimpleString) or string_literal(expr) is not None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        return _is_stringy(expr.left, analysis, scope, depth + 1)
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None or (bound.is_module and expr.value not in bound.assignments):
            # `from templates import ORDERS_TO_USER`, a module of SQL templates
            program_values = analysis.contexts.program_values
            return bool(program_values.imported_strings(analysis.resolver.key, expr.value))
        if expr.value in bound.params:
            return False
        return any(
            a.value is not None
            and not a.via_with
            and _is_stringy(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False


class _Visiting(threading.local):
    """Names whose safety is being decided, per thread (analyses run on several)."""

    def __init__(self) -> None:
        self.names: set[tuple[object, ...]] = set()  # `_safe_value`, `_no_outside_input`
        self.building: set[tuple[str, int]] = set()  # `dynamic_construction`
        self.outside: set[tuple[str, int]] = set()  # `_evidently_input`


_VISITING = _Visiting()


# String methods that only change the case of a text or trim its spaces.
_CASE_METHODS = frozenset(
    {"lower", "upper", "casefold", "title", "capitalize", "strip", "lstrip", "rstrip"}
)


def _safe_value(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int) -> bool:
    """Whether formatting `expr` into SQL cannot inject: literals, numbers, constants."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) and writes_wkt(
        expr, analysis.resolver, scope
    ):
        return True  # a geometry's WKT (`POLYGON ((1 2, ...))`) or an EPSG code
    if isinstance(expr, (cst.Subscript, cst.Call)) and (
        lookup_values(expr, analysis, scope, depth) is not None
    ):
        return True  # ORDERABLE.get(order, "created_at"): one of the table's constants
    if isinstance(expr, cst.Call) and analysis.resolver.returned_strings(expr, scope) is not None:
        return True  # `rain_table(idf)`: a project function that returns one of its literals
    if isinstance(expr, cst.Call) and analysis.contexts.program_values.returns_made_by_program(
        from_cst(expr), analysis.resolver.frame(scope)
    ):
        return True  # `self._where(filters)`: text its returns build from literals
    if isinstance(expr, cst.Call) and analysis.contexts.program_values.column_values_not_text(
        from_cst(expr), analysis.resolver.frame(scope)
    ):
        return True  # `set(session.scalars(select(User.id)))`: UUIDs, numbers, dates
    if isinstance(expr, cst.Call) and analysis.contexts.program_values.returns_a_checked_value(
        from_cst(expr), analysis.resolver.frame(scope), 0
    ):
        return True  # `self._check_kind(kind)`: raises unless `kind` is an allowed one
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _CASE_METHODS
        and not expr.args
        and _safe_value(expr.func.value, analysis, scope, depth + 1)
    ):
        return True  # `args.pos.lower()`: a safe value's letters in another case
    if isinstance(expr, cst.Call):
        returned = analysis.resolver.returned_arguments(expr, scope)
        if returned is not None and all(
            _safe_value(arg.value, analysis, scope, depth + 1) for arg in returned
        ):
            # `get_column_def(cols, "side", "'*'")` returns `default if missing else
            # column`: one of the literals (or safe values) this call gives it
            return True
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp)):
        return _safe_comprehension(expr, analysis, scope, depth + 1)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "keys"
        and not expr.args
    ):
        # `", ".join(data.keys())`: column names, when the dict's keys are the code's
        return _literal_keys(expr.func.value, analysis, scope)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in _COPYING_BUILTINS
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
        and analysis.resolver.qualify(expr.func) is None
        and _safe_value(expr.args[0].value, analysis, scope, depth + 1)
    ):
        return True  # `list(ids.keys())`: the same safe items in a new container
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
        if CONSTANT_NAME.fullmatch(expr.value) and (bound is None or bound.is_module):
            return True  # a module-level (or imported) UPPER_CASE constant
        if bound is None:
            return False
        if _checked_against_allowed_values(expr.value, bound, analysis):
            return True  # `if order not in ("ASC", "DESC"): raise ...`
        if _inside_membership_branch(expr, analysis):
            return True  # `elif sort in ["title", "author"]: text(sort + " " + order)`
        if expr.value in bound.params and not _rebound_before(expr, bound, analysis):
            param = bound.params[expr.value]
            if param.annotation is not None and _not_text(param.annotation.annotation):
                return True  # `year: int`
            if param.annotation is not None and _sqlalchemy_type(
                param.annotation.annotation, analysis
            ):
                return True  # `column_type: TypeEngine`: formats as its DDL type name
            if _declared_enum(expr, scope, analysis):
                return True  # `order: SortOrder`: one of the enum's members
            if _declared_not_text(expr.value, bound, analysis):
                return True  # `@click.option("--limit", type=int)`
            if _filled_by_pytest(bound, analysis):
                return True
            return _only_given_constants(expr.value, bound, analysis)
        assignments = _reaching(expr, bound, analysis)
        # Per name and the values that reach this use: another use of the name may see
        # other values (`years = [y for y in years ...]` on the line above).
        key = (expr.value, id(bound), tuple(a.order for a in assignments))
        if key in _VISITING.names:
            # `where = " WHERE " + where`: the name's other values decide; by induction a
            # value built only from safe parts and itself is safe.
            return True
        _VISITING.names.add(key)
        try:
            augmented = list(augmented_values(expr.value, bound, analysis))
            augmented.extend(_added_items(expr.value, bound, analysis))
            return (
                bool(assignments)
                and all(_safe_binding(a, analysis, bound, depth + 1) for a in assignments)
                and all(_safe_value(v, analysis, bound, depth + 1) for v in augmented)
            )
        finally:
            _VISITING.names.discard(key)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in _NUMERIC_CASTS
        and analysis.resolver.qualify(expr.func) is None
    ):
        return True
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in ("min", "max")
        and analysis.resolver.qualify(expr.func) is None
        and expr.args
    ):
        # `min(int(limit), 100)`: one of its (safe) arguments
        return all(_safe_value(arg.value, analysis, scope, depth + 1) for arg in expr.args)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "str"
        and analysis.resolver.qualify(expr.func) is None
    ):
        # `str()` is "", `str(x)` as safe as `x`.
        return not expr.args or (
            len(expr.args) == 1 and _safe_value(expr.args[0].value, analysis, scope, depth + 1)
        )
    if (
        isinstance(expr, cst.Call)
        and len(expr.args) == 1
        and not expr.args[0].star
        and analysis.resolver.qualify(expr.func) in TEXT_CONSTRUCTORS
    ):
        # `str(text(sql))` is `sql`: a statement built so far (`query = text(str(query)
        # + " AND status = :status")`) is as safe as its text.
        return _safe_value(expr.args[0].value, analysis, scope, depth + 1)
    if isinstance(expr, cst.Call) and _formats_a_date(expr, analysis, scope):
        return True  # `day.strftime("%Y-%m-%d")`: digits and the format's own text
    if isinstance(expr, cst.Call) and _keeps_word_characters(expr, analysis):
        return True  # `re.sub(r"[^a-z0-9_]", "", name)`: letters, digits, underscores
    if isinstance(expr, cst.Call) and _escapes_quotes(expr):
        return True  # `name.replace("'", "''")`: a quoted SQL literal, escaped
    if isinstance(expr, cst.Call) and _maps_through_a_table(expr, analysis, scope, depth):
        return True  # `map(COLUMNS.__getitem__, fields)`: the table's values
    if isinstance(expr, cst.Call) and _driver_escape(expr, analysis, scope):
        return True  # `connection.escape(value)`: the driver's quoted, escaped literal
    if isinstance(expr, cst.Call) and analysis.contexts.program_values.quotes_a_literal(
        from_cst(expr), analysis.resolver.frame(scope)
    ):
        return True  # `literal_string(name)`, a project function that does the same
    if isinstance(expr, cst.Call) and analysis.resolver.qualify(expr.func) in _SLUG_FUNCTIONS:
        return True  # a slug is letters, digits and dashes
    if isinstance(expr, cst.Call) and _quotes_identifier(expr, analysis, scope):
        return True
    if isinstance(expr, cst.Call) and _is_compiled_sql(expr, analysis):
        return True
    if isinstance(expr, cst.IfExp):
        return _safe_value(expr.body, analysis, scope, depth + 1) and _safe_value(
            expr.orelse, analysis, scope, depth + 1
        )
    if isinstance(expr, cst.BooleanOperation):
        # `" AND ".join(clauses) or "1"`: one operand or the other, both safe.
        return _safe_value(expr.left, analysis, scope, depth + 1) and _safe_value(
            expr.right, analysis, scope, depth + 1
        )
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, (cst.Modulo, cst.Subtract, cst.FloorDivide))
        and _number_operand(expr.right, scope)
        and not _is_stringy(expr.left, analysis, scope)
    ):
        return True  # `motor_id % SHARDS`, `page - 1`: arithmetic gives a number
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Add, cst.Modulo, cst.Subtract, cst.Multiply)
    ):
        # `a + b + c + ...` is one level deep, however long the chain.
        return all(_safe_value(operand, analysis, scope, depth + 1) for operand in _operands(expr))
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.Power, cst.FloorDivide, cst.Divide)
    ):
        # Operators only numbers have (`2**63`, `total // size`).
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
        if expr.attr.value in ("__tablename__", "__name__"):
            return True  # a mapped class's table name: the code's own constant
        if (
            expr.attr.value in ("name", "value")
            and isinstance(expr.value, cst.Attribute)
            and CONSTANT_NAME.fullmatch(expr.value.attr.value)
        ):
            return True  # JobStatus.FINISHED.name: an enum member's name
        if expr.attr.value in ("name", "value") and _declared_enum(expr.value, scope, analysis):
            return True  # `sort_col.value` of `sort_col: SortColumn`, a project enum
        if expr.attr.value in ("name", "fullname", "schema") and (
            _names_a_schema_item(expr.value)
            or _declared_sqlalchemy_object(expr.value, scope, analysis)
        ):
            # Model.__table__.name, column.table.fullname, column.name, `enum.name` of
            # a parameter declared `sa.Enum`: what a schema object is called in the
            # program's own model
            return True
        if _parsed_command_line(expr.value, scope):
            if expr.attr.value in argparse_not_text_options(
                analysis.model.calls, analysis.resolver.qualify
            ):
                return True  # `args.limit` of `add_argument("--limit", type=int)`
        elif CONSTANT_NAME.fullmatch(expr.attr.value):
            return True  # Settings.TABLE, Order.ASC (not `args.S`, an option `-S`)
        if _non_text_column(expr, analysis, scope):
            return True  # `repo.repo_id`, an integer column of a row loaded from the database
        if _non_text_form_field(expr, analysis, scope):
            return True  # `form.source.data` of `source = SelectField(..., coerce=int)`
        return _no_outside_input(expr, analysis, scope, depth + 1)
    if isinstance(expr, cst.Subscript) and analysis.contexts.program_values.made_by_program(
        from_cst(expr), analysis.resolver.frame(scope), 0, 0
    ):
        return True  # `insight["repo_id"]` where every `insight` is a dict of safe values
    if (
        isinstance(expr, cst.Subscript)
        and isinstance(expr.value, cst.Name)
        and _safe_value(expr.value, analysis, scope, depth + 1)
    ):
        # `i[0]` of a pair of `float()`s: an item of a local's safe values is safe (not
        # of an attribute, which an UPPER_CASE name alone makes "safe": `df.CHROM[row]`)
        return True
    if isinstance(expr, (cst.Subscript, cst.Call)):
        return _no_outside_input(expr, analysis, scope, depth + 1)
    return constant_values(expr, analysis, scope, depth + 1) is not None


def _names_a_schema_item(expr: cst.BaseExpression) -> bool:
    """`X.__table__`, `column.table`, `self.table`, or a name `table`, `column`,
    `constraint` or `index` whose attributes are read: how code that maintains a
    schema refers to a SQLAlchemy `Table`, `Column`, `Constraint` or `Index` (a
    `Column`'s and a `Constraint`'s `.table` is a `Table`)."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in ("__table__", "table")
    return isinstance(expr, cst.Name) and expr.value in ("table", "column", "constraint", "index")


def _declared_enum(expr: cst.BaseExpression, scope: Scope, analysis: Analysis) -> bool:
    """A parameter annotated with one of the project's enumerations, not rebound in
    the function (FastAPI and the like validate what they pass against it)."""
    found = _parameter_annotation(expr, scope, analysis)
    if found is None:
        return False
    annotation, bound = found
    ref = analysis.resolver.value_of(annotation, bound).ref
    return ref is not None and analysis.resolver.evaluator.is_enum(ref)


def _declared_sqlalchemy_object(expr: cst.BaseExpression, scope: Scope, analysis: Analysis) -> bool:
    """A parameter annotated with a SQLAlchemy class (`original_enum: sa.Enum`,
    `table: Table`), not rebound in the function."""
    found = _parameter_annotation(expr, scope, analysis)
    if found is None:
        return False
    qualified = analysis.resolver.qualify(found[0]) or ""
    return qualified.startswith("sqlalchemy.")


def _parameter_annotation(
    expr: cst.BaseExpression, scope: Scope, analysis: Analysis
) -> tuple[cst.BaseExpression, Scope] | None:
    """The annotation of the parameter `expr` names, and the function's scope, when the
    function does not rebind it before `expr`."""
    if not isinstance(expr, cst.Name):
        return None
    bound = binding_scope(expr.value, scope)
    if bound is None or expr.value not in bound.params or _rebound_before(expr, bound, analysis):
        return None
    annotation = bound.params[expr.value].annotation
    return (annotation.annotation, bound) if annotation is not None else None


def _number_operand(expr: cst.BaseExpression, scope: Scope) -> bool:
    """A number written in the code: a literal, or a module-level (or imported)
    UPPER_CASE constant (`SHARDING_NUMBER`)."""
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    if not isinstance(expr, cst.Name) or not CONSTANT_NAME.fullmatch(expr.value):
        return False
    bound = binding_scope(expr.value, scope)
    return bound is None or bound.is_module


# (Where outside input enters a program is `program_values.INPUT_OBJECTS`; a parameter
# of the function is input too: any caller may pass a string.)
_INPUT_CALLS = frozenset({"builtins.input", "input"})
# Streamlit's widgets that return the text the user typed (`st.text_input("Name")`,
# also on `st.sidebar`). A choice (`selectbox`, `radio`) returns one of the program's
# options, a number or date input a number or a date: none can carry SQL.
_STREAMLIT_WIDGETS = frozenset({"text_input", "text_area", "chat_input", "data_editor"})


def _reads_input(call: cst.Call, analysis: Analysis) -> bool:
    """`input()`, a Streamlit widget, `parser.parse_args()`, or a Flask-WTF form (a
    project class deriving from `FlaskForm`, filled from the request it is made in):
    the user's text."""
    if _is_input_call(analysis.resolver.qualify(call.func) or ""):
        return True
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in COMMAND_LINE_PARSERS:
        return True
    scope = analysis.model.enclosing_scope.get(call)
    ref = analysis.resolver.value_of(call.func, scope).ref if scope is not None else None
    return ref is not None and analysis.resolver.evaluator.derives_from(ref, _REQUEST_FORMS)


# WTForms fields whose `data` is a number, a date or a boolean (the form refuses what
# does not convert), and the choice fields that convert with `coerce=`.
_NON_TEXT_FIELDS = frozenset(
    {
        "IntegerField",
        "FloatField",
        "DecimalField",
        "IntegerRangeField",
        "DecimalRangeField",
        "BooleanField",
        "DateField",
        "DateTimeField",
        "DateTimeLocalField",
        "TimeField",
        "MonthField",
    }
)
_CHOICE_FIELDS = frozenset({"SelectField", "RadioField"})
_NON_TEXT_COERCIONS = frozenset({"int", "float", "bool", "Decimal"})


def _non_text_form_field(expr: cst.Attribute, analysis: Analysis, scope: Scope) -> bool:
    """`form.source.data`, where `form` is a Flask-WTF form of the project whose
    `source` is declared (on its class or a base) a number, date or boolean field, or a
    choice field with `coerce=int`: the form refuses anything else."""
    if expr.attr.value != "data" or not isinstance(expr.value, cst.Attribute):
        return False
    field = expr.value.attr.value
    evaluator = analysis.resolver.evaluator
    ref = analysis.resolver.value_of(expr.value.value, scope).ref
    if ref is None or ref.kind is not RefKind.INSTANCE or ref.module is None:
        return False
    if not evaluator.derives_from(Ref(RefKind.CLASS, ref.module, ref.name), _REQUEST_FORMS):
        return False
    for _, info in evaluator.class_hierarchy(ref.module, ref.name):
        declared = info.attributes.get(field)
        if not declared:
            continue
        return all(_declares_a_non_text_field(value) for value in declared)
    return False


def _declares_a_non_text_field(value: ir.Expr) -> bool:
    if value[0] != "c":
        return False
    name = (ir.dotted(value[1]) or "").rpartition(".")[2]
    if name in _NON_TEXT_FIELDS:
        return True
    coerce = dict(value[3]).get("coerce")
    return (
        name in _CHOICE_FIELDS
        and coerce is not None
        and coerce[0] == "n"
        and coerce[1] in _NON_TEXT_COERCIONS
    )


# Form classes that fill themselves from the request they are made in.
_REQUEST_FORMS = frozenset({"flask_wtf.FlaskForm", "flask_wtf.Form", "flask_wtf.form.FlaskForm"})


def _parsed_command_line(expr: cst.BaseExpression, scope: Scope) -> bool:
    """`args` of `args = parser.parse_args()`: the options the user typed, whatever
    they are called."""
    if not isinstance(expr, cst.Name):
        return False
    bound = binding_scope(expr.value, scope)
    return bound is not None and any(
        isinstance(a.value, cst.Call)
        and isinstance(a.value.func, cst.Attribute)
        and a.value.func.attr.value in COMMAND_LINE_PARSERS
        for a in bound.assignments.get(expr.value, ())
    )


def _formats_a_date(call: cst.Call, analysis: Analysis, scope: Scope) -> bool:
    """`when.strftime("%Y-%m-%d")` with a literal format free of quotes, backslashes
    and semicolons: the date's digits and names, and the format's own text."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "strftime" and call.args):
        return False
    formats = constant_values(call.args[0].value, analysis, scope)
    # (`%Z` is a time zone's name, which the system's settings give.)
    return bool(formats) and not any(
        any(c in text for c in "'\"\\;") or "%Z" in text for text in formats or ()
    )


def _is_input_call(qualified: str) -> bool:
    """A call that returns what the user typed: `input()`, a Streamlit widget."""
    if qualified in _INPUT_CALLS:
        return True
    return qualified.startswith("streamlit.") and qualified.rpartition(".")[2] in (
        _STREAMLIT_WIDGETS
    )


# Untyped parameters that hold a database handle, not input.
HANDLE_NAMES = frozenset(
    {"conn", "connection", "session", "db", "db_session", "cursor", "cur", "engine", "op"}
)


def _literal_keys(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> bool:
    """The keys of the dict `expr` holds are string literals of the code: a dict
    display; a dict comprehension keyed by another such dict's keys (`{k: v for k, v
    in data.items() if v is not None}`); a dataclass's fields (`asdict(feedback)`); or
    a name bound only to such (here, or by every caller of the function whose
    parameter it is) that no computed subscript or `update()` adds to here."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
            for e in expr.elements
        )
    if isinstance(expr, cst.DictComp):
        source = _keys_source(expr)
        if source is not None:
            return _literal_keys(source, analysis, scope, depth + 1)
        # `{lang.id: lang for lang in session.query(Language)}`: keys the program
        # computes from what cannot inject (a number column of loaded objects), over
        # nothing that is evidently input.
        loop: cst.CompFor | None = expr.for_in
        while loop is not None:
            if _evidently_input(loop.iter, analysis, scope, depth + 1):
                return False
            loop = loop.inner_for_in
        return _safe_comprehension(expr, analysis, scope, depth + 1)
    if isinstance(expr, cst.Call):
        return analysis.resolver.qualify(expr.func) == "dataclasses.asdict"
    if not isinstance(expr, cst.Name):
        return False
    bound = binding_scope(expr.value, scope)
    if bound is None or bound.is_module or _keys_added(expr.value, bound, analysis):
        return False
    assignments = bound.assignments.get(expr.value, ())
    if (
        assignments
        and expr.value not in bound.params  # rebound on some path only: still the caller's
        and all(
            a.value is not None and _literal_keys(a.value, analysis, bound, depth + 1)
            for a in assignments
        )
    ):
        return True
    return analysis.contexts.program_values.keys_made_by_program(
        from_cst(expr), analysis.resolver.frame(scope), 0
    )


def _keys_source(comprehension: cst.DictComp) -> cst.BaseExpression | None:
    """The dict whose keys a comprehension keeps as its own: `X` in `{k: ... for k, v
    in X.items()}`, `{k: ... for k in X.keys()}` or `{k: ... for k in X}`."""
    loop = comprehension.for_in
    if loop.inner_for_in is not None or not isinstance(comprehension.key, cst.Name):
        return None
    key = comprehension.key.value
    target: cst.BaseExpression = loop.target
    iterated = loop.iter
    if (
        isinstance(iterated, cst.Call)
        and isinstance(iterated.func, cst.Attribute)
        and not iterated.args
        and iterated.func.attr.value in ("items", "keys")
    ):
        method = iterated.func.attr.value
        iterated = iterated.func.value
        if method == "items":
            if not (isinstance(target, cst.Tuple) and target.elements):
                return None
            target = target.elements[0].value
    if isinstance(target, cst.Name) and target.value == key:
        return iterated
    return None


def _keys_added(name: str, scope: Scope, analysis: Analysis) -> bool:
    """`data[column] = value` or `data.update(...)` in the function: keys it computes."""
    for ref in scope.references.get(name, ()):
        parent = analysis.model.parent(ref)
        if isinstance(parent, cst.Attribute) and parent.attr.value in ("update", "setdefault"):
            return True
        if isinstance(parent, cst.Subscript) and parent.value is ref:
            target = analysis.model.parent(parent)
            if isinstance(target, (cst.AssignTarget, cst.AugAssign)) and not all(
                isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.SimpleString)
                for e in parent.slice
            ):
                return True
    return False


def _non_text_column(expr: cst.Attribute, analysis: Analysis, scope: Scope) -> bool:
    """`repo.repo_id` where `repo` was loaded from the database (here or by the project
    function that returned it) and `Repo.repo_id` is a number, boolean or date column."""
    return analysis.contexts.program_values.non_text_column(
        from_cst(expr.value), expr.attr.value, analysis.resolver.frame(scope)
    )


def _rebound_before(use: cst.Name, function: Scope, analysis: Analysis) -> bool:
    """Whether the parameter `use` names is assigned again, on every path, before `use`
    (`user_id = int(user_id)` at the top of the body): then the caller's value never
    reaches it, and what the name holds is what the function's assignments give it."""
    return any(
        not assignment.via_with and dominates(analysis.model, assignment.node, use)
        for assignment in function.assignments.get(use.value, ())
    )


def _declared_not_text(name: str, function: Scope, analysis: Analysis) -> bool:
    """A parameter that the function's click decorators convert to a number, a flag, a
    date or one of a few literals before the function runs, or its route to a number
    (`@app.route("/station/<int:kiosk_id>")`)."""
    node = function.node
    return isinstance(node, cst.FunctionDef) and (
        name in not_text_parameters(node, analysis.resolver.qualify)
        or name in converted_route_parameters(node)
    )


def _filled_by_pytest(function: Scope, analysis: Analysis) -> bool:
    """A test or fixture: its parameters are fixtures, data the test suite made itself."""
    return analysis.resolver.pytest_module and receives_fixtures(function)


# Methods of a query (legacy or 2.0) whose arguments pick rows; the rows are the
# database's.
_ROW_LOADING_METHODS = frozenset(
    {
        "filter", "filter_by", "where", "first", "one", "one_or_none", "first_or_404",
        "get_or_404", "one_or_404", "scalar", "scalars", "order_by", "limit", "offset",
    }
)  # fmt: skip


def _no_outside_input(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> bool:
    """Whether nothing in `expr` comes from outside the program: it reads attributes,
    items and call results of objects the code made or fetched (a row of a query, a
    model's columns, `self.table()`), never a parameter or a request. Values read from
    the database are taken as the program's own (second-order injection is not
    followed); a value derived from a parameter or a request is input."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Name):
        name = expr.value
        if name in ("self", "cls", "True", "False", "None"):
            return True
        bound = binding_scope(name, scope)
        if bound is None or bound.is_module:
            qualified = analysis.resolver.qualify(expr) or ""
            if qualified in INPUT_OBJECTS or qualified in _INPUT_CALLS:
                return False
            # `first_name = st.text_input("First name")`, `args = parser.parse_args()`
            # at a script's top level.
            return bound is None or not any(
                isinstance(a.value, cst.Call) and _reads_input(a.value, analysis)
                for a in bound.assignments.get(name, ())
            )
        if name in bound.params and not _rebound_before(expr, bound, analysis):
            if name in HANDLE_NAMES or _declared_not_text(name, bound, analysis):
                return True
            if _filled_by_pytest(bound, analysis):
                return True
            if _checked_against_allowed_values(name, bound, analysis):
                return True
            if _only_given_constants(name, bound, analysis):
                return True  # `columns.items()` where every call passes a dict literal
            return analysis.resolver.kind_of(expr, scope) is not None  # a typed handle
        key = (name, id(bound))
        if key in _VISITING.names:
            return True
        _VISITING.names.add(key)
        try:
            assignments = bound.assignments.get(name, ())
            for assignment in assignments:
                if assignment.value is not None and not assignment.via_with:
                    value: cst.BaseExpression = assignment.value
                elif isinstance(assignment.node, cst.For):
                    value = assignment.node.iter
                else:
                    continue
                if not _no_outside_input(value, analysis, bound, depth + 1):
                    return False
            return all(
                _safe_value(v, analysis, bound, depth + 1)
                for v in augmented_values(name, bound, analysis)
            )
        finally:
            _VISITING.names.discard(key)
    if isinstance(expr, cst.Await):
        return _no_outside_input(expr.expression, analysis, scope, depth + 1)
    if isinstance(expr, cst.Comparison):
        # `ll.c.comment == text`: a bool, or a clause SQLAlchemy binds the value of (the
        # rows a query filtered with it read are the database's, as any query's)
        return True
    if isinstance(expr, (cst.Attribute, cst.Subscript)):
        if isinstance(expr, cst.Attribute) and analysis.resolver.qualify(expr) in INPUT_OBJECTS:
            return False
        return _no_outside_input(expr.value, analysis, scope, depth + 1)
    if isinstance(expr, cst.Call):
        if _reads_input(expr, analysis):
            return False
        parts: list[cst.BaseExpression] = [a.value for a in expr.args]
        if isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value in _ROW_LOADING_METHODS:
                # `Members.query.filter_by(member_id=form.username.data).first()`: the
                # rows the database gives, whatever picked them.
                parts = []
            parts.append(expr.func.value)
        return all(
            # Which database a query reads (`read_sql(query, engine)` with an engine
            # whose URL comes from the environment) does not make its rows input.
            _no_outside_input(p, analysis, scope, depth + 1)
            or analysis.resolver.kind_of(p, scope) is not None
            for p in parts
        )
    return _safe_value(expr, analysis, scope, depth + 1)


_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?(.)")


def _numeric_conversions_only(template: str) -> bool:
    """Whether every `%` conversion in `template` formats a number (`%d`, `%5.2f`)."""
    kinds = [m.group(1) for m in _CONVERSION.finditer(template)]
    return bool(kinds) and all(k in "diouxXeEfFgG%" for k in kinds) and any(k != "%" for k in kinds)


_SLUG_FUNCTIONS = frozenset({"slugify.slugify", "django.utils.text.slugify", "slugify"})


def _inside_membership_branch(use: cst.CSTNode, analysis: Analysis) -> bool:
    """Whether `use` (a name) is inside the body of an `if`/`elif` whose test requires
    the name to be one of a literal set of values (`elif sort in ["title", "id"]:`), or
    made of letters and digits only (`if search.isalnum():`)."""
    assert isinstance(use, cst.Name)
    child: cst.CSTNode = use
    for ancestor in analysis.model.ancestors(use):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.Module)):
            return False
        if (
            isinstance(ancestor, cst.If)
            and child is ancestor.body
            and _requires_membership(ancestor.test, use.value)
        ):
            return True
        child = ancestor
    return False


def _requires_membership(test: cst.BaseExpression, name: str) -> bool:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _requires_membership(test.left, name) or _requires_membership(test.right, name)
    if _passes_only_word_characters(test, name):
        return True  # `if search.isalnum(): text(f"... ILIKE '%{search}%'")`
    if _ordered_against_a_number(test, name):
        return True  # `if w_size > 1:`: a text there raises TypeError first
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    return (
        isinstance(target.operator, cst.In)
        and isinstance(test.left, cst.Name)
        and test.left.value == name
        and isinstance(target.comparator, (cst.List, cst.Tuple, cst.Set))
        and all(
            isinstance(e, cst.Element) and isinstance(e.value, (cst.SimpleString, cst.Integer))
            for e in target.comparator.elements
        )
    )


# Methods of a query that take a SQL fragment (`select(...).order_by(text(sort))`).
_CLAUSE_METHODS = frozenset({"where", "filter", "order_by", "group_by", "having", "distinct"})
# String methods that give back the text they are called on, trimmed or recased.
_TRIMMING_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "removeprefix", "removesuffix"}
)


_CONDITION_PARTS = (cst.ComparisonTarget, cst.Comparison, cst.BooleanOperation, cst.UnaryOperation)


def clause_fragment(call: cst.Call, analysis: Analysis) -> str | None:
    """The query method (`order_by`, `where`, ...) that gets the result of `call` as
    one of its arguments, or None."""
    parents = analysis.model.ancestors(call)
    arg = next(parents, None)
    # `.filter(League.name == text(league))`: a part of the condition given.
    while isinstance(arg, _CONDITION_PARTS):
        arg = next(parents, None)
    method = next(parents, None)
    if not isinstance(arg, cst.Arg) or not isinstance(method, cst.Call):
        return None
    func = method.func
    if isinstance(func, cst.Attribute) and func.attr.value in _CLAUSE_METHODS:
        return func.attr.value
    return None


def passed_through(expr: cst.BaseExpression, analysis: Analysis, scope: Scope) -> str | None:
    """How a finding names `expr` when it is text handed on unchanged from where it
    entered: a request's or the command line's content, or what a project function
    makes of it (`request.args["sort"]`, `convert_sort(sort)`), directly or through a
    local (`order = request.args.get("order")`); or the function's parameter, directly
    or through a local bound only to it, maybe trimmed (`column =
    order_by.removeprefix("-")`), that its callers are not known to fill with the
    program's own values. None otherwise, and for what `_safe_value` accepts."""
    if isinstance(expr, (cst.Call, cst.Subscript, cst.Attribute)):
        if _evidently_input(expr, analysis, scope, 0) and not _safe_value(expr, analysis, scope, 0):
            return analysis.model.module.code_for_node(expr)
        return None
    if not isinstance(expr, cst.Name):
        return None
    bound = binding_scope(expr.value, scope)
    if bound is None:
        return None
    if expr.value not in bound.params and _evidently_input(expr, analysis, scope, 0):
        return None if _safe_value(expr, analysis, scope, 0) else expr.value
    if not isinstance(bound.node, cst.FunctionDef):
        return None
    use = expr
    if expr.value not in bound.params:
        reaching = _reaching(expr, bound, analysis)
        value = _untrimmed(reaching[0].value) if len(reaching) == 1 else None
        if not isinstance(value, cst.Name):
            return None
        use = value
    name = use.value
    if name not in bound.params or name in bound.assignments:
        return None
    if bound.class_info is not None and name == next(iter(bound.params)):
        return None  # `self`
    return None if _safe_value(use, analysis, bound, 0) else name


def _untrimmed(value: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`name` of `name.strip()`, `name.removeprefix("-").lower()`, ...: the text a
    chain of trimming and recasing methods is called on."""
    while (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in _TRIMMING_METHODS
    ):
        value = value.func.value
    return value


def _maps_through_a_table(call: cst.Call, analysis: Analysis, scope: Scope, depth: int) -> bool:
    """`map(columns.__getitem__, fields)` (or `columns.get`) over a fixed table of
    constants: each item is one of the table's values, whatever the keys."""
    if not (
        isinstance(call.func, cst.Name)
        and call.func.value == "map"
        and analysis.resolver.qualify(call.func) is None
        and len(call.args) == 2
    ):
        return False
    lookup = call.args[0].value
    if not (isinstance(lookup, cst.Attribute) and lookup.attr.value in ("__getitem__", "get")):
        return False
    table = _fixed_table(lookup.value, analysis, scope, depth + 1)
    return table is not None and (lookup.attr.value == "__getitem__" or table[0])


def _driver_escape(call: cst.Call, analysis: Analysis, scope: Scope) -> bool:
    """`connection.escape(value)`, `conn.escape_string(value)`: a DBAPI connection's
    (PyMySQL's, MySQLdb's) escape of a value as a SQL literal. Called on a connection or
    a cursor: a known one, or a parameter or local named as one (`html.escape` and
    `re.escape` escape for other languages)."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and func.attr.value in _DRIVER_ESCAPES
        and len(call.args) == 1
        and isinstance(func.value, cst.Name)
    ):
        return False
    receiver = func.value
    kind = analysis.resolver.value_of(receiver, scope).kind
    if kind is not None:
        return kind in _ESCAPING_HANDLES
    return receiver.value in HANDLE_NAMES and analysis.resolver.qualify(receiver) is None


_DRIVER_ESCAPES = frozenset({"escape", "escape_string", "literal"})
_ESCAPING_HANDLES = frozenset({Kind.RAW_CONNECTION})


def _escapes_quotes(call: cst.Call) -> bool:
    """`value.replace("'", "''")`: SQL's own escape of a quote inside a quoted literal."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "replace" or len(call.args) != 2:
        return False
    first, second = (a.value for a in call.args)
    return (
        isinstance(first, cst.SimpleString)
        and isinstance(second, cst.SimpleString)
        and string_literal(first) == "'"
        and string_literal(second) == "''"
    )


def _only_given_constants(name: str, scope: Scope, analysis: Analysis) -> bool:
    """A parameter that every call in the project gives a literal, or leaves at a
    literal default (`_update_sequence("users", "users_id_seq")`,
    `restart_sequence("usersetting")`). What the program passes is what reaches the
    SQL; a function nothing in the project calls is taken to be called with input."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return False
    resolver = analysis.resolver
    qualname = resolver.frame(scope).function
    repetitions = analysis.contexts.repetitions
    params = [*node.params.posonly_params, *node.params.params]
    defaulted = any(
        p.name.value == name and p.default is not None and _literal_default(p.default)
        for p in (*params, *node.params.kwonly_params)
    )
    names = [p.name.value for p in params]
    unbound_position = names.index(name) if name in names else None
    # A function of a class body with no `self` (`def box(tariff, region)`), called
    # through the class (`graphs.box(t, r)`), is given every parameter.
    selfless = bool(names) and names[0] not in ("self", "cls")
    if scope.class_info is not None and names and not _is_static(node):
        names = names[1:]  # `self` / `cls` is not passed at the call
    position = names.index(name) if name in names else None
    if repetitions.only_the_suite_calls(resolver.key, qualname):
        return True  # a test's helper, given the suite's own data
    callers = repetitions.callers(resolver.key, qualname)
    if not callers or repetitions.calls_it_cannot_resolve(resolver.key, qualname):
        return False
    if repetitions.only_tests_call(resolver.key, qualname):
        return False  # an API: its users pass what they like
    callers = repetitions.program_callers(resolver.key, qualname)
    star_kwarg = node.params.star_kwarg
    if isinstance(star_kwarg, cst.Param) and star_kwarg.name.value == name:
        # `**flags`: the keyword arguments no other parameter takes, at every call
        named = {p.name.value for p in (*params, *node.params.kwonly_params)}
        return all(
            caller.registration is None
            and "*" not in caller.site.arguments
            and all(
                keyword in named
                or given == CONSTANT_ARGUMENT
                or _code_constant(given, caller, analysis)
                for keyword, _, given in (
                    a.partition("=")
                    for a in caller.site.arguments
                    if "=" in a and not a.startswith("#")
                )
            )
            for caller in callers
        )
    for caller in callers:
        if caller.registration is not None:
            return False
        arguments = caller.site.arguments
        through_class = (
            selfless
            and position != unbound_position
            and analysis.contexts.program_values.calls_through_the_class(caller)
        )
        given = caller.site.argument_for(name, unbound_position if through_class else position)
        if given is None and defaulted and not any(a.startswith("*") for a in arguments):
            continue  # left at its literal default
        if given is None:
            return False  # not passed, and no literal default
        if given == CONSTANT_ARGUMENT or _code_constant(given, caller, analysis):
            continue
        if not analysis.contexts.program_values.argument(given, caller, 1):
            return False  # not a value the caller made (a number, its own safe parameter, ...)
    return True


def _literal_default(default: cst.BaseExpression) -> bool:
    if isinstance(default, (cst.SimpleString, cst.Integer, cst.Float)):
        return True
    return isinstance(default, cst.Name) and default.value in ("None", "True", "False")


def _code_constant(written: str | None, caller: Caller, analysis: Analysis) -> bool:
    """An argument that names something the code defines: a class (`_migrate(User)`),
    an UPPER_CASE constant."""
    if not written or not all(part.isidentifier() for part in written.split(".")):
        return False
    if CONSTANT_NAME.fullmatch(written.rpartition(".")[2]):
        receiver, _, attr = written.partition(".")
        # `self.SYMBOL` that a method sets on the instance is the object's value.
        return receiver != "self" or not analysis.contexts.program_values.set_on_instances(
            caller, attr
        )
    parts = written.split(".")
    if len(parts) > 2 and parts[-1] in ("name", "value") and CONSTANT_NAME.fullmatch(parts[-2]):
        return True  # `UdfLanguage.SQL.value`: an enum member's value or name
    evaluator = analysis.resolver.evaluator
    frame = (
        evaluator.function_frame(caller.module, caller.function) if caller.function else None
    ) or evaluator.module_frame(caller.module)
    if frame is None:
        return False
    parts = written.split(".")
    expr: tuple[object, ...] = ("n", parts[0])
    owner: tuple[object, ...] | None = None
    for part in parts[1:]:
        owner, expr = expr, ("a", expr, part)
    value = evaluator.value(expr, frame)
    if value.ref is not None and value.ref.kind is RefKind.CLASS:
        return True
    # `column_exists(conn, User.mfa)`: an attribute of a class of the project (a mapped
    # column, a table), one of the program's own schema objects.
    found = evaluator.value(owner, frame).ref if owner is not None else None
    return found is not None and found.kind is RefKind.CLASS


def _is_static(node: cst.FunctionDef) -> bool:
    return any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
        for d in node.decorators
    )


def _checked_against_allowed_values(
    name: str, scope: Scope, analysis: Analysis, refuse_only: bool = False, depth: int = 0
) -> bool:
    """Whether the function checks `name` against a set of allowed values and refuses or
    replaces any other: `if sort not in COLUMNS: sort = "id"`, `if order.upper() not in
    ("ASC", "DESC"): raise ValueError(...)`, `if not x in allowed: return`; or first hands
    it to a function of the module that raises on any other (`validate_entity(entity)`).
    `refuse_only`: only a raise (or abort) counts, as in such a validator."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return False
    for test, body in _if_statements(node):
        if not _tests_membership_of(test, name) and not _tests_characters_of(test, name):
            continue
        statements = [
            small
            for statement in body
            for small in (statement.body if isinstance(statement, cst.SimpleStatementLine) else [])
        ]

        def ends(small: cst.BaseSmallStatement) -> bool:
            if refuse_only:
                return _refuses(small)
            return _refuses_or_replaces(small, name, analysis, scope)

        # Each statement refuses or replaces the value; or the last does, and those before
        # it are calls that say why (`logger.critical("Available tables: %s", tables)`).
        if statements and (
            all(ends(small) for small in statements)
            or (
                all(
                    isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
                    for small in statements[:-1]
                )
                and ends(statements[-1])
            )
        ):
            return True
    return (depth < 2 and _validated_by_a_call(name, scope, analysis, depth)) or (
        _validated_by_a_lookup(name, scope, analysis)
    )


def _validated_by_a_lookup(name: str, scope: Scope, analysis: Analysis) -> bool:
    """`model = allmodels[f"model{station}"]` as a statement of the function's own
    body, where `allmodels` is a dict display of the module (`allmodels = {}`, filled
    with the program's keys): a key it does not hold raises `KeyError` first."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return False
    top_level = {id(s) for s in node.body.body}
    for reference in scope.references.get(name, ()):
        key: cst.CSTNode = reference
        parent = analysis.model.parent(key)
        if isinstance(parent, cst.FormattedStringExpression):
            formatted = analysis.model.parent(parent)
            if (
                not isinstance(formatted, cst.FormattedString)
                or sum(isinstance(p, cst.FormattedStringExpression) for p in formatted.parts) != 1
            ):
                continue
            key, parent = formatted, analysis.model.parent(formatted)
        index = parent if isinstance(parent, cst.Index) else None
        element = analysis.model.parent(index) if index is not None else None
        subscript = analysis.model.parent(element) if element is not None else None
        if not (
            isinstance(subscript, cst.Subscript)
            and len(subscript.slice) == 1
            and isinstance(subscript.value, cst.Name)
            and _module_dict(subscript.value.value, scope, analysis)
            and _read_there(subscript, analysis)
        ):
            continue
        statement = analysis.model.statement_of(subscript)
        if id(analysis.model.parent(statement)) in top_level:
            return True  # always runs: not inside an `if`, a loop or a `try`
    return False


def _module_dict(name: str, scope: Scope, analysis: Analysis) -> bool:
    """A name the module binds, once, to a dict display (and no function rebinds)."""
    bound = binding_scope(name, scope)
    if bound is None or not bound.is_module:
        return False
    assignments = bound.assignments.get(name, [])
    return len(assignments) == 1 and isinstance(assignments[0].value, cst.Dict)


def _read_there(subscript: cst.Subscript, analysis: Analysis) -> bool:
    """`table[key]` read (bound, passed on), not assigned to or deleted."""
    parent = analysis.model.parent(subscript)
    if isinstance(parent, (cst.AssignTarget, cst.Del)):
        return False
    return not (isinstance(parent, cst.AugAssign) and parent.target is subscript)


def _validated_by_a_call(name: str, scope: Scope, analysis: Analysis, depth: int) -> bool:
    """`entity_mbid = to_entity_mbid(entity)` as a statement of the function's own body,
    where `to_entity_mbid` is a function of this module that raises unless its
    parameter is one of a set of allowed values."""
    node = scope.node
    assert isinstance(node, cst.FunctionDef)
    if not isinstance(node.body, cst.IndentedBlock):
        return False
    top_level = {id(s) for s in node.body.body}
    for reference in scope.references.get(name, ()):
        arg = analysis.model.parent(reference)
        call = analysis.model.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(arg, cst.Arg) or not isinstance(call, cst.Call):
            continue
        if arg.value is not reference:
            continue
        helper = _module_helper(call.func, scope, analysis)
        if helper is None:
            continue
        statement = analysis.model.statement_of(call)
        if id(analysis.model.parent(statement)) not in top_level:
            continue  # only a check that always runs: not inside an `if` or a loop
        param = _parameter_for(call, arg, helper, bound=isinstance(call.func, cst.Attribute))
        if param is not None and _checked_against_allowed_values(
            param, helper, analysis, refuse_only=True, depth=depth + 1
        ):
            return True
    return False


def _module_helper(func: cst.BaseExpression, scope: Scope, analysis: Analysis) -> Scope | None:
    """The function of this module that `func` names: a module function by its name, or
    a method of the class around `scope` (or of a base class of the module) called on
    `self` or `cls` (`self._check_kind(kind)`)."""
    if isinstance(func, cst.Name):
        helper = analysis.model.functions.get(func.value)
        if helper is None or binding_scope(func.value, scope) not in (None, helper.parent):
            return None
        return helper
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
        and scope.class_info is not None
        and scope.parent is not None
    ):
        return None
    classes = [scope.class_info.name]
    found: Scope | None = None
    while classes and found is None:
        current = classes.pop(0)
        for child in scope.parent.children:
            info = child.class_info
            if info is None or info.name != current:
                continue
            if child.name == func.attr.value:
                found = child
                break
            classes.extend(b for b in info.base_names if b not in classes)
    return found


def _parameter_for(
    call: cst.Call, arg: cst.Arg, function: Scope, bound: bool = False
) -> str | None:
    """The parameter of `function` that `arg` of `call` fills; `bound`: a method called
    on `self` or `cls`, which fills its first parameter itself."""
    if arg.keyword is not None:
        return arg.keyword.value if arg.keyword.value in function.params else None
    if arg.star:
        return None
    node = function.node
    assert isinstance(node, cst.FunctionDef)
    positional = [*node.params.posonly_params, *node.params.params]
    if bound and not _is_static(node):
        positional = positional[1:]
    index = [a for a in call.args if a.keyword is None].index(arg)
    return positional[index].name.value if index < len(positional) else None


def _refuses(statement: cst.BaseSmallStatement) -> bool:
    """`raise ...`, `abort(400)`: the value goes no further."""
    if isinstance(statement, cst.Raise):
        return True
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
        callee = statement.value.func
        return isinstance(callee, (cst.Name, cst.Attribute)) and (
            (callee.value if isinstance(callee, cst.Name) else callee.attr.value)
            in ("abort", "exit")
        )
    return False


def _if_statements(
    function: cst.FunctionDef,
) -> Iterator[tuple[cst.BaseExpression, Sequence[cst.BaseStatement]]]:
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.If) and isinstance(node.body, cst.IndentedBlock):
            yield node.test, node.body.body
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not function:
            continue
        stack.extend(node.children)


def _tests_membership_of(test: cst.BaseExpression, name: str) -> bool:
    """`name not in C`, `name.lower() not in C`, `not name in C`, and range checks
    against numbers (`if year < 2002 or year > 2025: raise`: a string would raise)."""
    if _compares_with_numbers(test, name):
        return True
    negated = False
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, negated = test.expression, True
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    operator = test.comparisons[0].operator
    wanted = cst.In if negated else cst.NotIn
    if not isinstance(operator, wanted):
        return False
    left = test.left
    if (
        isinstance(left, cst.Call)
        and isinstance(left.func, cst.Attribute)
        and left.func.attr.value in ("lower", "upper", "strip", "casefold")
    ):
        left = left.func.value
    return isinstance(left, cst.Name) and left.value == name


def _keeps_word_characters(call: cst.Call, analysis: Analysis) -> bool:
    """`re.sub(r"[^a-z0-9_]", "", name)`: a value stripped of every character but
    letters, digits and underscores, which can close no quote and start no clause."""
    if analysis.resolver.qualify(call.func) != "re.sub":
        return False
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    if (
        len(positional) != 3
        or "count" in keywords
        or len(positional) + len(keywords) != len(call.args)
    ):
        return False  # a fourth argument is `count`: only the first ones are replaced
    if not all(isinstance(node, cst.SimpleString) for node in positional[:2]):
        return False
    pattern, replacement = (string_literal(node) for node in positional[:2])  # type: ignore[arg-type]
    return (
        pattern is not None
        and replacement is not None
        and WORD_TEXT.fullmatch(replacement) is not None
        and replaces_all_but_word_characters(pattern)
    )


def _tests_characters_of(test: cst.BaseExpression, name: str) -> bool:
    """`not name.isidentifier()`, `not name.replace("_", "").isalnum()`, `not
    re.fullmatch(r"[a-z0-9_]+", name)`: a test that passes only values made of
    letters, digits and underscores, which can close no quote and start no clause."""
    if not isinstance(test, cst.UnaryOperation) or not isinstance(test.operator, cst.Not):
        return False
    return _passes_only_word_characters(test.expression, name)


def _passes_only_word_characters(call: cst.BaseExpression, name: str) -> bool:
    """`name.isalnum()`, `name.replace("_", "").isalnum()`, `re.fullmatch(r"\\w+",
    name)`: true only of values made of letters, digits and underscores."""
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    method = call.func.attr.value
    if method in CHARACTER_TESTS and not call.args:
        subject = call.func.value
        while (
            isinstance(subject, cst.Call)
            and isinstance(subject.func, cst.Attribute)
            and subject.func.attr.value in STRING_STEPS
        ):
            subject = subject.func.value
        return isinstance(subject, cst.Name) and subject.value == name
    if (
        method in ("fullmatch", "match")
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == "re"
        and len(call.args) >= 2
        and isinstance(call.args[0].value, cst.SimpleString)
        and isinstance(call.args[1].value, cst.Name)
        and call.args[1].value.value == name
    ):
        return matches_only_word_characters(method, string_literal(call.args[0].value) or "")
    return False


_NON_TEXT_TYPES = frozenset(
    {"int", "float", "bool", "Decimal", "date", "datetime", "time", "UUID", "uuid.UUID"}
)


def _not_text(annotation: cst.BaseExpression) -> bool:
    """An annotation of a type that is not text (`int`, `datetime`, `UUID`), or of
    such a type or None (`Optional[int]`, `Union[int, None]`, `int | None`)."""
    if isinstance(annotation, cst.Name):
        return annotation.value in _NON_TEXT_TYPES
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value in _NON_TEXT_TYPES
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return all(_not_text_or_none(side) for side in (annotation.left, annotation.right))
    if isinstance(annotation, cst.Subscript):
        base = annotation.value
        name = base.value if isinstance(base, cst.Name) else None
        if isinstance(base, cst.Attribute):
            name = base.attr.value
        members = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        return (
            name in ("Optional", "Union")
            and bool(members)
            and all(_not_text_or_none(m) for m in members)
        )
    return False


def _not_text_or_none(annotation: cst.BaseExpression) -> bool:
    return (isinstance(annotation, cst.Name) and annotation.value == "None") or _not_text(
        annotation
    )


def _sqlalchemy_type(annotation: cst.BaseExpression, analysis: Analysis) -> bool:
    """`sqlalchemy.types.TypeEngine` (or a subclass of SQLAlchemy's): formatted, a
    column type renders its DDL name (`VARCHAR(50)`), which SQLAlchemy writes."""
    qualified = analysis.resolver.qualify(annotation) or ""
    return qualified.startswith("sqlalchemy.") and qualified.rpartition(".")[2] == "TypeEngine"


def _ordered_against_a_number(test: cst.BaseExpression, name: str, constants: bool = False) -> bool:
    """`name > 1`, `0 <= name < 10`: only a number passes (a text raises TypeError).
    `constants`: an `UPPER_CASE` name counts as the number too (`year > MAX_YEAR`)."""
    if not isinstance(test, cst.Comparison):
        return False
    operands = [test.left, *(c.comparator for c in test.comparisons)]
    return (
        all(
            isinstance(
                c.operator,
                (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual),
            )
            for c in test.comparisons
        )
        and any(isinstance(o, cst.Name) and o.value == name for o in operands)
        and any(
            isinstance(o, (cst.Integer, cst.Float))
            or (
                constants
                and isinstance(o, cst.Name)
                and CONSTANT_NAME.fullmatch(o.value) is not None
            )
            for o in operands
        )
    )


def _compares_with_numbers(test: cst.BaseExpression, name: str) -> bool:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.BooleanOperation):
        return _compares_with_numbers(test.left, name) or _compares_with_numbers(test.right, name)
    return _ordered_against_a_number(test, name, constants=True)


def _refuses_or_replaces(
    statement: cst.BaseSmallStatement, name: str, analysis: Analysis, scope: Scope
) -> bool:
    if isinstance(statement, (cst.Return, cst.Continue, cst.Break)) or _refuses(statement):
        return True
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target = statement.targets[0].target
        return (
            isinstance(target, cst.Name)
            and target.value == name
            and constant_values(statement.value, analysis, scope) is not None
        )
    return False


def _quotes_identifier(call: cst.Call, analysis: Analysis, scope: Scope) -> bool:
    """`dialect.identifier_preparer.quote(name)` (or a name bound to the preparer), or
    SQLAlchemy-Utils' `quote(conn, name)`: a quoted identifier, escaped, cannot inject."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _IDENTIFIER_PREPARER_METHODS:
        if _is_identifier_preparer(func.value):
            return True
        if isinstance(func.value, cst.Name):
            return every_binding(
                func.value.value, scope, lambda value, _: _is_identifier_preparer(value)
            )
    return analysis.resolver.qualify(func) in _IDENTIFIER_QUOTING_FUNCTIONS


def _is_compiled_sql(call: cst.Call, analysis: Analysis) -> bool:
    """`col.type.compile(dialect)`, `stmt.compile(...)`,
    `dialect.type_compiler.process(type_)`, and `str()` of one: SQL that SQLAlchemy
    rendered from its own constructs, values bound or escaped by the dialect; and
    `cursor.mogrify(sql, params)` (decoded or not): SQL the driver rendered with the
    values escaped."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "compile":
        return True
    if isinstance(func, cst.Attribute) and func.attr.value == "decode" and not call.args:
        # `cursor.mogrify(sql, params).decode()`: bytes of SQL the driver rendered
        inner = func.value
        return isinstance(inner, cst.Call) and _is_compiled_sql(inner, analysis)
    if isinstance(func, cst.Attribute) and func.attr.value == "mogrify" and call.args:
        return True  # psycopg's `cursor.mogrify(sql, params)`: the values escaped
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == "process"
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value in ("type_compiler", "type_compiler_instance")
    ):
        return True  # `dialect.type_compiler.process(col_type)`: the type's DDL
    return (
        isinstance(func, cst.Name)
        and func.value == "str"
        and analysis.resolver.qualify(func) is None
        and len(call.args) == 1
        and isinstance(call.args[0].value, cst.Call)
        and _is_compiled_sql(call.args[0].value, analysis)
    )


def _is_identifier_preparer(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Attribute) and expr.attr.value == "identifier_preparer"


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
    expr: cst.GeneratorExp | cst.ListComp | cst.DictComp,
    analysis: Analysis,
    scope: Scope,
    depth: int,
) -> bool:
    """`f":id{i}" for i in range(n)`: the element is safe when the loop variables count
    up from `range()` / `enumerate()` indexes or iterate over safe values, or take only
    identifiers' places (`f":{key}" for key in row.keys()`, `f'"{column}"'`) and
    iterate over what is not evidently input (see `_chosen_identifier`)."""
    safe_names: set[str] = set()
    chosen_names: set[str] = set()
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
        counted = _counted(iterator, targets, analysis)
        if counted == "all" or _safe_value(iterator, analysis, scope, depth + 1):
            safe_names.update(names)
        elif counted == "index" and names:
            safe_names.add(names[0])  # the index; the item stays unknown
        elif not _evidently_input(iterator, analysis, scope, depth + 1):
            chosen_names.update(names)
        comp = comp.inner_for_in
    element = expr.key if isinstance(expr, cst.DictComp) else expr.elt
    return _safe_element(element, safe_names, analysis, scope, depth + 1, chosen_names)


def _counted(
    iterator: cst.BaseExpression, target: cst.BaseExpression, analysis: Analysis
) -> str | None:
    """What of a loop's target counts up, an integer: "all" for `for i in
    range(n)`, "index" for `for i, item in enumerate(items)` (its first name)."""
    if not (
        isinstance(iterator, cst.Call)
        and isinstance(iterator.func, cst.Name)
        and analysis.resolver.qualify(iterator.func) is None
    ):
        return None
    if iterator.func.value == "range":
        return "all"
    if iterator.func.value == "enumerate" and isinstance(target, cst.Tuple):
        return "index"
    return None


def _safe_element(
    elt: cst.BaseExpression,
    safe_names: set[str],
    analysis: Analysis,
    scope: Scope,
    depth: int,
    chosen_names: frozenset[str] | set[str] = frozenset(),
) -> bool:
    """A comprehension's element: made of `safe_names`, safe values, and (in an
    f-string) `chosen_names` in identifiers' places."""
    if isinstance(elt, cst.Name) and elt.value in safe_names:
        return True
    if isinstance(elt, cst.Subscript) and _safe_element(
        elt.value, safe_names, analysis, scope, depth + 1
    ):
        return True  # `pair[0]` of a pair of safe values
    if isinstance(elt, cst.Tuple) and all(
        isinstance(e, cst.Element) and _safe_element(e.value, safe_names, analysis, scope, depth)
        for e in elt.elements
    ):
        return True  # `"(:id%d, :name%d)" % (i, i)`
    if isinstance(elt, cst.FormattedString):
        for index, part in enumerate(elt.parts):
            if not isinstance(part, cst.FormattedStringExpression):
                continue
            value = part.expression
            if isinstance(value, cst.Name) and value.value in chosen_names:
                if not names_identifier(*_fstring_texts(elt, index)):
                    return False
            elif not _safe_element(value, safe_names, analysis, scope, depth + 1):
                return False
        return True
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
            if value is not None:
                return _safe_value(value, analysis, scope, depth + 1)
            if assignment.unpacked is None:
                return False
            # `table, column = pick()`: its item of what the function returns.
            unpacked, index = assignment.unpacked
            return analysis.contexts.program_values.made_by_program(
                ir.item_of(from_cst(unpacked), index), analysis.resolver.frame(scope), 0, 0
            )
        # `for view in MATERIALIZED_VIEWS:` takes its values from a constant collection;
        # `for i in range(n)` and the index of `enumerate()` count up.
        if not isinstance(node, (cst.For, cst.CompFor)):
            return False
        counted = _counted(node.iter, node.target, analysis)
        if counted == "all" or (
            counted == "index"
            and isinstance(node.target, cst.Tuple)
            and isinstance(node.target.elements[0].value, cst.Name)
            and node.target.elements[0].value.value == assignment.name
        ):
            return True
        return _safe_value(node.iter, analysis, scope, depth + 1)
    return _safe_value(assignment.value, analysis, scope, depth + 1)


# -- where SQL goes -----------------------------------------------------------------------


def statement_argument(call: cst.Call) -> cst.Arg | None:
    """The statement passed to `execute()`: the first positional argument or `statement=`."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg
        if arg.keyword is not None and arg.keyword.value in ("statement", "sql", "query"):
            return arg
    return None


@dataclass(frozen=True)
class Receiver:
    """A SQLAlchemy connection or session whose `execute()` takes a statement."""

    kind: Kind | None  # None: SQLAlchemy's, but whether connection or session is unknown


# `alembic.op.get_bind()`: the migration's Connection. Alembic opens and closes it, so it is a
# statement receiver for the SQL rules but never a resource the lifetime rules follow.
_BORROWED_CONNECTIONS = frozenset({"alembic.op.get_bind", "alembic.context.get_bind"})
_ENTERED_METHODS = frozenset({"begin", "connect"})


def statement_receiver(call: cst.Call, analysis: Analysis, scope: Scope) -> Receiver | None:
    """What `x` is in `x.execute(...)`, when it is a SQLAlchemy connection or session."""
    if not isinstance(call.func, cst.Attribute):
        return None
    receiver = call.func.value
    kind = analysis.contexts.handle_kind(receiver, scope)
    if kind in STATEMENT_RECEIVERS:
        return Receiver(kind)
    if kind is not None:
        return None
    if _is_borrowed_connection(receiver, analysis, scope):
        return Receiver(Kind.CONNECTION)
    if isinstance(receiver, cst.Name):
        return _receiver_by_use(receiver.value, analysis, scope)
    return None


def _is_borrowed_connection(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> bool:
    if isinstance(expr, cst.Call):
        return analysis.resolver.qualify(expr.func) in _BORROWED_CONNECTIONS
    if isinstance(expr, cst.Name) and depth <= _MAX_DEPTH:
        return every_binding(
            expr.value,
            scope,
            lambda value, bound: _is_borrowed_connection(value, analysis, bound, depth + 1),
        )
    return False


def _receiver_by_use(name: str, analysis: Analysis, scope: Scope) -> Receiver | None:
    """`with warehouse.begin() as conn:` (or `conn = engine.connect()`) where
    `warehouse` is of unknown kind, when the function also runs
    `conn.exec_driver_sql(...)` or `conn.execute(text(...))` (or another SQLAlchemy
    construct): only a SQLAlchemy connection or session takes those."""
    bound = binding_scope(name, scope)
    if bound is None:
        return None
    if name in bound.params:
        # `def drop_schema(session, ...)`: a parameter the function also gives
        # `text(...)` or `exec_driver_sql()` to, unannotated, is SQLAlchemy's.
        param = bound.params[name]
        if (
            param.annotation is None
            and name not in bound.assignments
            and _sqlalchemy_uses(name, bound, analysis) is not None
        ):
            return Receiver(None)
        return None
    assignments = bound.assignments.get(name, ())
    entered: list[cst.Call] = []
    for assignment in assignments:
        item = assignment.value
        if (
            not isinstance(item, cst.Call)
            or not isinstance(item.func, cst.Attribute)
            or item.func.attr.value not in _ENTERED_METHODS
            or analysis.resolver.kind_of(item.func.value, bound) is not None
            or analysis.resolver.qualify(item.func) in DBAPI_CONNECT
        ):
            return None
        entered.append(item)
    if not entered:
        return None
    evidence = _sqlalchemy_uses(name, bound, analysis)
    if evidence is None and all(
        isinstance(item.func, cst.Attribute) and _reads_a_bind(item.func.value, bound)
        for item in entered
    ):
        evidence = "bind"
    if evidence is None:
        return None
    blocks = [analysis.model.parent(a.node) for a in assignments]
    is_async = any(isinstance(b, cst.With) and b.asynchronous is not None for b in blocks)
    connects = all(
        isinstance(item.func, cst.Attribute) and item.func.attr.value == "connect"
        for item in entered
    )
    if evidence == "exec_driver_sql" or connects:
        return Receiver(Kind.ASYNC_CONNECTION if is_async else Kind.CONNECTION)
    return Receiver(None)


def _reads_a_bind(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
    """`session.bind` or `session.get_bind()` (or a local bound to one): what a
    SQLAlchemy session or metadata is bound to, an engine or a connection. No
    driver's connection has a `bind` to connect with."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "bind"
    if isinstance(expr, cst.Call):
        return isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get_bind"
    if isinstance(expr, cst.Name) and depth <= _MAX_DEPTH:
        return every_binding(
            expr.value, scope, lambda value, bound: _reads_a_bind(value, bound, depth + 1)
        )
    return False


def _sqlalchemy_uses(name: str, scope: Scope, analysis: Analysis) -> str | None:
    """The SQLAlchemy-only method called on `name` in `scope`, if any: `exec_driver_sql`,
    or `execute` with a SQLAlchemy construct (`text(...)`, `select(...)`)."""
    model = analysis.model
    found: str | None = None
    for reference in scope.references.get(name, ()):
        attribute = model.parent(reference)
        if not isinstance(attribute, cst.Attribute) or attribute.value is not reference:
            continue
        call = model.parent(attribute)
        if not isinstance(call, cst.Call) or call.func is not attribute:
            continue
        method = attribute.attr.value
        if method == "exec_driver_sql":
            return method
        if method == "execute":
            argument = statement_argument(call)
            if (
                argument is not None
                and isinstance(argument.value, cst.Call)
                and (analysis.resolver.qualify(argument.value.func) or "").startswith("sqlalchemy.")
            ):
                found = method
    return found


# -- DBAPI drivers --------------------------------------------------------------------------

# PEP 249 drivers' `connect()`, by qualified name, with the driver's module. Their cursors
# run the SQL text as given. DuckDB is left out on purpose: its Python API is not used
# through SQLAlchemy, and it mostly runs analytics over local files.
DBAPI_CONNECT: dict[str, str] = {
    "sqlite3.connect": "sqlite3",
    "sqlite3.dbapi2.connect": "sqlite3",
    "psycopg2.connect": "psycopg2",
    "psycopg.connect": "psycopg",
    "psycopg.Connection.connect": "psycopg",
    "pymysql.connect": "pymysql",
    "MySQLdb.connect": "MySQLdb",
    "MySQLdb.Connect": "MySQLdb",
    "mysql.connector.connect": "mysql.connector",
    "mariadb.connect": "mariadb",
    "cx_Oracle.connect": "cx_Oracle",
    "oracledb.connect": "oracledb",
    "pyodbc.connect": "pyodbc",
    "pymssql.connect": "pymssql",
}
# Annotations that declare a driver's connection or cursor.
_DBAPI_CONNECTION_TYPES: dict[str, str] = {
    "sqlite3.Connection": "sqlite3",
    "psycopg2.extensions.connection": "psycopg2",
    "psycopg.Connection": "psycopg",
    "pymysql.connections.Connection": "pymysql",
    "pyodbc.Connection": "pyodbc",
}
_DBAPI_CURSOR_TYPES = frozenset(
    {
        "sqlite3.Cursor",
        "psycopg2.extensions.cursor",
        "psycopg.Cursor",
        "pymysql.cursors.Cursor",
        "pyodbc.Cursor",
    }
)
# Connections that run SQL themselves (and return a cursor), without `cursor()`.
_CONNECTION_EXECUTE: dict[str, frozenset[str]] = {
    "sqlite3": frozenset({"execute", "executemany", "executescript"}),
    "psycopg": frozenset({"execute"}),
}
CURSOR_METHODS = frozenset({"execute", "executemany", "executescript", "copy_expert"})


def dbapi_sink(call: cst.Call, analysis: Analysis, scope: Scope) -> str | None:
    """`cur.execute(...)` on a DBAPI cursor, or `con.execute(...)` on a sqlite3 (or
    psycopg 3) connection: the sink, in words for a message."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in CURSOR_METHODS:
        return None
    method = func.attr.value
    if is_dbapi_cursor(func.value, analysis, scope):
        return f"`cursor.{method}()`"
    driver = dbapi_connection(func.value, analysis, scope)
    if driver is not None and method in _CONNECTION_EXECUTE.get(driver, ()):
        return f"`{method}()` of a {driver} connection"
    return None


def is_dbapi_cursor(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> bool:
    """A cursor of a DBAPI connection: `engine.raw_connection().cursor()`,
    `psycopg2.connect(dsn).cursor()`, or a name bound to one."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Call):
        func = expr.func
        if analysis.resolver.qualify(func) in ("contextlib.closing",) and expr.args:
            return is_dbapi_cursor(expr.args[0].value, analysis, scope, depth + 1)
        if not isinstance(func, cst.Attribute):
            return False
        if func.attr.value == "cursor":
            return dbapi_connection(func.value, analysis, scope, depth + 1) is not None
        driver = dbapi_connection(func.value, analysis, scope, depth + 1)
        return driver is not None and func.attr.value in _CONNECTION_EXECUTE.get(driver, ())
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return False
        param = bound.params.get(expr.value)
        if param is not None:
            annotation = param.annotation.annotation if param.annotation else None
            qualified = analysis.resolver.qualify(annotation) if annotation is not None else None
            return qualified in _DBAPI_CURSOR_TYPES
        return any(
            a.value is not None and is_dbapi_cursor(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False


def dbapi_connection(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> str | None:
    """The driver of a DBAPI connection (`sqlite3`, `psycopg2`, ...), or "" for one from
    `engine.raw_connection()`; None when `expr` is not visibly a DBAPI connection."""
    if depth > _MAX_DEPTH:
        return None
    if analysis.resolver.kind_of(expr, scope) is Kind.RAW_CONNECTION:
        return ""
    if isinstance(expr, cst.Call):
        qualified = analysis.resolver.qualify(expr.func)
        if qualified == "contextlib.closing" and expr.args:
            return dbapi_connection(expr.args[0].value, analysis, scope, depth + 1)
        if qualified in DBAPI_CONNECT:
            return DBAPI_CONNECT[qualified]
        # `db_conn_only()`, a project function that returns `psycopg2.connect(...)`
        drivers = {
            DBAPI_CONNECT[name]
            for name in analysis.resolver.returned_library_calls(expr, scope)
            if name in DBAPI_CONNECT
        }
        return drivers.pop() if len(drivers) == 1 else None
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return None
        param = bound.params.get(expr.value)
        if param is not None:
            annotation = param.annotation.annotation if param.annotation else None
            qualified = analysis.resolver.qualify(annotation) if annotation is not None else None
            return _DBAPI_CONNECTION_TYPES.get(qualified or "")
        for assignment in bound.assignments.get(expr.value, ()):
            if assignment.value is not None:
                driver = dbapi_connection(assignment.value, analysis, bound, depth + 1)
                if driver is not None:
                    return driver
    return None
