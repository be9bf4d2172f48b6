"""What a hover says: which SQLAlchemy concept is under the cursor, where this
object came from, and, on a flagged expression or a `# noqa:` code, the rule.

Concept texts come from the knowledge base (`sqlalchemy_lint.knowledge`); rule
texts from the rules' own documentation pages, so there is one source for each.

Positions come from `StatementPositions`: only the top-level statement under the
cursor (and the one where the object was created) gets its positions computed,
so a hover costs no codegen of the whole module, and a deeply nested statement
elsewhere does not take hovers away from the rest of the module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from ..diagnostics import Diagnostic, Position
from ..knowledge import concept, render_hover
from ..noqa import NOQA_PATTERN
from ..rules import Rule, rule_by_code
from ..semantic import Analysis, Kind, Scope
from ..semantic.orm import relationships
from ..semantic.positions import PositionUnavailable, StatementPositions

# Library names whose hover is a concept of their own.
_NAMED_CONCEPTS = {
    "create_engine": "create_engine",
    "engine_from_config": "create_engine",
    "create_async_engine": "create_async_engine",
    "Session": "session",
    "AsyncSession": "async_session",
    "sessionmaker": "sessionmaker",
    "async_sessionmaker": "async_sessionmaker",
    "scoped_session": "scoped_session",
    "async_scoped_session": "scoped_session",
    "text": "text",
    "URL": "database_url",
    "relationship": "loader_strategies",
    "selectinload": "loader_strategies",
    "joinedload": "loader_strategies",
    "subqueryload": "loader_strategies",
    "lazyload": "loader_strategies",
    "raiseload": "loader_strategies",
}
_KIND_CONCEPTS = {
    Kind.ENGINE: "engine",
    Kind.ASYNC_ENGINE: "async_engine",
    Kind.CONNECTION: "connection",
    Kind.ASYNC_CONNECTION: "async_connection",
    Kind.RAW_CONNECTION: "raw_connection",
    Kind.SESSION: "session",
    Kind.ASYNC_SESSION: "async_session",
    Kind.SESSION_FACTORY: "session_factory",
    Kind.ASYNC_SESSION_FACTORY: "session_factory",
    Kind.SCOPED_SESSION: "scoped_session",
}
_METHOD_CONCEPTS = {
    ("connect", True): "engine_connect",
    ("raw_connection", True): "raw_connection",
    ("begin", True): "engine_begin",
    ("begin", False): "session_begin",
    ("execute", True): "engine_execute",
    ("scalar", True): "engine_execute",
    ("query", False): "legacy_query",
    ("commit", False): "commit",
    ("rollback", False): "rollback",
    ("refresh", False): "expiry",
    ("expire", False): "expiry",
}
_ORIGIN_NOUNS = {
    Kind.ENGINE: "Engine",
    Kind.ASYNC_ENGINE: "Async engine",
    Kind.CONNECTION: "Connection",
    Kind.ASYNC_CONNECTION: "Async connection",
    Kind.RAW_CONNECTION: "DBAPI connection",
    Kind.SESSION: "Session",
    Kind.ASYNC_SESSION: "Async session",
    Kind.SESSION_FACTORY: "Session factory",
    Kind.ASYNC_SESSION_FACTORY: "Async session factory",
    Kind.SCOPED_SESSION: "Scoped session registry",
}


def rule_explanation(rule: type[Rule]) -> str:
    """The rule's summary, why it matters and the safe form, from its documentation page."""
    doc = rule.documentation()
    sections = _sections(doc)
    parts = [f"**{rule.code} {rule.name}**: {rule.summary()}"]
    if "Why is this bad?" in sections:
        parts.append(sections["Why is this bad?"])
    if "Use instead" in sections:
        parts.append("Use instead:\n" + sections["Use instead"])
    parts.append(f"[Rule documentation]({rule.url()})")
    return "\n\n".join(parts)


