"""Which variables hold a resource, or something that still reads through it.

A fix that closes a resource at the end of a `with` block must know which later
statements still need it open, and must refuse when the resource, or a lazy
object reading through it (a `Result`), leaves the block: returned, stored, or
captured by a closure. The tracking is by variable name within one function,
over-approximated: a name once derived from the resource stays derived.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import libcst as cst

from sqlalchemy_lint.fixes.syntax import variable_names


class Value(enum.IntEnum):
    """What an expression holds, ordered from harmless to bound to the resource."""

    CLEAN = 0  # nothing from the resource
    DATA = 1  # values read from it (rows, ORM objects); they outlive the resource
    LIVE = 2  # the resource itself, or an object that still reads through it


# Methods that read a result to the end (or the ORM objects a session loads).
CONSUMING_METHODS = frozenset(
    {
        "all",
        "count",
        "fetchall",
        "fetchmany",
        "fetchone",
        "first",
        "get",
        "keys",
        "one",
        "one_or_none",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
    }
)
# Attributes of a result that are plain values.
DATA_ATTRIBUTES = frozenset(
    {
        "closed",
        "inserted_primary_key",
        "invalidated",
        "is_insert",
        "lastrowid",
        "returned_defaults",
        "returns_rows",
        "rowcount",
    }
)
# Builtins that return an object still iterating over their argument.
LAZY_FUNCTIONS = frozenset({"enumerate", "filter", "iter", "map", "reversed", "zip"})
# Calls that keep what they are given beyond the call.
STORING_METHODS = frozenset(
    {
        "add",
        "append",
        "appendleft",
        "enter_async_context",
        "enter_context",
        "extend",
        "insert",
        "push",
        "put",
        "put_nowait",
        "setdefault",
        "update",
    }
)
OWNING_FUNCTIONS = frozenset({"aclosing", "closing", "setattr"})


class Unfixable(Exception):
    """The code uses the resource in a way a `with` block would change."""


class ResourceFlow:
    """The values of the variables of one function, as statements are fed in order."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.values: dict[str, Value] = {resource: Value.LIVE}

    def names_at_least(self, level: Value) -> frozenset[str]:
        return frozenset(name for name, value in self.values.items() if value >= level)

    def mentions(self, node: cst.CSTNode, level: Value = Value.DATA) -> bool:
        names = self.names_at_least(level)
        return any(name.value in names for name in variable_names(node))

    def feed(self, statement: cst.CSTNode) -> None:
        """Record the bindings `statement` makes; raise Unfixable if the resource escapes.

        Fed twice, so that values flowing around a loop reach a fixed point.
        """
        for _ in range(2):
            statement.visit(_StatementVisitor(self))

    def classify(self, expression: cst.BaseExpression) -> Value:
        return _classify(expression, self.values)


def _max(values: Iterable[Value]) -> Value:
    return max(values, default=Value.CLEAN)


def _mentions(node: cst.CSTNode, values: Mapping[str, Value]) -> bool:
    return any(values.get(name.value, Value.CLEAN) for name in variable_names(node))


def _classify(node: cst.BaseExpression, values: Mapping[str, Value]) -> Value:
    if isinstance(node, cst.Name):
        return values.get(node.value, Value.CLEAN)
    if isinstance(node, cst.Await):
        return _classify(node.expression, values)
    if isinstance(node, cst.Attribute):
        base = _classify(node.value, values)
        if base is Value.LIVE and node.attr.value in DATA_ATTRIBUTES:
            return Value.DATA
        return base
    if isinstance(node, cst.Call):
        return _classify_call(node, values)
    if isinstance(node, cst.Subscript):
        base = _classify(node.value, values)
        return _max([base, Value.DATA if _mentions_any(node.slice, values) else Value.CLEAN])
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return _max(_classify(element.value, values) for element in node.elements)
    if isinstance(node, cst.Dict):
        return _max(_classify_dict_element(element, values) for element in node.elements)
    if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
        return _max([_classify(node.left, values), _classify(node.right, values)])
    if isinstance(node, cst.IfExp):
        test = Value.DATA if _mentions(node.test, values) else Value.CLEAN
        return _max([test, _classify(node.body, values), _classify(node.orelse, values)])
    if isinstance(node, (cst.ListComp, cst.SetComp)):
        whole = Value.DATA if _mentions(node, values) else Value.CLEAN
        return _max([whole, _classify(node.elt, values)])
    if isinstance(node, cst.DictComp):
        whole = Value.DATA if _mentions(node, values) else Value.CLEAN
        return _max([whole, _classify(node.key, values), _classify(node.value, values)])
    if isinstance(node, (cst.Comparison, cst.UnaryOperation, cst.BaseString)):
        return Value.DATA if _mentions(node, values) else Value.CLEAN
    if isinstance(node, cst.NamedExpr):
        return _classify(node.value, values)
    if isinstance(node, cst.Yield):
        return Value.CLEAN  # the value sent in, not the one yielded
    # Generators, lambdas and anything unforeseen: bound to the resource if they mention it.
    return Value.LIVE if _mentions(node, values) else Value.CLEAN


