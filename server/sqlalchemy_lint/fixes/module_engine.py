"""Create an engine once per process instead of once per call.

An engine owns a connection pool; creating one inside a function that runs per
request opens a new pool each time. When the engine's arguments are known at
import time the creation moves to module level; when they come from the
function's locals, it moves into a module-level factory cached on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import dropwhile
from typing import Union

import libcst as cst
from libcst.metadata import (
    Assignment,
    BaseAssignment,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
)

from sqlalchemy_lint.diagnostics import Applicability, Fix, Span
from sqlalchemy_lint.fixes.resource_flow import ResourceFlow, Unfixable
from sqlalchemy_lint.fixes.syntax import (
    SourceTree,
    assigned_name,
    compiles,
    fresh_name,
    lone_expression,
    replace_node,
    replace_statements,
    variable_names,
)

ENGINE_FACTORIES = frozenset({"create_engine", "create_async_engine"})
# Calls on an engine, or taking one, that change it for everyone who shares it.
_SHARED_STATE_METHODS = frozenset({"dispose", "update_execution_options"})
_EVENT_FUNCTIONS = frozenset({"listen", "listens_for"})
_LOCAL_SCOPES = (FunctionScope, ClassScope, ComprehensionScope)
TopStatement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


def module_level_engine_fix(source: str, call: Span) -> Fix | None:
    """A fix for `create_engine(...)` (or `create_async_engine`) called in a function.

    With arguments known at import time, the engine moves to a module-level
    variable; safe unless the function disposes, reassigns, hands out or
    otherwise changes its engine. With arguments from the function's locals, an
    unsafe fix moves it into a module-level `functools.lru_cache` factory.
    """
    tree = SourceTree.parse(source)
    node = tree.find_call(call) if tree is not None else None
    if tree is None or node is None or _callee_name(node) not in ENGINE_FACTORIES:
        return None
    statement = tree.statement_of(node)
    function = tree.scope_of(statement) if statement is not None else None
    if (
        statement is None
        or not isinstance(function, cst.FunctionDef)
        or not tree.contains(function.body, node)
    ):
        return None
    top_level = _top_level_index(tree, function)
    if top_level is None:
        return None
    mover = _EngineMove(tree, node, statement, function, top_level)
    rewrites = tree.rewrites(mover.rewrite())
    if not rewrites:
        return None
    if any(compiles(r.old) and not compiles(r.new) for r in rewrites):
        return None
    edits = tuple(edit for rewrite in rewrites for edit in rewrite.line_edits())
    if mover.local_names:
        return Fix("Cache the engine in a module-level factory", Applicability.UNSAFE, edits)
    safe = mover.arguments_static and mover.engine_unshared() and mover.insert_at <= top_level
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    return Fix("Move the engine to module level", applicability, edits)


def _callee_name(call: cst.Call) -> str | None:
    if isinstance(call.func, cst.Name):
        return call.func.value
    if isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def _top_level_index(tree: SourceTree, node: cst.CSTNode) -> int | None:
    """The index in the module's body of the statement containing `node`."""
    for current in [node, *tree.ancestors(node)]:
        if tree.parent(current) is tree.module:
            return next(i for i, s in enumerate(tree.module.body) if s is current)
    return None


