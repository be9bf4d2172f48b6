"""One pass over a module that records what every rule needs.

The rules never walk the tree themselves: they query this model. libcst's stock
metadata providers (parents, scopes, qualified names) each cost a full extra
traversal or more; this visitor collects the little we need in the same pass:

- the parent of every node and the order nodes were visited in,
- imports (local name -> qualified name, relative imports keep their dots),
- scopes (module, functions, lambdas) with parameters, assignments and name
  references, and classes with the attributes their methods assign,
- every call, so rules can look for the calls they care about.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import libcst as cst

ScopeNode = Union[cst.Module, cst.FunctionDef, cst.Lambda]

# Node types that never matter to the analysis; skipping their children keeps the pass cheap.
_LEAF_TYPES: tuple[type[cst.CSTNode], ...] = (
    cst.SimpleString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
)


_DEFINING_PARENTS = frozenset(
    {
        cst.Param,
        cst.FunctionDef,
        cst.ClassDef,
        cst.ImportAlias,
        cst.NameItem,
        cst.AsName,
        cst.AssignTarget,
    }
)


@dataclass
class Assignment:
    """`name = value` (or `name: T = value`, `(name := value)`, `with value as name`)."""

    name: str
    value: cst.BaseExpression | None
    node: cst.CSTNode  # the statement or expression that binds
    order: int
    via_with: bool = False
    # An unpacking (`engine, conn = connect(url)`): the value unpacked and this
    # name's position in it (`value` is then None).
    unpacked: tuple[cst.BaseExpression, int] | None = None


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    base_names: list[str]
    # attribute -> values assigned to it, with the scope the value lives in.
    attributes: dict[str, list[tuple[cst.BaseExpression, Scope]]] = field(default_factory=dict)
    annotations: dict[str, cst.BaseExpression] = field(default_factory=dict)


@dataclass(eq=False)  # scopes are identities: hashed by id, used as dict keys
class Scope:
    node: ScopeNode
    parent: Scope | None
    class_info: ClassInfo | None = None  # the class whose body defines this function
    params: dict[str, cst.Param] = field(default_factory=dict)
    assignments: dict[str, list[Assignment]] = field(default_factory=dict)
    annotations: dict[str, cst.BaseExpression] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    references: dict[str, list[cst.Name]] = field(default_factory=dict)
    returns: list[cst.Return] = field(default_factory=list)
    yields: list[cst.Yield] = field(default_factory=list)
    called_names: set[str] = field(default_factory=set)
    children: list[Scope] = field(default_factory=list)

    @property
    def is_module(self) -> bool:
        return type(self.node) is cst.Module

    @property
    def name(self) -> str:
        if isinstance(self.node, cst.FunctionDef):
            return self.node.name.value
        return "<lambda>" if isinstance(self.node, cst.Lambda) else "<module>"

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, cst.FunctionDef) and self.node.asynchronous is not None

    @property
    def decorators(self) -> Sequence[cst.Decorator]:
        return self.node.decorators if isinstance(self.node, cst.FunctionDef) else ()

    @property
    def is_generator(self) -> bool:
        return bool(self.yields)


@dataclass
class ModuleModel:
    module: cst.Module
    parents: dict[cst.CSTNode, cst.CSTNode]
    order: dict[cst.CSTNode, int]
    imports: dict[str, str]
    module_scope: Scope
    scope_of: dict[cst.CSTNode, Scope]  # scope node -> scope
    enclosing_scope: dict[cst.Call, Scope]  # every call -> innermost scope
    calls: list[cst.Call]
    class_body_calls: set[cst.Call]  # calls directly in a class body (class attributes)
    classes: dict[str, ClassInfo]
    functions: dict[str, Scope]  # module-level functions by name
    dotted_imports: frozenset[str] = frozenset()  # `import tornado.web` (binds `tornado`)
    star_imports: tuple[str, ...] = ()  # `from flask import *` (absolute modules only)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The innermost statement (simple or compound) containing `node`."""
        current: cst.CSTNode | None = node
        while current is not None:
            if isinstance(current, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return current
            current = self.parents.get(current)
        return node

    def imports_module(self, prefix: str) -> bool:
        return any(
            q == prefix or q.startswith(prefix + ".")
            for q in (*self.imports.values(), *self.dotted_imports)
        )


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class _ModelBuilder:
    def __init__(self, module: cst.Module) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.order: dict[cst.CSTNode, int] = {}
        self.stack: list[cst.CSTNode] = []
        self.imports: dict[str, str] = {}
        self.dotted_imports: set[str] = set()
        self.star_imports: list[str] = []  # `from flask import *` (absolute modules only)
        self.module_scope = Scope(node=module, parent=None)
        self.scopes: list[Scope] = [self.module_scope]
        self.scope_of: dict[cst.CSTNode, Scope] = {module: self.module_scope}
        self.enclosing_scope: dict[cst.Call, Scope] = {}
        self.calls: list[cst.Call] = []
        self.classes: dict[str, ClassInfo] = {}
        # The enclosing classes, functions and lambdas, innermost last (None for a
        # function or lambda): says in O(1) whether a node is directly in a class body.
        self.frames: list[ClassInfo | None] = []
        self.class_body_calls: set[cst.Call] = set()
        self.functions: dict[str, Scope] = {}

    # -- traversal bookkeeping -------------------------------------------------

    def on_leave(self, original_node: cst.CSTNode) -> None:
        node_type = type(original_node)
        if node_type is cst.FunctionDef or node_type is cst.Lambda:
            self.scopes.pop()
            self.frames.pop()
        elif node_type is cst.ClassDef:
            self.frames.pop()

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def _in_class_body(self) -> ClassInfo | None:
        """The class whose body directly holds the current node, if any."""
        return self.frames[-1] if self.frames else None

    def _bind(
        self,
        name: str,
        value: cst.BaseExpression | None,
        node: cst.CSTNode,
        unpacked: tuple[cst.BaseExpression, int] | None = None,
    ) -> None:
        assignment = Assignment(name, value, node, self.order[node], unpacked=unpacked)
        self.scope.assignments.setdefault(name, []).append(assignment)

    # -- handlers ----------------------------------------------------------------

    def _visit_import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = dotted
            else:
                head = dotted.split(".")[0]
                self.imports[head] = head
                if head != dotted:
                    # `import tornado.web` binds `tornado`; the module it names is
                    # what `imports_module("tornado.web")` asks about.
                    self.dotted_imports.add(dotted)

    def _visit_import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            if not node.relative and node.module is not None:
                self.star_imports.append(_dotted(node.module) or "")
            return
        base = "." * len(node.relative)
        if node.module is not None:
            module = _dotted(node.module) or ""
            base = f"{base}{module}"
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            separator = "" if base.endswith(".") else "."
            self.imports[local] = f"{base}{separator}{alias.name.value}"

    def _visit_function(self, node: cst.FunctionDef) -> None:
        class_info = self._in_class_body()
        scope = Scope(node=node, parent=self.scope, class_info=class_info)
        params = node.params
        for param in (
            *params.posonly_params,
            *params.params,
            *params.kwonly_params,
            *(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)),
        ):
            scope.params[param.name.value] = param
        if self.scope.is_module:
            self.functions[node.name.value] = scope
        self.scope.children.append(scope)
        self.scope_of[node] = scope
        self.scopes.append(scope)
        self.frames.append(None)

    def _visit_lambda(self, node: cst.Lambda) -> None:
        scope = Scope(node=node, parent=self.scope)
        for param in node.params.params:
            scope.params[param.name.value] = param
        self.scope.children.append(scope)
        self.scope_of[node] = scope
        self.scopes.append(scope)
        self.frames.append(None)

    def _visit_class(self, node: cst.ClassDef) -> None:
        bases = [d for d in (_dotted(arg.value) for arg in node.bases) if d]
        info = ClassInfo(node=node, name=node.name.value, base_names=bases)
        if self.scope.is_module:
            self.classes[info.name] = info
        self.frames.append(info)

    def _record_target(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression | None,
        statement: cst.CSTNode,
        unpacked: tuple[cst.BaseExpression, int] | None = None,
    ) -> None:
        if isinstance(target, cst.Name):
            class_info = self._in_class_body()
            if class_info is not None:
                if value is not None:
                    class_info.attributes.setdefault(target.value, []).append((value, self.scope))
                return
            self._bind(target.value, value, statement, unpacked)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls")
            and value is not None
        ):
            owner = self.scope.class_info
            if owner is not None:
                owner.attributes.setdefault(target.attr.value, []).append((value, self.scope))
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred_seen = False
            for index, element in enumerate(target.elements):
                starred_seen = starred_seen or isinstance(element, cst.StarredElement)
                # Positions after a starred target cannot be told.
                item = None if value is None or starred_seen else (value, index)
                self._record_target(element.value, None, statement, item)

    def _visit_assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._record_target(target.target, node.value, node)

    def _visit_ann_assign(self, node: cst.AnnAssign) -> None:
        annotation = node.annotation.annotation
        target = node.target
        if isinstance(target, cst.Name):
            class_info = self._in_class_body()
            if class_info is not None:
                class_info.annotations[target.value] = annotation
            else:
                self.scope.annotations[target.value] = annotation
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and self.scope.class_info is not None
        ):
            self.scope.class_info.annotations[target.attr.value] = annotation
        if node.value is not None:
            self._record_target(target, node.value, node)

    def _visit_named_expr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, node.value, node)

    def _visit_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            assignment = Assignment(
                node.asname.name.value, node.item, node, self.order[node], via_with=True
            )
            self.scope.assignments.setdefault(assignment.name, []).append(assignment)

    def _visit_for(self, node: cst.For) -> None:
        self._record_target(node.target, None, node)

    def _visit_comp_for(self, node: cst.CompFor) -> None:
        # As in summaries: a comprehension's variable is bound in the function around
        # it (to an item of what it iterates; see `inference._assigned`).
        self._record_target(node.target, None, node)

    def _visit_global(self, node: cst.Global | cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.global_names.add(item.name.value)

    def _visit_name(self, node: cst.Name) -> None:
        # Only loads and plain rebinding targets count as references; the name
        # part of `x.attr`, keyword names, parameters and definitions do not.
        stack = self.stack
        parent = stack[-2] if len(stack) > 1 else None
        # Exact types (all final classes): isinstance() on libcst's ABCs is slow.
        if type(parent) is cst.Attribute and parent.attr is node:
            return
        if type(parent) is cst.Arg and parent.keyword is node:
            return
        if type(parent) in _DEFINING_PARENTS:
            return
        self.scope.references.setdefault(node.value, []).append(node)

    def _visit_call(self, node: cst.Call) -> None:
        self.calls.append(node)
        self.enclosing_scope[node] = self.scope
        if self.frames and self.frames[-1] is not None:
            self.class_body_calls.add(node)
        if type(node.func) is cst.Name:
            self.scope.called_names.add(node.func.value)

    def _visit_return(self, node: cst.Return) -> None:
        self.scope.returns.append(node)

    def _visit_yield(self, node: cst.Yield) -> None:
        self.scope.yields.append(node)


_VISITORS: dict[type[cst.CSTNode], Callable[[_ModelBuilder, Any], None]] = {
    cst.Import: _ModelBuilder._visit_import,
    cst.ImportFrom: _ModelBuilder._visit_import_from,
    cst.FunctionDef: _ModelBuilder._visit_function,
    cst.Lambda: _ModelBuilder._visit_lambda,
    cst.ClassDef: _ModelBuilder._visit_class,
    cst.Assign: _ModelBuilder._visit_assign,
    cst.AnnAssign: _ModelBuilder._visit_ann_assign,
    cst.NamedExpr: _ModelBuilder._visit_named_expr,
    cst.WithItem: _ModelBuilder._visit_with_item,
    cst.For: _ModelBuilder._visit_for,
    cst.CompFor: _ModelBuilder._visit_comp_for,
    cst.Global: _ModelBuilder._visit_global,
    cst.Nonlocal: _ModelBuilder._visit_global,
    cst.Name: _ModelBuilder._visit_name,
    cst.Call: _ModelBuilder._visit_call,
    cst.Return: _ModelBuilder._visit_return,
    cst.Yield: _ModelBuilder._visit_yield,
}


# Fields that only hold whitespace, comments or punctuation: never walked.
_TRIVIA_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "comma",
        "semicolon",
        "trailing_whitespace",
        "newline",
        "equal",
        "colon",
        "dot",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "whitespace_after_at",
        "operator",
    }
)
_SKIPPED_TYPES: tuple[type[cst.CSTNode], ...] = (
    *_LEAF_TYPES,
    cst.Comma,
    cst.Semicolon,
    cst.Dot,
    cst.Colon,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
)
# Where libcst's field order differs from source order, the walk uses source order,
# so that "visited later" always means "written later".
_SOURCE_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
}
_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        present = [f.name for f in dataclasses.fields(node_type)]
        wanted = [n for n in present if n not in _TRIVIA_FIELDS and not n.startswith("whitespace")]
        order = _SOURCE_ORDER.get(node_type)
        if order is not None:  # older libcst versions lack some fields (type_parameters)
            wanted = [n for n in order if n in wanted] + [n for n in wanted if n not in order]
        names = tuple(wanted)
        _CHILD_FIELDS[node_type] = names
    return names


