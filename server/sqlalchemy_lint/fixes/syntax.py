"""A parsed source file with the metadata the fixes need, and small questions about it."""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

import libcst as cst
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)
from libcst.metadata import Scope as VariableScope

from sqlalchemy_lint.diagnostics import Position, Span


@functools.lru_cache(maxsize=4)
def _parse_cached(source: str) -> SourceTree | None:
    return SourceTree._parse(source)


# A statement list a fix can rewrite: a module's body or an indented block's.
Block = Union[cst.Module, cst.IndentedBlock]
Scope = Union[cst.Module, cst.FunctionDef]


@dataclass(frozen=True)
class SourceTree:
    wrapper: MetadataWrapper
    positions: Mapping[cst.CSTNode, CodeRange]
    parents: Mapping[cst.CSTNode, cst.CSTNode]

    @classmethod
    def parse(cls, source: str) -> SourceTree | None:
        # Every fix of one file starts from the same text: share one parse and its
        # metadata (libcst trees are immutable, so sharing is safe).
        return _parse_cached(source)

    @classmethod
    def _parse(cls, source: str) -> SourceTree | None:
        try:
            wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        except cst.ParserSyntaxError:
            return None
        return cls(
            wrapper,
            wrapper.resolve(PositionProvider),
            wrapper.resolve(ParentNodeProvider),
        )

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    @functools.cached_property
    def _scopes(self) -> Mapping[cst.CSTNode, VariableScope | None]:
        return self.wrapper.resolve(ScopeProvider)

    def variable_scopes(self) -> Mapping[cst.CSTNode, VariableScope | None]:
        """libcst's scope analysis, computed on demand, once per tree."""
        return self._scopes

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        """Whether `inner` lies within the source range of `outer`."""
        a, b = self.positions[outer], self.positions[inner]
        return (a.start.line, a.start.column) <= (b.start.line, b.start.column) and (
            b.end.line,
            b.end.column,
        ) <= (a.end.line, a.end.column)

    def starts_before(self, node: cst.CSTNode, other: cst.CSTNode) -> bool:
        a, b = self.positions[node].start, self.positions[other].start
        return (a.line, a.column) < (b.line, b.column)

    def find_call(self, span: Span) -> cst.Call | None:
        """The call expression whose range is exactly `span` (parentheses excluded)."""
        for node, code_range in self.positions.items():
            if (
                isinstance(node, cst.Call)
                and Position(code_range.start.line, code_range.start.column) == span.start
                and Position(code_range.end.line, code_range.end.column) == span.end
            ):
                return node
        return None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The innermost statement containing `node`."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.BaseStatement):
                return ancestor
        return None

    def block_of(self, statement: cst.BaseStatement) -> tuple[Block, int] | None:
        """The statement list holding `statement`, and its index there."""
        block = self.parents.get(statement)
        if not isinstance(block, (cst.Module, cst.IndentedBlock)):
            return None
        for index, candidate in enumerate(block.body):
            if candidate is statement:
                return block, index
        return None

    def scope_of(self, statement: cst.BaseStatement) -> Scope | None:
        """The function or module whose local variables `statement` uses.

        None inside a class body, where names are class attributes.
        """
        for ancestor in self.ancestors(statement):
            if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
                return ancestor
            if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
                return None
        return None


class _VariableNames(cst.CSTVisitor):
    """Names that denote variables: not attribute names nor keyword-argument names."""

    def __init__(self) -> None:
        self.names: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def variable_names(node: cst.CSTNode) -> list[cst.Name]:
    visitor = _VariableNames()
    node.visit(visitor)
    return visitor.names


def fresh_name(base: str, taken: set[str]) -> str:
    """`base`, or `base_1`, `base_2`, ... whichever is not in `taken`."""
    candidate, suffix = base, 0
    while candidate in taken:
        suffix += 1
        candidate = f"{base}_{suffix}"
    return candidate


def compiles(source: str) -> bool:
    """Whether CPython accepts `source` (catches `await` or `async with` out of place)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def replace_statements(
    module: cst.Module,
    block: Block,
    body: Sequence[cst.BaseStatement],
    parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None,
) -> cst.Module:
    """`module` with the statements of `block` replaced by `body`.

    With the parent map, only the chain of ancestors is rebuilt (libcst's
    deep_replace transforms the whole tree, which dominated the cost of a fix).
    """
    if isinstance(block, cst.Module):
        return block.with_changes(body=body)
    if parents is None:
        replaced = module.deep_replace(block, block.with_changes(body=body))
        assert isinstance(replaced, cst.Module)
        return replaced
    old: cst.CSTNode = block
    new: cst.CSTNode = block.with_changes(body=body)
    while old is not module:
        parent = parents[old]
        new = _with_child_replaced(parent, old, new)
        old = parent
    assert isinstance(new, cst.Module)
    return new


def _with_child_replaced(parent: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    for field in dataclasses.fields(parent):
        value = getattr(parent, field.name)
        if value is old:
            return parent.with_changes(**{field.name: new})
        if isinstance(value, (tuple, list)) and any(item is old for item in value):
            items = [new if item is old else item for item in value]
            return parent.with_changes(**{field.name: items})
    raise ValueError("node is not a child of its recorded parent")


def assigned_name(statement: cst.BaseStatement, value: cst.BaseExpression) -> str | None:
    """`name` when `statement` is exactly `name = value` (or `name: T = value`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and small.value is value and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is value:
        target = small.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None