class _EngineMove:
    """The facts about one engine creation that decide how it moves, and the move."""

    def __init__(
        self,
        tree: SourceTree,
        call: cst.Call,
        statement: cst.BaseStatement,
        function: cst.FunctionDef,
        top_level: int,
    ) -> None:
        self.tree = tree
        self.call = call
        self.statement = statement
        self.function = function
        self.top_level = top_level
        self.target = assigned_name(statement, call)
        # Only this function's names are looked up, and the module's own.
        self.around = tree.scopes_around(top_level)
        self.scopes = self.around.scopes
        self.module_names = self.around.module_names
        self.function_names = {name.value for name in variable_names(function)}
        self.local_names: list[str] = []  # the function's variables the call reads
        # `self.url` in a method: the factory takes `url`, not the whole instance (an
        # lru_cache keyed on `self` would keep every instance alive).
        self.instance_attributes: dict[str, list[cst.Attribute]] = {}
        self.arguments_static = all(_is_static(arg.value) for arg in call.args)
        needed = [_last_import_index(tree.module)]
        for name in variable_names(call):
            referents = self._referents(name)
            if referents is None:
                continue  # bound within the call (a comprehension or lambda variable)
            if not referents:
                self.arguments_static = False  # undefined here: a star import, or a typo
            elif any(isinstance(r.scope, _LOCAL_SCOPES) for r in referents):
                parent = tree.parent(name)
                if (
                    name.value in ("self", "cls")
                    and isinstance(parent, cst.Attribute)
                    and parent.value is name
                ):
                    self.instance_attributes.setdefault(parent.attr.value, []).append(parent)
                    if parent.attr.value not in self.local_names:
                        self.local_names.append(parent.attr.value)
                elif name.value not in self.local_names:
                    self.local_names.append(name.value)
            else:
                if len(referents) > 1:
                    self.arguments_static = False  # rebound: its value depends on when
                needed.extend(
                    _top_level_index(tree, self.around.original(r.node)) or 0
                    for r in referents
                    if isinstance(r, Assignment)
                )
        self.insert_at = max(needed) + 1

    def _referents(self, name: cst.Name) -> set[BaseAssignment] | None:
        """The assignments `name` may read, or None if it is not a read from outside."""
        scope = self.scopes.get(name)
        if scope is None:
            return None
        access = next((a for a in scope.accesses[name.value] if a.node is name), None)
        if access is None:
            return None
        outside = {
            r
            for r in access.referents
            if not (
                isinstance(r, Assignment)
                and self.tree.contains(self.call, self.around.original(r.node))
            )
        }
        return outside if outside or not access.referents else None

    def engine_unshared(self) -> bool:
        """Whether sharing one engine cannot change what the function does: its
        variable is not reassigned, disposed, given event listeners or handed out."""
        if self.target is None:
            return True
        flow = ResourceFlow(self.target)
        try:
            for statement in self.function.body.body:
                if statement is not self.statement:
                    flow.feed(statement)
        except Unfixable:
            return False
        for name in variable_names(self.function.body):
            if name.value != self.target:
                continue
            parent = self.tree.parent(name)
            if isinstance(parent, cst.Attribute) and parent.attr.value in _SHARED_STATE_METHODS:
                return False
            call = self.tree.parent(parent) if isinstance(parent, cst.Arg) else None
            if isinstance(call, cst.Call) and _callee_name(call) in _EVENT_FUNCTIONS:
                return False
        return True

    def _bound_once(self, target: str) -> bool:
        """Whether the creating statement is the function's only binding of `target`."""
        assert isinstance(self.statement, cst.SimpleStatementLine)
        small = self.statement.body[0]
        assert isinstance(small, (cst.Assign, cst.AnnAssign))
        node = small.targets[0].target if isinstance(small, cst.Assign) else small.target
        scope = self.scopes.get(node)
        return isinstance(scope, FunctionScope) and len(scope.assignments[target]) == 1

    def _moved_call(self) -> cst.Call:
        return self.call.with_changes(lpar=(), rpar=())

    def rewrite(self) -> cst.Module:
        """The module with the creation moved out of the function."""
        taken = self.module_names | self.function_names
        import_functools = False
        definition: cst.SimpleStatementLine | cst.FunctionDef
        if self.local_names:
            factory = fresh_name("get_engine", taken)
            arguments: list[cst.Arg] = []
            for name in self.local_names:
                uses = self.instance_attributes.get(name)
                # `self.url` is passed as it is read; a plain local by its name.
                arguments.append(cst.Arg(uses[0].deep_clone() if uses else cst.Name(name)))
            replacement: cst.BaseExpression | None = cst.Call(cst.Name(factory), arguments)
            decorator, import_functools = _lru_cache_decorator(self.tree.module)
            moved: cst.CSTNode = self._moved_call()
            for name, uses in self.instance_attributes.items():
                for use in uses:
                    moved = moved.deep_replace(use, cst.Name(name))
            assert isinstance(moved, cst.Call)
            definition = cst.FunctionDef(
                name=cst.Name(factory),
                params=cst.Parameters([cst.Param(cst.Name(name)) for name in self.local_names]),
                body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(moved)])]),
                decorators=[cst.Decorator(decorator)],
            )
        else:
            removable = self.target is not None and self._bound_once(self.target)
            if removable:
                taken = taken - {self.target or ""}
            candidates = ["engine", f"{self.function.name.value}_engine"]
            name = next((c for c in candidates if c not in taken), "") or fresh_name(
                candidates[1], taken
            )
            replacement = None if removable and name == self.target else cst.Name(name)
            definition = cst.SimpleStatementLine(
                [cst.Assign([cst.AssignTarget(cst.Name(name))], self._moved_call())]
            )
        module = self._replace_in_function(replacement)
        body = list(module.body)
        blank_lines = 2 if isinstance(definition, cst.FunctionDef) else 1
        _insert_statement(body, self.insert_at, definition, blank_lines)
        if import_functools:
            at = _first_import_index(body, self.insert_at)
            _insert_statement(body, at, cst.SimpleStatementLine([_IMPORT_FUNCTOOLS]), 0)
        return module.with_changes(body=body)

    def _replace_in_function(self, replacement: cst.BaseExpression | None) -> cst.Module:
        """The module with the call replaced, or its statement removed when None."""
        if replacement is not None:
            new_statement = self.statement.deep_replace(self.call, replacement)
            return replace_node(self.tree.module, self.statement, new_statement, self.tree.parents)
        located = self.tree.block_of(self.statement)
        assert located is not None
        block, index = located
        statements = list(block.body)
        removed = statements.pop(index)
        comments = _comment_lines(removed)
        if index < len(statements):
            following = statements[index]
            assert isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            statements[index] = following.with_changes(
                leading_lines=[*comments, *following.leading_lines]
            )
        elif not statements:
            statements = [cst.SimpleStatementLine([cst.Pass()], leading_lines=comments)]
        return replace_statements(self.tree.module, block, statements, self.tree.parents)


