"""Route parameters that a web framework converts before the view runs: Flask's (and
Werkzeug's, Quart's) `@app.route("/chartdata/<int:kiosk_id>.js")` gives the view an
`int`, never text, and a request for `/chartdata/x.js` never reaches it."""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from . import ir

# The route decorators of Flask, its blueprints and Quart (`app.get(...)` since 2.0).
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})
# Werkzeug's converters that produce no text: `<int:id>`, `<float(signed=True):x>`,
# `<uuid:token>`.
_CONVERTED = re.compile(r"<(?:int|float|uuid)(?:\([^)]*\))?:(\w+)>")


def converted_route_parameters(function: cst.FunctionDef) -> frozenset[str]:
    """The parameters of the view `function` that its route decorators declare with a
    converter to a number or a UUID."""
    rules = []
    for decorator in function.decorators:
        call = decorator.decorator
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in _ROUTE_METHODS
            and call.args
            and isinstance(call.args[0].value, cst.SimpleString)
        ):
            rule = call.args[0].value.evaluated_value
            if isinstance(rule, str):
                rules.append(rule)
    return _converted(rules)


def converted_in_decorators(decorators: Iterable[ir.Expr]) -> frozenset[str]:
    """The same, from the decorators a module summary records."""
    rules = []
    for decorator in decorators:
        if decorator[0] != "c" or decorator[1][0] != "a" or decorator[1][2] not in _ROUTE_METHODS:
            continue
        rule = ir.call_argument(decorator, 0)
        if rule is not None and rule[0] == "str":
            rules.append(rule[1])
    return _converted(rules)


def _converted(rules: Iterable[str]) -> frozenset[str]:
    return frozenset(name for rule in rules for name in _CONVERTED.findall(rule))