def _sections(doc: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in re.split(r"^## ", doc, flags=re.MULTILINE)[1:]:
        title, _, body = block.partition("\n")
        found[title.strip()] = body.strip()
    return found


def noqa_rule_at(line_text: str, column: int) -> type[Rule] | None:
    """The rule whose code in a `# noqa: ...` comment is under `column` (code points)."""
    match = NOQA_PATTERN.search(line_text)
    if match is None or match.group("codes") is None:
        return None
    start = match.start("codes")
    for code in re.finditer(r"[A-Za-z]+[0-9]+", match.group("codes")):
        if start + code.start() <= column <= start + code.end():
            return rule_by_code(code.group())
    return None


class HoverBuilder:
    def __init__(
        self,
        analysis: Analysis,
        positions: StatementPositions,
        diagnostics: Sequence[Diagnostic],
    ) -> None:
        self.analysis = analysis
        self.positions = positions
        self.diagnostics = diagnostics

    def hover(self, position: Position) -> str | None:
        parts = []
        for diagnostic in self.diagnostics:
            if diagnostic.span.start <= position <= diagnostic.span.end:
                rule = rule_by_code(diagnostic.code)
                if rule is not None:
                    parts.append(rule_explanation(rule))
        node = self._node_at(position)
        if node is not None:
            text = self._concept_text(node)
            if text is not None:
                parts.append(text)
        return "\n\n---\n\n".join(parts) if parts else None

    def _node_at(self, position: Position) -> cst.Name | None:
        """The name under the cursor (references, definitions and attribute names alike),
        looked for in the top-level statement holding the cursor's line only."""
        index = self.positions.statement_at_line(position.line)
        if index is None:
            return None
        ranges = self.positions.ranges_in(index)  # lines counted from the statement's
        shift = self.positions.breaks_before(index)
        if ranges is None or shift is None:  # too deeply nested to generate
            return None
        cursor = Position(position.line - shift, position.column)
        for node, code_range in ranges.items():
            if not isinstance(node, cst.Name):
                continue
            start = Position(code_range.start.line, code_range.start.column)
            end = Position(code_range.end.line, code_range.end.column)
            if start <= cursor <= end:
                return node
        return None

    def _line_of(self, node: cst.CSTNode) -> int | None:
        """The line `node` starts on (positions computed for its statement only)."""
        try:
            return self.positions.range_of(node).start.line
        except PositionUnavailable:
            return None

    def _scope_of(self, node: cst.CSTNode) -> Scope:
        for ancestor in self.analysis.model.ancestors(node):
            found = self.analysis.model.scope_of.get(ancestor)
            if found is not None:
                return found
        return self.analysis.model.module_scope

    def _concept_text(self, name: cst.Name) -> str | None:
        model = self.analysis.model
        resolver = self.analysis.resolver
        scope = self._scope_of(name)
        parent = model.parent(name)
        # `User.addresses`: a relationship of a mapped class, and how it loads.
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            declared = relationships(resolver, parent.value, scope).get(name.value)
            if declared is not None:
                return relationship_hover(
                    model.module.code_for_node(parent.value), name.value, declared.strategy
                )
        # `engine.connect`, `SessionLocal.begin`: the method name itself.
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            receiver = resolver.kind_of(parent.value, scope)
            if receiver is not None:
                key = (name.value, receiver.is_engine)
                if key in _METHOD_CONCEPTS:
                    return render_hover(concept(_METHOD_CONCEPTS[key]))
            qualified = resolver.qualify(parent)
            return self._library_name_text(qualified)
        qualified = resolver.qualify(name)
        library = self._library_name_text(qualified)
        if library is not None:
            return library
        kind = resolver.name_kind(name.value, scope)
        if kind is None or kind not in _KIND_CONCEPTS:
            return None
        return render_hover(concept(_KIND_CONCEPTS[kind]), self._origin(name.value, scope, kind))

    def _library_name_text(self, qualified: str | None) -> str | None:
        if not qualified or not qualified.startswith("sqlalchemy"):
            return None
        concept_id = _NAMED_CONCEPTS.get(qualified.rsplit(".", 1)[-1])
        return render_hover(concept(concept_id)) if concept_id else None

    def _origin(self, name: str, scope: Scope, kind: Kind) -> str | None:
        """ "Engine created at line 7", from the binding that gave the name its kind."""
        resolver = self.analysis.resolver
        current: Scope | None = scope
        while current is not None:
            for assignment in current.assignments.get(name, ()):
                if assignment.value is None:
                    continue
                line = self._line_of(assignment.node)
                if line is None:
                    continue
                noun = _ORIGIN_NOUNS.get(kind, kind.value)
                return f"{noun} created at line {line}"
            if name in current.params:
                line = self._line_of(current.params[name])
                if line is not None:
                    return (
                        f"{_ORIGIN_NOUNS.get(kind, kind.value)} received as a parameter "
                        f"at line {line}"
                    )
            current = current.parent
        qualified = resolver.model.imports.get(name)
        if qualified is not None:
            return f"{_ORIGIN_NOUNS.get(kind, kind.value)} imported from `{qualified}`"
        return None


_LOADING = {
    "select": "each object's first access of it runs one query (lazy loading: N+1 in a "
    "loop over many objects, `DetachedInstanceError` once the session is closed, "
    "`MissingGreenlet` under asyncio)",
    "selectin": "loaded with its objects, by one more `SELECT ... IN` for all of them",
    "joined": "loaded with its objects, by a JOIN in the same query",
    "subquery": "loaded with its objects, by a second query over a subquery",
    "immediate": "loaded as soon as each object is loaded, by one query per object",
    "raise": "never loaded implicitly: an access that would load it raises",
    "raise_on_sql": "never loaded by SQL implicitly: an access that would run a query raises",
    "noload": "never loaded: it stays empty unless set in Python",
    "dynamic": "a query object, run each time it is read",
    "write_only": "a write-only collection: read it with an explicit select",
}


def relationship_hover(owner: str, name: str, strategy: str) -> str:
    """How the relationship `owner.name` loads, for a hover."""
    if strategy == "unknown":
        how = "its loader strategy is set by an expression the analysis does not read"
        shown = "lazy=..."
    else:
        how = _LOADING.get(strategy, "loaded by the strategy of that name")
        shown = f'lazy="{strategy}"' + (" (the default)" if strategy == "select" else "")
    return (
        f"**Relationship `{owner}.{name}`** — `{shown}`: {how}. Load it with the query "
        f"that needs it: `.options(selectinload({owner}.{name}))` (collections) or "
        f"`joinedload` (many-to-one).\n\n" + render_hover(concept("loader_strategies"))
    )