_IMPORT_FUNCTOOLS = cst.Import([cst.ImportAlias(cst.Name("functools"))])


def _is_static(node: cst.BaseExpression) -> bool:
    """Whether `node` is made of literals and plain names only (no calls, no
    attributes), so that its value does not depend on when it is computed."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Name)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _is_static(node.left) and _is_static(node.right)
    if isinstance(node, cst.FormattedString):
        return all(
            _is_static(part.expression)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(node, cst.UnaryOperation):
        return _is_static(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _is_static(node.left) and _is_static(node.right)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(_is_static(element.value) for element in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            _is_static(element.value)
            and (not isinstance(element, cst.DictElement) or _is_static(element.key))
            for element in node.elements
        )
    return False


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return isinstance(lone_expression(statement), (cst.SimpleString, cst.ConcatenatedString))


def _last_import_index(module: cst.Module) -> int:
    """Where the module's header (docstring and imports) ends; -1 if it has none."""
    last = 0 if module.body and _is_docstring(module.body[0]) else -1
    for index, statement in enumerate(module.body):
        if _is_import_line(statement):
            last = index
    return last


def _is_future_import(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.ImportFrom)
        and isinstance(statement.body[0].module, cst.Name)
        and statement.body[0].module.value == "__future__"
    )


def _first_import_index(body: Sequence[cst.CSTNode], default: int) -> int:
    """Where a new import goes: before the first import after `from __future__`."""
    for index, statement in enumerate(body[:default]):
        if _is_import_line(statement) and not _is_future_import(statement):
            return index
    return default


def _lru_cache_decorator(module: cst.Module) -> tuple[cst.BaseExpression, bool]:
    """The decorator expression, and whether `import functools` must be added."""
    for statement in module.body:
        if not _is_import_line(statement):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body:
            if isinstance(small, cst.Import) and any(
                alias.asname is None and alias.evaluated_name == "functools"
                for alias in small.names
            ):
                return cst.parse_expression("functools.lru_cache(maxsize=None)"), False
            if (
                isinstance(small, cst.ImportFrom)
                and isinstance(small.module, cst.Name)
                and small.module.value == "functools"
                and not isinstance(small.names, cst.ImportStar)
                and any(
                    alias.asname is None and alias.evaluated_name == "lru_cache"
                    for alias in small.names
                )
            ):
                return cst.parse_expression("lru_cache(maxsize=None)"), False
    return cst.parse_expression("functools.lru_cache(maxsize=None)"), True


def _comment_lines(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    lines = [
        line
        for line in getattr(statement, "leading_lines", ())
        if isinstance(line, cst.EmptyLine) and line.comment is not None
    ]
    trailing = getattr(statement, "trailing_whitespace", None)
    if isinstance(trailing, cst.TrailingWhitespace) and trailing.comment is not None:
        lines.append(cst.EmptyLine(comment=trailing.comment))
    return lines


def _is_blank(line: cst.EmptyLine) -> bool:
    return line.comment is None


def _insert_statement(
    body: list[TopStatement], index: int, statement: TopStatement, blank_lines: int
) -> None:
    """Insert `statement` at `index`.

    With `blank_lines`, the statement is set apart by that many blank lines on
    each side, and the comments above the statement already there stay with it.
    Without, the new statement joins a group (an import among the imports) and
    takes over the comments above the group.
    """
    blanks = [cst.EmptyLine(indent=False)] * blank_lines
    leading: Sequence[cst.EmptyLine] = blanks if index > 0 else ()
    if index < len(body):
        following = body[index]
        if blank_lines:
            present = len(following.leading_lines) - len(
                list(dropwhile(_is_blank, following.leading_lines))
            )
            missing = blanks[: max(0, blank_lines - present)]
            body[index] = following.with_changes(leading_lines=[*missing, *following.leading_lines])
        else:
            leading = following.leading_lines
            body[index] = following.with_changes(leading_lines=())
    body.insert(index, statement.with_changes(leading_lines=list(leading)))
