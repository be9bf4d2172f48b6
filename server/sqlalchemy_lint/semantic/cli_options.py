"""What a click command's parameters can hold, read from its declarations.

`@click.option("--limit", type=int)` makes click convert the command line's text to
an `int` before the function runs: the parameter `limit` cannot carry a quote,
whatever the user typed. A parameter declared with a number, boolean, date or UUID
type, a flag, a counter, a default number without a type (click takes the type from
the default), or a choice among literals holds no free text; so does an argparse
option declared with a number type, a flag action or `choices=` among literals.
(Typer's parameters are typed by their annotations, which are read as any
annotation is.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import libcst as cst

from . import ir

# argparse's (and optparse's) methods that turn the command line into values: a
# function that calls one is a program's entry point, and what they return is input.
COMMAND_LINE_PARSERS = frozenset({"parse_args", "parse_known_args"})
# Where click's decorators are imported from, as the resolver qualifies them.
_DECORATORS = {
    "click.option": "option",
    "click.decorators.option": "option",
    "click.argument": "argument",
    "click.decorators.argument": "argument",
}
# Types whose converted values hold no free text.
_NOT_TEXT_TYPES = frozenset(
    {
        "int", "float", "bool", "click.INT", "click.FLOAT", "click.BOOL", "click.UUID",
        "click.IntRange", "click.FloatRange", "click.DateTime", "uuid.UUID",
        "click.types.IntRange", "click.types.FloatRange", "click.types.DateTime",
    }
)  # fmt: skip
_CHOICE = frozenset({"click.Choice", "click.types.Choice"})
# argparse's actions that store a boolean or a count, never the user's text.
_FLAG_ACTIONS = frozenset({"store_true", "store_false", "count", "store_const"})


def not_text_parameters(
    function: cst.FunctionDef, qualify: Callable[[cst.BaseExpression], str | None]
) -> frozenset[str]:
    """The parameters of `function` that its click decorators declare as holding no
    free text (a number, a flag, a choice among literals, ...)."""
    found: set[str] = set()
    for decorator in function.decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            continue
        kind = _DECORATORS.get(qualify(call.func) or "")
        if kind is None:
            continue
        name = _parameter_name(call, kind)
        if name is not None and _not_text(call, qualify):
            found.add(name)
    return frozenset(found)


def not_text_in_decorators(decorators: Iterable[ir.Expr]) -> frozenset[str]:
    """The same as `not_text_parameters`, from the decorators a module summary records
    (names as written: `click.option`, or `option` imported from click)."""
    found: set[str] = set()
    for decorator in decorators:
        if decorator[0] != "c":
            continue
        kind = {"click.option": "option", "click.argument": "argument"}.get(
            ir.dotted(decorator[1]) or ""
        )
        if kind is None:
            continue
        declarations = [a[1] for a in decorator[2] if a[0] == "str"]
        name = _name_of(declarations, kind)
        declared = dict(decorator[3]).get("type")
        if declared is not None and declared[0] == "c":
            declared = declared[1]
        written = ir.dotted(declared) if declared is not None else None
        if name is not None and written in _NOT_TEXT_TYPES:
            found.add(name)
    return frozenset(found)


def argparse_not_text_options(
    calls: Iterable[cst.Call], qualify: Callable[[cst.BaseExpression], str | None]
) -> frozenset[str]:
    """The attributes of parsed arguments (`args.limit`) that `add_argument` calls
    among `calls` declare as holding no free text (`type=int`, a `store_true` flag)."""
    found: set[str] = set()
    for call in calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "add_argument"):
            continue
        dest = _argparse_dest(call)
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        action = keywords.get("action")
        flag = isinstance(action, cst.SimpleString) and action.evaluated_value in _FLAG_ACTIONS
        if dest is not None and (flag or _not_text(call, qualify)):
            found.add(dest)
    return frozenset(found)


def _argparse_dest(call: cst.Call) -> str | None:
    """Where argparse keeps an argument: `dest=`, else the first long option (`--dry-run`
    -> dry_run), else the first short one (`-S` -> S), else the positional's name."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "dest":
            dest = arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else None
            return dest if isinstance(dest, str) else None
    names = _declared_names(call)
    chosen = next((n for n in names if n.startswith("--")), None) or next(iter(names), None)
    return chosen.lstrip("-").replace("-", "_") or None if chosen is not None else None


def _declared_names(call: cst.Call) -> list[str]:
    """The string literals a declaration is given positionally (`"-S"`, `"--limit"`)."""
    return [
        text
        for arg in call.args
        if arg.keyword is None and isinstance(arg.value, cst.SimpleString)
        for text in [arg.value.evaluated_value]
        if isinstance(text, str)
    ]


def _parameter_name(call: cst.Call, kind: str) -> str | None:
    """The Python name click gives the parameter: an identifier among the
    declarations, else (options) the first of the longest-prefixed names
    (`--dry-run` -> dry_run), or (arguments) the declaration itself."""
    return _name_of(_declared_names(call), kind)


def _name_of(declarations: list[str], kind: str) -> str | None:
    """The parameter's name from its declarations (see `_parameter_name`)."""
    if not declarations:
        return None
    if kind == "argument":
        return declarations[0].replace("-", "_").lower()
    identifiers = [d for d in declarations if d.isidentifier()]
    if identifiers:
        return identifiers[0]
    names = [d.split("/")[0].strip() for d in declarations]
    longest = max(len(n) - len(n.lstrip("-")) for n in names)
    chosen = next(n for n in names if len(n) - len(n.lstrip("-")) == longest)
    return chosen.lstrip("-").replace("-", "_").lower() or None


def _not_text(call: cst.Call, qualify: Callable[[cst.BaseExpression], str | None]) -> bool:
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    declared = keywords.get("type")
    if declared is not None:
        target = declared.func if isinstance(declared, cst.Call) else declared
        named = qualify(target) or (target.value if isinstance(target, cst.Name) else None)
        if named in _NOT_TEXT_TYPES:
            return True
        return named in _CHOICE and isinstance(declared, cst.Call) and _literal_choices(declared)
    if _is_true(keywords.get("is_flag")) or _is_true(keywords.get("count")):
        return True
    choices = keywords.get("choices")  # argparse's `choices=["F", "D"]`
    if isinstance(choices, (cst.List, cst.Tuple, cst.Set)) and _literal_elements(choices):
        return True
    default = keywords.get("default")
    return isinstance(default, (cst.Integer, cst.Float)) and not _is_true(keywords.get("multiple"))


def _literal_choices(call: cst.Call) -> bool:
    """`click.Choice(["asc", "desc"])`: every choice a string literal."""
    if not call.args or not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
        return False
    return _literal_elements(call.args[0].value)


def _literal_elements(collection: cst.List | cst.Tuple | cst.Set) -> bool:
    """`["asc", "desc"]`, `(1, 2)`: every element a string or number literal."""
    elements = collection.elements
    return bool(elements) and all(
        isinstance(e, cst.Element)
        and isinstance(e.value, (cst.SimpleString, cst.Integer, cst.Float))
        for e in elements
    )


def _is_true(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Name) and value.value == "True"