_NODE, _SEQUENCE, _OTHER = 1, 2, 0
_VALUE_KINDS: dict[type, int] = {tuple: _SEQUENCE, list: _SEQUENCE}


def _value_kind(value_type: type) -> int:
    # CSTNode is an ABC, so isinstance() on it is slow; classify each type once.
    kind = _VALUE_KINDS.get(value_type)
    if kind is None:
        is_node = issubclass(value_type, cst.CSTNode)
        kind = _NODE if is_node and not issubclass(value_type, _SKIPPED_TYPES) else _OTHER
        _VALUE_KINDS[value_type] = kind
    return kind


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    kinds = _VALUE_KINDS
    for name in _CHILD_FIELDS.get(type(node)) or _child_fields(type(node)):
        value = getattr(node, name)
        kind = kinds.get(type(value)) or _value_kind(type(value))
        if kind is _NODE:
            found.append(value)
        elif kind is _SEQUENCE:
            for item in value:
                if (kinds.get(type(item)) or _value_kind(type(item))) is _NODE:
                    found.append(item)
    return found


_LEAVE = cst.Pass()  # marks, on the walk's stack, where a node's children end


def _walk(builder: _ModelBuilder, root: cst.CSTNode) -> None:
    """Visit every meaningful node in source order, calling the builder's hooks.

    libcst's own `visit` rebuilds each node and fires callbacks for every
    attribute; reading the dataclass fields directly (in source order, see
    `_SOURCE_ORDER`) does the same walk several times faster. This loop is the
    hottest code of the analysis: it keeps lookups local.
    """
    parents = builder.parents
    order = builder.order
    stack = builder.stack
    visitors = _VISITORS
    pending: list[cst.CSTNode] = [root]
    while pending:
        node = pending.pop()
        if node is _LEAVE:
            builder.on_leave(stack.pop())
            continue
        if stack:
            parents[node] = stack[-1]
        order[node] = len(order)
        stack.append(node)
        handler = visitors.get(type(node))
        if handler is not None:
            handler(builder, node)
        children = _children(node)
        if children:
            pending.append(_LEAVE)
            children.reverse()
            pending.extend(children)
        else:  # a leaf: left at once
            builder.on_leave(stack.pop())