def _mentions_any(nodes: Iterable[cst.CSTNode], values: Mapping[str, Value]) -> bool:
    return any(_mentions(node, values) for node in nodes)


def _classify_dict_element(element: cst.BaseDictElement, values: Mapping[str, Value]) -> Value:
    if isinstance(element, cst.DictElement):
        return _max([_classify(element.key, values), _classify(element.value, values)])
    assert isinstance(element, cst.StarredDictElement)
    return _classify(element.value, values)


def _classify_call(node: cst.Call, values: Mapping[str, Value]) -> Value:
    arguments = _max(_classify(arg.value, values) for arg in node.args)
    func = node.func
    if isinstance(func, cst.Attribute):
        receiver = _classify(func.value, values)
        if receiver is Value.LIVE:
            return Value.DATA if func.attr.value in CONSUMING_METHODS else Value.LIVE
        if receiver is Value.DATA:
            return Value.DATA
    elif isinstance(func, cst.Name):
        if values.get(func.value, Value.CLEAN) is Value.LIVE:
            return Value.LIVE
        if func.value in LAZY_FUNCTIONS:
            return arguments
    else:
        called = _classify(func, values)
        if called is not Value.CLEAN:
            return called
    # Any other callee is taken to read what it is given and return something else
    # (`pd.read_sql(query, conn)`); callees that keep it are refused by the visitor.
    return Value.DATA if arguments else Value.CLEAN


class _StatementVisitor(cst.CSTVisitor):
    def __init__(self, flow: ResourceFlow) -> None:
        self.flow = flow

    @property
    def values(self) -> dict[str, Value]:
        return self.flow.values

    def _bind(self, target: cst.BaseExpression, value: Value) -> None:
        if isinstance(target, cst.Name):
            if target.value == self.flow.resource:
                raise Unfixable(f"`{target.value}` is assigned again")
            self.values[target.value] = _max([self.values.get(target.value, Value.CLEAN), value])
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, value)
        elif value is Value.LIVE:  # an attribute or an item: stored somewhere else
            raise Unfixable("the resource is stored beyond the block")

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self.flow.classify(node.value)
        for target in node.targets:
            self._bind(target.target, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.flow.classify(node.value))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, self.flow.classify(node.value))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, self.flow.classify(node.value))

    def visit_For(self, node: cst.For) -> None:
        iterated = self.flow.classify(node.iter)
        self._bind(node.target, Value.DATA if iterated else Value.CLEAN)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if isinstance(node.item, cst.Name) and node.item.value in self.flow.names_at_least(
            Value.LIVE
        ):
            raise Unfixable("the resource is already managed by a `with` statement")
        if node.asname is not None:
            self._bind(node.asname.name, self.flow.classify(node.item))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self.flow.classify(node.value) is Value.LIVE:
            raise Unfixable("the resource, or a lazy result reading through it, is returned")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else func.value
            if isinstance(func, cst.Name)
            else None
        )
        if name not in STORING_METHODS and name not in OWNING_FUNCTIONS:
            return
        if isinstance(func, cst.Attribute) and self.flow.classify(func.value) is Value.LIVE:
            return  # a method of the resource itself, e.g. `session.add(user)`
        if any(self.flow.classify(arg.value) is Value.LIVE for arg in node.args):
            raise Unfixable("the resource is handed to something that keeps it")

    def _refuse_closure(self, node: cst.CSTNode) -> bool:
        if self.flow.mentions(node, Value.LIVE):
            raise Unfixable("a nested function or class uses the resource")
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._refuse_closure(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._refuse_closure(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._refuse_closure(node)

    def _refuse_names(self, names: Iterable[cst.Name], reason: str) -> None:
        live = self.flow.names_at_least(Value.DATA)
        if any(name.value in live for name in names):
            raise Unfixable(reason)

    def visit_Global(self, node: cst.Global) -> None:
        self._refuse_names((item.name for item in node.names), "the resource is a global")

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._refuse_names((item.name for item in node.names), "the resource is nonlocal")

    def visit_Del(self, node: cst.Del) -> None:
        self._refuse_names(variable_names(node.target), "the resource is deleted")