def build_model(module: cst.Module) -> ModuleModel:
    builder = _ModelBuilder(module)
    _walk(builder, module)
    return ModuleModel(
        module=module,
        parents=builder.parents,
        order=builder.order,
        imports=builder.imports,
        module_scope=builder.module_scope,
        scope_of=builder.scope_of,
        enclosing_scope=builder.enclosing_scope,
        calls=builder.calls,
        class_body_calls=builder.class_body_calls,
        classes=builder.classes,
        functions=builder.functions,
        dotted_imports=frozenset(builder.dotted_imports),
        star_imports=tuple(builder.star_imports),
    )


def self_attribute_values(
    expr: cst.BaseExpression, scope: Scope
) -> list[tuple[cst.BaseExpression, Scope]] | None:
    """For `self.name` (or `cls.name`), what the class around `scope` assigns to
    `name` (on `self` in its methods, or in its body), with the scope of each
    assignment; None when `expr` is not such an attribute."""
    if not (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in ("self", "cls")
    ):
        return None
    owner: Scope | None = scope
    while owner is not None and owner.class_info is None:
        owner = owner.parent
    if owner is None or owner.class_info is None:
        return []
    return list(owner.class_info.attributes.get(expr.attr.value, []))


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


def global_references(model: ModuleModel, name: str) -> list[cst.Name]:
    """Every reference to the module global `name`: at the top level and in the
    functions and classes that read it (not those that bind a name of their own)."""
    found = list(model.module_scope.references.get(name, ()))
    for scope in global_readers(model, name):
        found.extend(scope.references[name])
    return found


def global_readers(model: ModuleModel, name: str) -> list[Scope]:
    """The functions and classes (at any depth) that read the module global `name`."""
    module = model.module_scope
    found: list[Scope] = []
    pending = list(reversed(module.children))
    while pending:  # in source order, each scope before the scopes inside it
        scope = pending.pop()
        pending.extend(reversed(scope.children))
        if name in scope.references and binding_scope(name, scope) in (None, module):
            found.append(scope)
    return found
