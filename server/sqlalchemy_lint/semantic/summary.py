"""What one module declares, in a form cheap to compute, store and query.

A summary is built from CPython's `ast` (about ten times cheaper than libcst's
tree) and depends on nothing but the module's own text, so it is cached by
content (see `cache.py`) and shared by every process and every session. It keeps
the declarations the evaluator needs, with expressions lowered to `ir`:

- imports (local name -> qualified name; relative imports keep their dots),
  star imports and `__all__`;
- module-level bindings and annotations, and module globals assigned inside
  functions (`global engine; engine = create_engine(...)` in an `init()`);
- every function and method (nested ones too): parameters, decorators, what it
  returns or yields, its local bindings, which locals it stores somewhere
  long-lived (`self.x = s`, `g.db = s`, a global, a container), what it
  releases (`x.close()`, `with x:`), and the calls it makes (callee, line, whether
  in a loop, and what becomes of the result);
- every class: bases, class attributes, the attributes its methods assign on
  `self`, and its methods.

What the names *are* is decided later, on demand, by the evaluator: a summary
never looks at another module.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import marshal
import re
import warnings
from dataclasses import dataclass, field

from . import ir
from .kinds import BROAD_EXCEPTIONS, STORING_METHODS
from .word_checks import CHARACTER_TESTS, STRING_STEPS, matches_only_word_characters

# The layout of the serialised form; part of every cache key.
FORMAT = 45

# Call-site flags.
IN_LOOP = 1
IN_MAIN_GUARD = 2
AT_MODULE_LEVEL = 4
IN_TRY = 8  # in the body of a `try` with handlers: an exception may be caught
# Its value is stored under a key computed at run time (`binds[name] = build(conf)`):
# one kept per key, not one thrown away per call.
KEPT_PER_KEY = 16
# In an ASGI app's `if scope["type"] == "lifespan":` branch: runs once, at start-up.
AT_STARTUP = 32
# The element of a list, set or dict comprehension that is kept (bound, returned,
# stored): `[make_exporter(output) for output in outputs]` keeps one per item.
COLLECTED = 64
# Stored where later calls find it, under a test that it is not there yet (`if _db is
# None: _db = get_new_db()`, or `if self._engine is None: self.create_engine()` where
# the method fills `self._engine`): made once, whatever runs the code around it.
CACHED = 128
# In the body of `if st.button(...):` (or `form_submit_button`): a Streamlit widget that
# is true only on the rerun its press starts, so the code runs once per press.
ON_PRESS = 256
# In the body of an `except` handler of a lost connection: runs only after the `try`
# failed to reach the database (`except OperationalError: self.reconnect()`), not each
# time the code around it runs. (A broad `except:` may be the code's way to branch, as
# `try: get(...) except: create(...)` in a loop is.)
IN_HANDLER = 512

# What becomes of a call's result.
FATE_WITH = "with"  # `with f() as x:` / `with f():`
FATE_RETURNED = "returned"  # returned or yielded, directly or through a local
FATE_STORED = "stored"  # kept somewhere long-lived (attribute, global, container)
FATE_LOCAL = "local"  # bound to a local that is only used here
FATE_DROPPED = "dropped"  # an expression statement: nothing keeps it
FATE_OTHER = "other"  # an argument, an operand, ...
_KEPT_FATES = (FATE_LOCAL, FATE_RETURNED, FATE_STORED)

_RELEASE_METHODS = frozenset({"close", "aclose", "dispose", "remove", "__exit__", "__aexit__"})


@dataclass
class CallSite:
    callee: str  # the called expression, dotted (`get_engine`, `db.get_engine`, `self.repo.x`)
    line: int
    column: int
    flags: int = 0
    fate: str = FATE_OTHER
    local: str | None = None  # the local it was bound to, when FATE_LOCAL
    # Arguments that are names (`f`, `views.index`), keyword ones as `name=f`: how
    # functions are registered as handlers (`add_url_rule("/", view_func=index)`).
    arguments: tuple[str, ...] = ()
    # The arms of the `if` statements around the call, as "line.column/arm" (arm 0 the
    # body, 1 the `else`): two calls under different arms of one `if` never both run.
    branches: tuple[str, ...] = ()
    # The parameters of its function whose argument decides whether the call runs:
    # "p" under `if p:` (or `p is not None`), "!p" where it runs only when the caller
    # leaves `p` unset (`if p is None:`, `p or make()`, `p if p else make()`).
    guards: tuple[str, ...] = ()
    # Not recorded (the repetition index sets it): the call a function is handed to
    # (`queue.enqueue` for `queue.enqueue(job, ...)`), which runs it then or later.
    handed_to: str | None = None

    def argument_for(self, name: str, position: int | None) -> str | None:
        """What the call passes for the parameter `name` at `position`, as recorded: the
        written argument ("" when unknown), or None when it passes none."""
        for argument in self.arguments:
            if argument.startswith(name + "="):
                return argument.partition("=")[2]
        positional = [a for a in self.arguments if "=" not in a or a.startswith("#")]
        if position is not None and position < len(positional):
            written = positional[position]
            return "" if written == "*" else written
        return None

    def to_data(self, positions: bool = True) -> tuple:  # type: ignore[type-arg]
        return (
            self.callee,
            self.line if positions else 0,
            self.column if positions else 0,
            self.flags,
            self.fate,
            self.local,
            self.arguments,
            self.branches,
            self.guards,
        )

    def excludes(self, other: CallSite) -> bool:
        """Whether this call and `other` sit under different arms of one `if`."""
        arms = dict(b.split("/") for b in self.branches)
        return any(
            arms.get(line, arm) != arm for line, arm in (b.split("/") for b in other.branches)
        )


@dataclass
class Param:
    name: str
    annotation: ir.Expr | None
    default: ir.Expr | None


@dataclass
class FunctionInfo:
    qualname: str  # `f`, `Class.method`, `outer.inner`; a redefinition gets `#2`, `#3`
    name: str
    line: int
    column: int
    owner: str | None = None  # qualname of the class whose body defines it
    parent: str | None = None  # qualname of the enclosing function
    is_async: bool = False
    decorators: tuple[ir.Expr, ...] = ()
    params: tuple[Param, ...] = ()
    return_annotation: ir.Expr | None = None
    returns: tuple[ir.Expr, ...] = ()
    yields: tuple[ir.Expr, ...] = ()
    locals: dict[str, tuple[ir.Expr, ...]] = field(default_factory=dict)  # `with e as x`: ("e", e)
    global_names: frozenset[str] = frozenset()
    stored: frozenset[str] = frozenset()  # locals kept somewhere long-lived
    released: frozenset[str] = frozenset()  # dotted names closed, disposed or entered
    managed_yields: bool = False  # each yielded local is released around its yield
    calls: tuple[CallSite, ...] = ()
    self_attributes: dict[str, tuple[ir.Expr, ...]] = field(default_factory=dict)
    # Of `released`, those released whatever happens: in a `finally`, or by a `with`.
    released_surely: frozenset[str] = frozenset()
    # Dotted names committed or flushed outside any `try` of the function: a failed
    # flush there reaches the caller (SQA110).
    flushed: frozenset[str] = frozenset()
    # Dotted names checked against a collection of allowed values, the function
    # leaving when they are not in it (`if info not in LEADERBOARDS: return abort(404)`).
    guarded: frozenset[str] = frozenset()
    # The whole body is a `try` whose broad handler ends it without raising (`except
    # Exception: log(...); return []`): a call of it returns, whatever goes wrong.
    swallows_errors: bool = False
    # Attributes read on `self` (`self.users` in a model's `to_dict()`: SQA401).
    self_reads: frozenset[str] = frozenset()
    # Of `released`, those released only in `except` handlers: when something failed,
    # not when the function did its work (`except: session.close(); raise`).
    released_on_failure: frozenset[str] = frozenset()

    @property
    def is_generator(self) -> bool:
        return bool(self.yields)

    @property
    def is_staticmethod(self) -> bool:
        return self.owner is not None and _decorated(self, "staticmethod")

    @property
    def is_classmethod(self) -> bool:
        return self.owner is not None and _decorated(self, "classmethod")

    def to_data(self, positions: bool = True) -> tuple:  # type: ignore[type-arg]
        return (
            self.qualname,
            self.name,
            self.line if positions else 0,
            self.column if positions else 0,
            self.owner,
            self.parent,
            self.is_async,
            self.decorators,
            tuple((p.name, p.annotation, p.default) for p in self.params),
            self.return_annotation,
            self.returns,
            self.yields,
            self.locals,
            tuple(sorted(self.global_names)),
            tuple(sorted(self.stored)),
            tuple(sorted(self.released)),
            self.managed_yields,
            tuple(c.to_data(positions) for c in self.calls),
            self.self_attributes,
            tuple(sorted(self.released_surely)),
            tuple(sorted(self.flushed)),
            tuple(sorted(self.guarded)),
            self.swallows_errors,
            tuple(sorted(self.self_reads)),
            tuple(sorted(self.released_on_failure)),
        )

    @classmethod
    def from_data(cls, data: tuple) -> FunctionInfo:  # type: ignore[type-arg]
        (qualname, name, line, column, owner, parent, is_async, decorators, params, returns_ann,
         returns, yields, locals_, global_names, stored, released, managed, calls,
         self_attributes, released_surely, flushed, guarded, swallows_errors,
         self_reads, released_on_failure) = data  # fmt: skip
        return cls(
            qualname,
            name,
            line,
            column,
            owner,
            parent,
            is_async,
            decorators,
            tuple(Param(*p) for p in params),
            returns_ann,
            returns,
            yields,
            locals_,
            frozenset(global_names),
            frozenset(stored),
            frozenset(released),
            managed,
            tuple(CallSite(*c) for c in calls),
            self_attributes,
            frozenset(released_surely),
            frozenset(flushed),
            frozenset(guarded),
            swallows_errors,
            frozenset(self_reads),
            frozenset(released_on_failure),
        )


def _swallows_errors(body: list[ast.stmt]) -> bool:
    """`try: ... except Exception: log(...)` as the whole body (after a docstring,
    before a `return` of a constant or a name): no exception leaves the function,
    since no handler raises one (a narrower handler that re-raises would let it out)."""
    statements = body[1:] if body and _is_docstring(body[0]) else body
    if not statements or type(statements[0]) is not ast.Try:
        return False
    attempt, rest = statements[0], statements[1:]
    if rest and not (
        len(rest) == 1
        and type(rest[0]) is ast.Return
        and (rest[0].value is None or type(rest[0].value) in (ast.Constant, ast.Name))
    ):
        return False
    assert isinstance(attempt, ast.Try)
    if attempt.orelse or attempt.finalbody:
        return False
    if not any(_is_broad_handler(h) for h in attempt.handlers):
        return False
    return not any(type(n) is ast.Raise for h in attempt.handlers for n in ast.walk(h))


# What a lost or refused connection raises (SQLAlchemy's, the DBAPI's, the socket's).
_CONNECTION_ERRORS = frozenset(
    {
        "OperationalError", "DisconnectionError", "InterfaceError", "InvalidRequestError",
        "DBAPIError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
        "TimeoutError", "ResourceClosedError",
    }
)  # fmt: skip


def _catches_lost_connections(handler: ast.ExceptHandler) -> bool:
    """`except OperationalError:`, `except (sa.exc.OperationalError, ConnectionError):`:
    a handler only for a connection that was lost or refused."""
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return bool(names) and all(
        (_dotted_name(name) or "").rpartition(".")[2] in _CONNECTION_ERRORS for name in names
    )


def _is_broad_handler(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    names = caught.elts if type(caught) is ast.Tuple else [caught]
    return any(type(n) is ast.Name and n.id in BROAD_EXCEPTIONS for n in names)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        type(statement) is ast.Expr
        and type(statement.value) is ast.Constant
        and isinstance(statement.value.value, str)
    )


def _decorated(info: FunctionInfo, name: str) -> bool:
    return any(ir.dotted(d) == name for d in info.decorators)


@dataclass
class ClassInfo:
    qualname: str
    name: str
    line: int
    bases: tuple[ir.Expr, ...] = ()
    decorators: tuple[ir.Expr, ...] = ()
    attributes: dict[str, tuple[ir.Expr, ...]] = field(default_factory=dict)  # class body
    annotations: dict[str, ir.Expr] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname

    def to_data(self, positions: bool = True) -> tuple:  # type: ignore[type-arg]
        return (
            self.qualname,
            self.name,
            self.line if positions else 0,
            self.bases,
            self.decorators,
            self.attributes,
            self.annotations,
            self.methods,
        )


@dataclass
class ModuleSummary:
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()
    exported: tuple[str, ...] | None = None  # `__all__`, when it is a literal
    bindings: dict[str, tuple[ir.Expr, ...]] = field(default_factory=dict)
    annotations: dict[str, ir.Expr] = field(default_factory=dict)
    late_bindings: dict[str, tuple[tuple[str, ir.Expr], ...]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)  # module-level def/class -> qualname
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    module_calls: tuple[CallSite, ...] = ()
    syntax_error: bool = False
    # Names of functions (or methods) a display holds as values, to be called later
    # (`{"customers": self.load_customers}`); DYNAMIC_DISPATCH when the module calls
    # `getattr(x, name)` with a computed name. Their calls are not seen.
    dispatched: frozenset[str] = frozenset()
    # `import tornado.web` binds only `tornado` (as `imports` records it); the module
    # it names, for whoever asks what the module imports.
    dotted_imports: tuple[str, ...] = ()
    # The module puts folders on the import path itself (`sys.path.insert(0, ...)`,
    # often from a config file): its absolute imports that the project's layout does
    # not explain may name a module anywhere in the project.
    extends_import_path: bool = False

    def imported_modules(self) -> list[str]:
        """Every qualified name the module imports, `import a.b` as `a.b`."""
        return [*self.imports.values(), *self.dotted_imports]

    def to_bytes(self) -> bytes:
        return marshal.dumps(self._data())

    def digest(self) -> str:
        """A digest of what importers can learn from this module. Positions are left
        out: an edit that only moves code does not change what other modules see."""
        # repr, not marshal: marshal's bytes depend on which objects happen to be shared.
        canonical = repr(self._data(positions=False)).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(canonical, digest_size=16).hexdigest()

    def _data(self, positions: bool = True) -> tuple:  # type: ignore[type-arg]
        functions = tuple(f.to_data(positions) for f in self.functions.values())
        classes = tuple(c.to_data(positions) for c in self.classes.values())
        calls = tuple(c.to_data(positions) for c in self.module_calls)
        return (
            FORMAT,
            self.imports,
            self.star_imports,
            self.exported,
            self.bindings,
            self.annotations,
            self.late_bindings,
            self.definitions,
            functions,
            classes,
            calls,
            self.syntax_error,
            # Sorted: a set's order changes with each process's string hashing, and
            # the digest must not.
            tuple(sorted(self.dispatched)),
            self.dotted_imports,
            self.extends_import_path,
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> ModuleSummary:
        """Raises ValueError on anything that is not a summary of this format."""
        try:
            data = marshal.loads(blob)
            (version, imports, stars, exported, bindings, annotations, late, definitions,
             functions, classes, calls, syntax_error, dispatched, dotted,
             extends) = data  # fmt: skip
        except (EOFError, ValueError, TypeError) as exc:
            raise ValueError(f"not a module summary: {exc}") from None
        if version != FORMAT:
            raise ValueError("a module summary of another format")
        try:
            infos = [FunctionInfo.from_data(f) for f in functions]
            class_infos = [ClassInfo(*c) for c in classes]
            return cls(
                imports,
                stars,
                exported,
                bindings,
                annotations,
                late,
                definitions,
                {f.qualname: f for f in infos},
                {c.qualname: c for c in class_infos},
                tuple(CallSite(*c) for c in calls),
                syntax_error,
                frozenset(dispatched),
                dotted,
                extends,
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a damaged module summary: {exc}") from None


def summarise_source(source: str) -> ModuleSummary:
    """The summary of a module's text; a module that does not parse summarises to
    nothing (with `syntax_error` set). Syntax newer than this interpreter's is read
    through `downlevel`."""
    tree = _cpython_tree(source)
    if tree is None:
        from .downlevel import older_syntax  # libcst: only for this rare path

        older = older_syntax(source)
        tree = _cpython_tree(older) if older is not None else None
        if tree is None:
            return ModuleSummary(syntax_error=True)
    return summarise_tree(tree)


def _cpython_tree(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = compile(source, "<summary>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    assert isinstance(tree, ast.Module)
    return tree


def summarise_tree(tree: ast.Module) -> ModuleSummary:
    builder = _Builder()
    # Absurdly nested statements stop the walk: what was gathered so far stands.
    with contextlib.suppress(RecursionError):
        builder.module(tree)
    builder.settle_tested_fills()
    builder.summary.dispatched = frozenset(builder.dispatched)
    return builder.summary


# -- building ----------------------------------------------------------------------------


@dataclass
class _Frame:
    """A function being summarised."""

    info: FunctionInfo
    locals: dict[str, list[ir.Expr]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    stored: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)
    released: set[str] = field(default_factory=set)
    released_surely: set[str] = field(default_factory=set)
    released_in_handlers: set[str] = field(default_factory=set)  # in `except` handlers
    released_elsewhere: set[str] = field(default_factory=set)  # anywhere else
    flushed: set[str] = field(default_factory=set)
    guarded: set[str] = field(default_factory=set)
    returns: list[ir.Expr] = field(default_factory=list)
    yields: list[ir.Expr] = field(default_factory=list)
    unmanaged_yield: bool = False
    calls: list[CallSite] = field(default_factory=list)
    self_attributes: dict[str, list[ir.Expr]] = field(default_factory=dict)
    self_reads: set[str] = field(default_factory=set)
    # Names read by decorated functions defined inside it (`@app.callback` closures).
    captured: set[str] = field(default_factory=set)


def _kept(frame: _Frame) -> set[str]:
    """The frame's locals and parameters kept beyond the call: stored somewhere,
    captured by a registered closure, or given to the constructor of an object that is
    (`queries = Queries(session=session)`, then `queries` kept: `session` is too)."""
    params = {p.name for p in frame.info.params}
    kept = frame.stored | (frame.captured & (params | set(frame.locals)))
    pending = list(kept)
    # `return UserRepository(session)`, `repo = Repo(session); return repo`: what is
    # given to the constructor of the object returned lives as long as that object.
    handed = [*frame.returns, *(v for name in frame.returned for v in frame.locals.get(name, ()))]
    while True:
        for value in handed:
            if value[0] != "c" or not _is_constructor(value[1]):
                continue
            for argument in (*value[2], *(v for _, v in value[3])):
                if argument[0] == "n" and argument[1] not in kept:
                    kept.add(argument[1])
                    pending.append(argument[1])
        if not pending:
            return kept
        handed = list(frame.locals.get(pending.pop(), ()))


def _is_constructor(callee: ir.Expr) -> bool:
    last = (ir.dotted(callee) or "").rpartition(".")[2]
    return last[:1].isupper() and not last.isupper()


class _Builder:
    def __init__(self) -> None:
        self.summary = ModuleSummary()
        self.frames: list[_Frame] = []
        self.classes: list[ClassInfo] = []  # enclosing classes (innermost last)
        self.in_class_body = False
        self.loop_depth = 0
        self.main_guard = False
        self.at_startup = 0  # inside an ASGI lifespan branch of the current function
        self.on_press = 0  # inside `if st.button(...):`
        self.collected: ast.Call | None = None  # a kept comprehension's element call
        self.branches: list[str] = []  # the arms of the `if` statements around the code
        # The parameter guards of the `if` statements around the code (see `CallSite`),
        # and of the expression whose calls are being recorded.
        self.param_guards: list[str] = []
        self.expression_guards: tuple[str, ...] = ()
        # Names the `if` statements around the code test for being unset (`x is None`).
        self.none_tested: list[set[str]] = []
        # Calls of the instance's own methods under such a test, with what it tests.
        self.tested_fills: list[tuple[CallSite, str, set[str]]] = []
        self.in_finally = 0  # inside `finally:` blocks of the current function
        self.in_try = 0  # inside the bodies of `try` statements with handlers
        self.in_handler = 0  # inside `except` handlers of the current function
        self.in_except = 0  # inside any `except` handler of the current function
        # Names a yield is protected by: `with ... as n`, `try: ... finally: n.close()`.
        self.protected: list[set[str]] = []
        self.qualnames: dict[str, int] = {}
        self.bindings: dict[str, list[ir.Expr]] = {}
        self.late: dict[str, list[tuple[str, ir.Expr]]] = {}
        self.module_calls: list[CallSite] = []
        self.dispatched: set[str] = set()
        # Inside `if <expr> in <collection>:` bodies of a function: (ast.dump(expr),
        # collection). `x = <expr>` there binds `x` to an item of the collection.
        self.membership: list[tuple[str, ast.expr]] = []

    # -- module --------------------------------------------------------------------------

    def module(self, tree: ast.Module) -> None:
        for statement in tree.body:
            self.statement(statement)
        summary = self.summary
        summary.bindings = {k: tuple(v) for k, v in self.bindings.items()}
        summary.late_bindings = {k: tuple(v) for k, v in self.late.items()}
        summary.module_calls = tuple(self.module_calls)

    def _unique(self, qualname: str) -> str:
        count = self.qualnames.get(qualname, 0) + 1
        self.qualnames[qualname] = count
        return qualname if count == 1 else f"{qualname}#{count}"

    def _prefix(self) -> str:
        if self.in_class_body and self.classes:
            return self.classes[-1].qualname + "."
        if self.frames:
            return self.frames[-1].info.qualname + "."
        return ""

    # -- statements ----------------------------------------------------------------------

    def statements(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self.function(node)  # type: ignore[arg-type]
        elif kind is ast.ClassDef:
            self.class_def(node)  # type: ignore[arg-type]
        elif kind is ast.Import:
            assert isinstance(node, ast.Import)
            for alias in node.names:
                if alias.asname:
                    self._import(alias.asname, alias.name)
                else:
                    head = alias.name.split(".")[0]
                    self._import(head, head)
                    if head != alias.name and alias.name not in self.summary.dotted_imports:
                        self.summary.dotted_imports += (alias.name,)
        elif kind is ast.ImportFrom:
            assert isinstance(node, ast.ImportFrom)
            self.import_from(node)
        elif kind is ast.Assign:
            assert isinstance(node, ast.Assign)
            fate, local = self._assignment_fate(node.targets)
            recorded = len(self.frames[-1].calls) if self.frames else 0
            value = self._guarded(node.value, self.expression(node.value, fate, local))
            if self.frames and _keyed_target(node.targets):
                self._mark_kept_per_key(node.value, recorded)
                self._mark_a_looked_up_store(node.targets[0], node.value)
            if self.frames and self._fills_a_tested_slot(node.targets):
                self._mark_kept_per_key(node.value, recorded, CACHED)
            for target in node.targets:
                self.bind(target, value, node.value)
                if isinstance(target, ast.Name) and target.id == "__all__" and not self.frames:
                    self.summary.exported = _string_list(node.value)
            if len(node.targets) > 1 and self.frames:
                # `g.db = session = SessionLocal()`: the local is kept on `g` too.
                frame = self.frames[-1]
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                kept = any(
                    not isinstance(t, ast.Name) or t.id in frame.global_names
                    for t in node.targets
                    if not isinstance(t, (ast.Tuple, ast.List))
                )
                if kept:
                    frame.stored.update(n for n in names if n not in frame.global_names)
        elif kind is ast.AnnAssign:
            assert isinstance(node, ast.AnnAssign)
            annotation = self.annotation(node.annotation) or ir.UNKNOWN
            fate, local = self._assignment_fate([node.target])
            assigned = self.expression(node.value, fate, local) if node.value is not None else None
            target = node.target
            if isinstance(target, ast.Name):
                if self.in_class_body and self.classes:
                    self.classes[-1].annotations[target.id] = annotation
                elif not self.frames:
                    self.summary.annotations[target.id] = annotation
            elif isinstance(target, ast.Attribute) and _is_self_attribute(target) and self.frames:
                owner = self._owner_class()
                if owner is not None:
                    owner.annotations.setdefault(target.attr, annotation)
            if assigned is not None and node.value is not None:
                self.bind(node.target, assigned, node.value)
        elif kind is ast.AugAssign:
            assert isinstance(node, ast.AugAssign)
            added = self.expression(node.value)
            target = node.target
            if isinstance(target, ast.Name) and self.frames:
                # `condition += " limit " + limit`: what is added becomes part of the
                # local's value, as one more of the values it is made from (not as
                # `condition + ...`, whose reference to itself would be a cycle).
                self.bind(target, added, None)
            if isinstance(target, ast.Name) and target.id == "__all__" and not self.frames:
                more = _string_list(node.value)
                if more is not None and self.summary.exported is not None:
                    self.summary.exported += more
        elif kind is ast.Expr:
            assert isinstance(node, ast.Expr)
            recorded = len(self.frames[-1].calls) if self.frames else 0
            self.expression(node.value, FATE_DROPPED)
            if self.frames and self.none_tested:
                self._note_a_tested_fill(node.value, recorded)
        elif kind is ast.Return:
            assert isinstance(node, ast.Return)
            if self.frames:
                frame = self.frames[-1]
                frame.returns.append(self.expression(node.value, FATE_RETURNED))
                local = _local_name(node.value)
                if local is not None:
                    frame.returned.add(local)
            else:
                self.expression(node.value)
        elif kind is ast.If:
            assert isinstance(node, ast.If)
            self.expression(node.test)
            if not self.frames and _is_main_guard(node.test):
                was, self.main_guard = self.main_guard, True
                self.statements(node.body)
                self.main_guard = was
            else:
                if self.frames and _leaves(node.body):
                    self.frames[-1].guarded.update(_excluded_unless_allowed(node.test))
                    self.frames[-1].guarded.update(_failing_a_character_test(node.test))
                guards = _membership_tests(node.test) if self.frames else []
                self.membership.extend((_lookup_form(left), within) for left, within in guards)
                startup = _is_lifespan_test(node.test)
                self.at_startup += startup
                pressed = _is_press_test(node.test)
                self.on_press += pressed
                self.branches.append(f"{node.lineno}.{node.col_offset}/0")
                self.none_tested.append(_unset_tests(node.test))
                guard = self._parameter_guard(node.test)
                self.param_guards.extend([guard] if guard else [])
                self.statements(node.body)
                del self.param_guards[len(self.param_guards) - bool(guard) :]
                self.none_tested.pop()
                self.branches.pop()
                self.at_startup -= startup
                self.on_press -= pressed
                del self.membership[len(self.membership) - len(guards) :]
            else_guard = _negated(self._parameter_guard(node.test)) if self.frames else None
            self.param_guards.extend([else_guard] if else_guard else [])
            self.branches.append(f"{node.lineno}.{node.col_offset}/1")
            self.statements(node.orelse)
            self.branches.pop()
            del self.param_guards[len(self.param_guards) - bool(else_guard) :]
        elif kind in (ast.For, ast.AsyncFor, ast.While):
            if kind is ast.While:
                self.expression(node.test)  # type: ignore[attr-defined]
            else:
                self.expression(node.iter)  # type: ignore[attr-defined]
                element = ir.element_of(ir.from_ast(node.iter))  # type: ignore[attr-defined]
                self.bind(node.target, element, None)  # type: ignore[attr-defined]
            self.loop_depth += 1
            self.statements(node.body)  # type: ignore[attr-defined]
            self.loop_depth -= 1
            self.statements(node.orelse)  # type: ignore[attr-defined]
        elif kind is ast.With or kind is ast.AsyncWith:
            self.with_statement(node)  # type: ignore[arg-type]
        elif kind is ast.Try or kind.__name__ == "TryStar":
            self.try_statement(node)  # type: ignore[arg-type]
        elif kind is ast.Global or kind is ast.Nonlocal:
            if self.frames and kind is ast.Global:
                self.frames[-1].global_names.update(node.names)  # type: ignore[attr-defined]
        elif kind.__name__ == "Match":
            self.expression(node.subject)  # type: ignore[attr-defined]
            for case in node.cases:  # type: ignore[attr-defined]
                self.statements(case.body)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expression(child)
                elif isinstance(child, ast.stmt):
                    self.statement(child)

    def _mark_kept_per_key(self, value: ast.expr, recorded: int, flag: int = KEPT_PER_KEY) -> None:
        """Flag the call site of `value` (the call assigned) as kept per key (or `flag`)."""
        site = self._site_of(value, recorded)
        if site is not None:
            site.flags |= flag

    def _site_of(self, value: ast.expr, recorded: int) -> CallSite | None:
        """The site the current function recorded, from its `recorded`-th on, for the
        call `value` (awaited or not); None when `value` is no call."""
        while isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return None
        for site in self.frames[-1].calls[recorded:]:
            if (site.line, site.column) == (value.lineno, value.col_offset):
                return site
        return None

    def _mark_a_looked_up_store(self, target: ast.expr, value: ast.expr) -> None:
        """`_ENGINES[shard] = engine`, where the local `engine` was bound to a call and
        the function looks the same long-lived table up (`_ENGINES.get(shard)`) to
        return what it holds: a cache, so that call makes one per key, as one stored
        under a test that its slot is empty does (CACHED)."""
        assert isinstance(target, ast.Subscript)
        table = _dotted_name(target.value)
        frame = self.frames[-1]
        if not isinstance(value, ast.Name) or table is None:
            return
        if "." not in table and table not in frame.global_names and table in frame.locals:
            return  # a local table: filled again on every call
        if not any(site.callee == f"{table}.get" for site in frame.calls):
            return
        for site in frame.calls:
            if site.fate == FATE_LOCAL and site.local == value.id:
                site.flags |= CACHED

    def _note_a_tested_fill(self, value: ast.expr, recorded: int) -> None:
        """`self.create_engine()` under `if self._engine is None:`: when the method
        fills that attribute (`self._engine = create_engine(...)`), what it makes there
        is made once per instance, as `self._engine = make()` under the test is. The
        method may be defined further down: decided once the module is read."""
        while isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
            return
        receiver = value.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id == "self"):
            return
        tested = {
            name.removeprefix("self.")
            for names in self.none_tested
            for name in names
            if name.startswith("self.") and name.count(".") == 1
        }
        owner = self.frames[-1].info.owner
        site = self._site_of(value, recorded)
        if tested and owner is not None and site is not None:
            self.tested_fills.append((site, f"{owner}.{value.func.attr}", tested))

    def settle_tested_fills(self) -> None:
        """Mark the calls `_note_a_tested_fill` saw as CACHED when the method they
        call fills one of the attributes tested around them."""
        for site, method, tested in self.tested_fills:
            info = self.summary.functions.get(method)
            if info is not None and tested & set(info.self_attributes):
                site.flags |= CACHED

    def _fills_a_tested_slot(self, targets: list[ast.expr]) -> bool:
        """`_db = ...` (a global) or `self._db = ...` under `if _db is None:` / `if not
        self._db:`: the slot is filled once, and later calls find it filled."""
        if len(targets) != 1 or not self.none_tested:
            return False
        target = targets[0]
        written = _dotted_name(target)
        if written is None:
            return False
        if isinstance(target, ast.Name) and target.id not in self.frames[-1].global_names:
            return False  # a local: filled again on every call
        return any(written in tested for tested in self.none_tested)

    def _assignment_fate(self, targets: list[ast.expr]) -> tuple[str, str | None]:
        """What becomes of a value assigned to `targets`."""
        if len(targets) != 1:
            return FATE_OTHER, None
        target = targets[0]
        if isinstance(target, ast.Name):
            if self.frames and target.id not in self.frames[-1].global_names:
                return FATE_LOCAL, target.id
            return FATE_STORED, None  # a module global, or a class attribute
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            return FATE_STORED, None
        return FATE_OTHER, None

    def import_from(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if not self.frames:
                    self.summary.star_imports += (base,)
                continue
            local = alias.asname or alias.name
            separator = "" if base.endswith(".") else "."
            self._import(local, f"{base}{separator}{alias.name}")

    def _import(self, local: str, qualified: str) -> None:
        # An import inside a function binds a local of that function; the names it
        # binds are taken as the module's (unless the module binds them itself), as
        # libcst's model of the checked module does.
        if self.frames or self.in_class_body:
            self.summary.imports.setdefault(local, qualified)
        else:
            self.summary.imports[local] = qualified

    def with_statement(self, node: ast.With | ast.AsyncWith) -> None:
        protected: set[str] = set()
        for item in node.items:
            value = self.expression(item.context_expr, FATE_WITH)
            entered = _dotted_name(item.context_expr)
            if entered is not None and self.frames:
                self.frames[-1].released.add(entered)
                self.frames[-1].released_surely.add(entered)
                protected.add(entered)
            target = item.optional_vars
            if isinstance(target, ast.Name):
                protected.add(target.id)
            if target is not None:
                self.bind(target, ("e", value), None)
        self.protected.append(protected)
        self.statements(node.body)
        self.protected.pop()

    def try_statement(self, node: ast.Try) -> None:
        closed = {n for n in (_closed_name(s) for s in node.finalbody) if n}
        self.protected.append(closed)
        handled = bool(node.handlers)
        self.in_try += handled
        self.statements(node.body)
        self.in_try -= handled
        self.protected.pop()
        for handler in node.handlers:
            recovers = _catches_lost_connections(handler)
            self.in_handler += recovers
            self.in_except += 1
            self.statements(handler.body)
            self.in_except -= 1
            self.in_handler -= recovers
        if self.frames:
            # `try: ...; s.close()` with `except: s.close()` first thing in a broad
            # handler: closed on every path through the `try`.
            self.frames[-1].released_surely.update(_closed_in_body_and_handler(node))
        self.statements(node.orelse)
        self.in_finally += 1
        self.statements(node.finalbody)
        self.in_finally -= 1

    # -- definitions --------------------------------------------------------------------

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators = tuple(self.expression(d) for d in node.decorator_list)
        qualname = self._unique(self._prefix() + node.name)
        owner = self.classes[-1].qualname if self.in_class_body and self.classes else None
        parent = self.frames[-1].info.qualname if self.frames else None
        arguments = node.args
        params = []
        for arg in (*arguments.posonlyargs, *arguments.args):
            params.append(Param(arg.arg, self.annotation(arg.annotation), None))
        # Defaults belong to the last positional parameters.
        for index, default in enumerate(arguments.defaults):
            position = len(params) - len(arguments.defaults) + index
            if 0 <= position < len(params):
                params[position].default = self.expression(default)
        for arg, keyword_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            params.append(
                Param(
                    arg.arg,
                    self.annotation(arg.annotation),
                    self.expression(keyword_default) if keyword_default is not None else None,
                )
            )
        for star in (arguments.vararg, arguments.kwarg):
            if star is not None:
                params.append(Param(star.arg, None, None))
        info = FunctionInfo(
            qualname=qualname,
            name=node.name,
            line=node.lineno,
            column=node.col_offset,
            owner=owner,
            parent=parent,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            decorators=decorators,
            params=tuple(params),
            return_annotation=self.annotation(node.returns),
            swallows_errors=_swallows_errors(node.body),
        )
        if owner is not None:
            self.classes[-1].methods.setdefault(node.name, qualname)
        elif not self.frames:
            self.summary.definitions[node.name] = qualname
        elif self.frames:
            self.frames[-1].locals.setdefault(node.name, []).append(ir.UNKNOWN)
        frame = _Frame(info)
        self.frames.append(frame)
        saved = (
            self.in_class_body,
            self.loop_depth,
            self.protected,
            self.main_guard,
            self.in_finally,
            self.in_try,
            self.in_handler,
            self.in_except,
            self.at_startup,
            self.on_press,
            self.branches,
            self.none_tested,
        )
        self.in_class_body, self.loop_depth, self.protected, self.main_guard = False, 0, [], False
        self.in_finally = self.in_try = self.in_handler = self.at_startup = self.on_press = 0
        self.in_except = 0
        self.branches, self.none_tested = [], []  # the `if`s around a def run when it is made
        self.statements(node.body)
        (
            self.in_class_body,
            self.loop_depth,
            self.protected,
            self.main_guard,
            self.in_finally,
            self.in_try,
            self.in_handler,
            self.in_except,
            self.at_startup,
            self.on_press,
            self.branches,
            self.none_tested,
        ) = saved
        self.frames.pop()
        if self.frames and node.decorator_list:
            # A decorated function defined here is registered somewhere (a route, a
            # callback): what it reads from this frame lives as long as it does.
            self.frames[-1].captured.update(
                n.id for n in ast.walk(node) if type(n) is ast.Name and type(n.ctx) is ast.Load
            )
        self._finish(frame)

    def _finish(self, frame: _Frame) -> None:
        info = frame.info
        info.returns = tuple(frame.returns)
        info.yields = tuple(frame.yields)
        info.locals = {k: tuple(v) for k, v in frame.locals.items()}
        info.global_names = frozenset(frame.global_names)
        info.stored = frozenset(_kept(frame))
        info.released = frozenset(frame.released)
        info.released_surely = frozenset(frame.released_surely)
        info.released_on_failure = frozenset(frame.released_in_handlers - frame.released_elsewhere)
        info.flushed = frozenset(frame.flushed)
        info.guarded = frozenset(frame.guarded)
        info.managed_yields = bool(frame.yields) and not frame.unmanaged_yield
        info.self_attributes = {k: tuple(v) for k, v in frame.self_attributes.items()}
        info.self_reads = frozenset(frame.self_reads)
        escaped = info.stored | frame.returned
        calls = []
        for call in frame.calls:
            if call.fate == FATE_LOCAL and call.local in escaped:
                call.fate = FATE_STORED if call.local in info.stored else FATE_RETURNED
            calls.append(call)
        info.calls = tuple(calls)
        self.summary.functions[info.qualname] = info

    def class_def(self, node: ast.ClassDef) -> None:
        decorators = tuple(self.expression(d) for d in node.decorator_list)
        bases = tuple(self.expression(b) for b in node.bases)
        qualname = self._unique(self._prefix() + node.name)
        info = ClassInfo(qualname, node.name, node.lineno, bases, decorators)
        self.summary.classes[qualname] = info
        if not self.frames and not self.in_class_body:
            self.summary.definitions[node.name] = qualname
        elif self.frames and not self.in_class_body:
            self.frames[-1].locals.setdefault(node.name, []).append(ir.UNKNOWN)
        self.classes.append(info)
        saved_body, saved_frames = self.in_class_body, self.frames
        self.in_class_body, self.frames = True, []
        self.statements(node.body)
        self.in_class_body, self.frames = saved_body, saved_frames
        self.classes.pop()

    def _owner_class(self) -> ClassInfo | None:
        """The class whose method is being summarised (for `self.x = ...`)."""
        if not self.frames:
            return None
        qualname = self.frames[-1].info.owner
        # A nested function inside a method still refers to the method's `self`.
        for frame in reversed(self.frames):
            if frame.info.owner is not None:
                qualname = frame.info.owner
                break
        return self.summary.classes.get(qualname) if qualname else None

    # -- bindings -----------------------------------------------------------------------

    def _guarded(self, node: ast.expr, value: ir.Expr) -> ir.Expr:
        """`value`, or an item of the collection an enclosing `if <node> in <collection>:`
        tested `node` against: `if request.args.get("dir") in ["asc", "desc"]: direction =
        request.args.get("dir")` binds `direction` to "asc" or "desc", not to the request."""
        if self.membership:
            written = _lookup_form(node)
            for left, within in reversed(self.membership):
                if left == written:
                    return ir.element_of(ir.from_ast(within))
        return value

    def bind(self, target: ast.expr, value: ir.Expr, source: ast.expr | None) -> None:
        local_source = _local_name(source) if source is not None else None
        if isinstance(target, ast.Name):
            name = target.id
            if self.in_class_body and self.classes:
                attributes = self.classes[-1].attributes
                attributes[name] = (*attributes.get(name, ()), value)
                return
            if not self.frames:
                self.bindings.setdefault(name, []).append(value)
                return
            frame = self.frames[-1]
            if name in frame.global_names:
                self.late.setdefault(name, []).append((frame.info.qualname, value))
                if local_source is not None:
                    frame.stored.add(local_source)
                return
            frame.locals.setdefault(name, []).append(value)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            # `for table, column in COLUMNS:` binds each to an item of an item of
            # COLUMNS; `engine, conn = connect(url)` each to its item of the result
            # (up to a starred target: the positions after it cannot be told).
            iterated = value[0] == "s" and value[2] == ir.UNKNOWN
            starred_seen = False
            for index, element in enumerate(target.elts):
                starred = isinstance(element, ast.Starred)
                starred_seen = starred_seen or starred
                inner = element.value if isinstance(element, ast.Starred) else element
                if iterated and not starred:
                    item = ir.element_of(value)
                elif starred_seen or value == ir.UNKNOWN:
                    item = ir.UNKNOWN
                else:
                    item = ir.item_of(value, index)
                self.bind(inner, item, None)
            return
        if isinstance(target, ast.Starred):
            self.bind(target.value, ir.UNKNOWN, None)
            return
        # An attribute or a slot: whatever is stored there outlives the function.
        if self.frames:
            frame = self.frames[-1]
            if local_source is not None:
                frame.stored.add(local_source)
            if _is_self_attribute(target):
                assert isinstance(target, ast.Attribute)
                frame.self_attributes.setdefault(target.attr, []).append(value)
        self.expression(target)

    # -- expressions --------------------------------------------------------------------

    def annotation(self, node: ast.expr | None) -> ir.Expr | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return ir.annotation_from_string(node.value)
        return ir.from_ast(node)

    def expression(
        self, node: ast.expr | None, fate: str = FATE_OTHER, local: str | None = None
    ) -> ir.Expr:
        """Lower `node`, recording the calls and yields inside it; `fate` is what
        becomes of its value (`local`: the local it is bound to)."""
        if node is None:
            return ir.CONSTANT
        self._visit_expression(node, fate, local)
        return ir.from_ast(node)

    def _visit_expression(self, node: ast.expr, fate: str, local: str | None = None) -> None:
        top = node
        while isinstance(top, ast.Await):
            top = top.value
        # (Each entry carries the parameter guards of where it sits in the expression.)
        stack: list[tuple[ast.AST, str, tuple[str, ...]]] = [(node, fate, ())]
        while stack:
            current, current_fate, guarded = stack.pop()
            kind = type(current)
            # The commonest nodes first, without the generic walk's cost.
            if kind is ast.Name or kind is ast.Constant:
                continue
            if kind is ast.Attribute:
                value = current.value  # type: ignore[attr-defined]
                if type(value) is ast.Name and value.id == "self" and self.frames:
                    self.frames[-1].self_reads.add(current.attr)  # type: ignore[attr-defined]
                stack.append((value, FATE_OTHER, guarded))
                continue
            if kind is ast.Call:
                assert isinstance(current, ast.Call)
                self.expression_guards = guarded
                self._record_call(current, current_fate, local if current is top else None)
                self.expression_guards = ()
                stack.append((current.func, FATE_OTHER, guarded))
                func = current.func
                # `run.observers.append(SqlObserver(url))`: kept by another object.
                kept = (
                    type(func) is ast.Attribute
                    and func.attr in STORING_METHODS
                    and type(func.value) is ast.Attribute
                )
                stack.extend(
                    (a, FATE_STORED if kept else FATE_OTHER, guarded) for a in current.args
                )
                stack.extend((k.value, FATE_OTHER, guarded) for k in current.keywords)
                continue
            if kind is ast.Await:
                stack.append((current.value, current_fate, guarded))  # type: ignore[attr-defined]
                continue
            if kind is ast.Lambda:
                continue  # a scope of its own; its calls run when it is called
            if kind in (ast.Yield, ast.YieldFrom):
                self._record_yield(current)  # type: ignore[arg-type]
                value = current.value  # type: ignore[attr-defined]
                if value is not None:
                    stack.append((value, FATE_RETURNED, guarded))
                continue
            if kind is ast.IfExp:
                assert isinstance(current, ast.IfExp)
                guard = self._parameter_guard(current.test)
                negated = _negated(guard)
                stack.append((current.test, FATE_OTHER, guarded))
                stack.append((current.body, current_fate, (*guarded, guard) if guard else guarded))
                stack.append(
                    (current.orelse, current_fate, (*guarded, negated) if negated else guarded)
                )
                continue
            if kind is ast.BoolOp and isinstance(current.op, ast.Or):  # type: ignore[attr-defined]
                # `engine = engine or make_engine()`: what follows a parameter runs only
                # when the caller leaves it unset.
                first, *rest = current.values  # type: ignore[attr-defined]
                guard = self._parameter_guard(first)
                stack.append((first, FATE_OTHER, guarded))
                after = (*guarded, f"!{guard}") if guard and guard[0] != "!" else guarded
                stack.extend((value, FATE_OTHER, after) for value in rest)
                continue
            if kind is ast.Dict or kind is ast.List or kind is ast.Tuple or kind is ast.Set:
                items = current.values if kind is ast.Dict else current.elts  # type: ignore[attr-defined]
                for item in items:
                    if type(item) is ast.Attribute:
                        self.dispatched.add(item.attr)
                    elif type(item) is ast.Name:
                        self.dispatched.add(item.id)
            if kind in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
                self.loop_depth += 1
                collected = self.collected
                if kind is not ast.GeneratorExp and current_fate in _KEPT_FATES:
                    element = current.value if kind is ast.DictComp else current.elt  # type: ignore[attr-defined]
                    while isinstance(element, ast.Await):
                        element = element.value
                    if isinstance(element, ast.Call):
                        self.collected = element
                try:
                    for child in ast.iter_child_nodes(current):
                        if isinstance(child, ast.comprehension):
                            self._visit_expression(child.iter, FATE_OTHER)
                            for condition in child.ifs:
                                self._visit_expression(condition, FATE_OTHER)
                            self._bind_comprehension_target(child.target, child.iter)
                        elif isinstance(child, ast.expr):
                            self._visit_expression(child, FATE_OTHER)
                finally:
                    self.loop_depth -= 1
                    self.collected = collected
                continue
            for child in ast.iter_child_nodes(current):
                if isinstance(child, ast.expr):
                    stack.append((child, FATE_OTHER, guarded))

    def _parameter_guard(self, test: ast.expr) -> str | None:
        """The guard (see `CallSite.guards`) a test of a parameter of the function being
        summarised makes for its true branch: "p" for `p` or `p is not None`, "!p" for
        `not p` or `p is None`; None for any other test, or a parameter the function
        has rebound (its value is no longer the caller's)."""
        if not self.frames:
            return None
        frame = self.frames[-1]
        negated = False
        checked: ast.expr = test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            checked, negated = test.operand, True
        elif (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            checked, negated = test.left, isinstance(test.ops[0], ast.Is)
        if not isinstance(checked, ast.Name):
            return None
        name = checked.id
        if name in frame.locals or not any(p.name == name for p in frame.info.params):
            return None
        return f"!{name}" if negated else name

    def _bind_comprehension_target(self, target: ast.expr, iterable: ast.expr) -> None:
        # Comprehension variables are local to the comprehension; binding them to an
        # item of what they iterate keeps a same-named outer value from being taken
        # for them.
        if self.frames:
            element = ir.element_of(ir.from_ast(iterable))
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    self.frames[-1].locals.setdefault(node.id, []).append(element)

    def _record_call(self, node: ast.Call, fate: str, local: str | None) -> None:
        func = node.func
        callee = _dotted_name(func)
        if callee in _IMPORT_PATH_EXTENDERS:
            self.summary.extends_import_path = True
        if (
            callee == "getattr"
            and len(node.args) > 1
            and not isinstance(node.args[1], ast.Constant)
        ):
            self.dispatched.add(DYNAMIC_DISPATCH)
        if callee is not None and callee.rpartition(".")[2] in DEFERRING_WRAPPERS and node.args:
            # `Table.from_sql = classmethod(from_sql)`, `partial(load, url)`: called
            # later, by whoever gets the wrapper, as often as they like.
            wrapped = node.args[0]
            if type(wrapped) is ast.Attribute:
                self.dispatched.add(wrapped.attr)
            elif type(wrapped) is ast.Name:
                self.dispatched.add(wrapped.id)
        if self.frames:
            frame = self.frames[-1]
            if isinstance(func, ast.Attribute):
                receiver = _dotted_name(func.value)
                if receiver is not None and func.attr in _RELEASE_METHODS:
                    # `session = self.session` ... `session.close()` closes the attribute.
                    for released in (receiver, *_aliased_attribute(frame, receiver)):
                        frame.released.add(released)
                        if self.in_finally:
                            frame.released_surely.add(released)
                        if self.in_except and not self.in_finally:
                            frame.released_in_handlers.add(released)
                        else:
                            frame.released_elsewhere.add(released)
                if receiver is not None and func.attr in ("commit", "flush") and not self.in_try:
                    frame.flushed.add(receiver)
                if func.attr in STORING_METHODS:
                    for arg in node.args:
                        local = _local_name(arg)
                        if local is not None:
                            frame.stored.add(local)
            elif isinstance(func, ast.Name) and func.id in ("setattr", "register"):
                for arg in node.args[1:]:
                    local = _local_name(arg)
                    if local is not None:
                        frame.stored.add(local)
            for argument in (*node.args, *(k.value for k in node.keywords)):
                # `register_finalizer(self.session.close)`: released when that runs.
                if isinstance(argument, ast.Attribute) and argument.attr in _RELEASE_METHODS:
                    handed = _dotted_name(argument.value)
                    if handed is not None:
                        frame.released.add(handed)
        if callee is None:
            return
        flags = 0
        if self.loop_depth:
            flags |= IN_LOOP
        if self.in_try:
            flags |= IN_TRY
        if self.at_startup:
            flags |= AT_STARTUP
        if self.on_press:
            flags |= ON_PRESS
        if self.in_handler:
            flags |= IN_HANDLER
        if node is self.collected:
            flags |= COLLECTED
        kept = _RECORDED_ARGUMENTS
        arguments = (
            *(_argument_text(a) for a in node.args[:kept]),
            *(f"{k.arg}={_argument_text(k.value)}" for k in node.keywords[:kept] if k.arg),
            # What the record cannot tell apart: unpacked arguments, or more than it keeps.
            *(
                ["*"]
                if len(node.args) > kept
                or len(node.keywords) > kept
                or any(isinstance(a, ast.Starred) for a in node.args)
                or any(k.arg is None for k in node.keywords)
                else []
            ),
        )
        site = CallSite(
            callee,
            node.lineno,
            node.col_offset,
            flags,
            fate,
            local,
            arguments,
            tuple(self.branches),
            (*self.param_guards, *self.expression_guards) if self.frames else (),
        )
        if self.frames:
            self.frames[-1].calls.append(site)
        elif not self.in_class_body:
            site.flags |= AT_MODULE_LEVEL | (IN_MAIN_GUARD if self.main_guard else 0)
            self.module_calls.append(site)

    def _record_yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        if not self.frames:
            return
        frame = self.frames[-1]
        value = node.value
        frame.yields.append(ir.from_ast(value) if value is not None else ir.CONSTANT)
        local = _local_name(value)
        if local is None or not any(local in names for names in self.protected):
            frame.unmanaged_yield = True
        if local is not None:
            frame.returned.add(local)


def _negated(guard: str | None) -> str | None:
    """The guard of the other branch: "!p" for "p", "p" for "!p"."""
    if guard is None:
        return None
    return guard[1:] if guard.startswith("!") else f"!{guard}"


def _unset_tests(test: ast.expr) -> set[str]:
    """The dotted names `test` checks for being unset: `x is None`, `not self.x`,
    `x is None or ...` (any operand of an `or`)."""
    found: set[str] = set()
    for operand in _or_operands(test):
        checked: ast.expr | None = None
        if isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not):
            checked = operand.operand
        elif (
            isinstance(operand, ast.Compare)
            and len(operand.ops) == 1
            and isinstance(operand.ops[0], (ast.Is, ast.Eq))
            and isinstance(operand.comparators[0], ast.Constant)
            and operand.comparators[0].value is None
        ):
            checked = operand.left
        written = _dotted_name(checked) if checked is not None else None
        if written is not None:
            found.add(written)
    return found


def _keyed_target(targets: list[ast.expr]) -> bool:
    """`binds[name] = ...`: one target, an item under a key that is not a literal."""
    return (
        len(targets) == 1
        and isinstance(targets[0], ast.Subscript)
        and not isinstance(targets[0].slice, ast.Constant)
    )


def _string_list(node: ast.expr) -> tuple[str, ...] | None:
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    names = []
    for element in node.elts:
        if not isinstance(element, ast.Constant) or not isinstance(element.value, str):
            return None
        names.append(element.value)
    return tuple(names)


CONSTANT_ARGUMENT = "#const"
# Calls that wrap the function they are given for later calls, not calling it.
DEFERRING_WRAPPERS = frozenset(
    {"classmethod", "staticmethod", "property", "partial", "partialmethod", "cached_property"}
)

# Calls that put a folder on the import path.
_IMPORT_PATH_EXTENDERS = frozenset(
    {"sys.path.insert", "sys.path.append", "sys.path.extend", "site.addsitedir"}
)

# In `ModuleSummary.dispatched`: `getattr(obj, name)` with a computed name.
DYNAMIC_DISPATCH = "#getattr"
# An argument read from a request or the command line where it is passed
# (`insert("t", request.get_json())`): text from outside the program.
INPUT_ARGUMENT = "#input"
# After a dotted name in a call site's record: a slice of it (`query[10:18]`).
SLICE_OF = "[:]"
# (`cli_options.COMMAND_LINE_PARSERS` and `request.get_json`, written out: summaries
# are made without importing libcst, which `cli_options` needs.)
_INPUT_METHODS = frozenset({"get_json", "parse_args", "parse_known_args"})


def _argument_text(node: ast.expr) -> str:
    """An argument as a call site records it: a dotted name, an item of one by a string
    key (`tables["taxi"]`), `#const` for a literal string or number (or `None`), ""
    for anything else."""
    if _is_literal(node) or (type(node) is ast.Constant and node.value is None):
        return CONSTANT_ARGUMENT
    if _reads_input(node):
        return INPUT_ARGUMENT
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and _ITEM_KEY.fullmatch(node.slice.value)
    ):
        base = _dotted_name(node.value)
        return f'{base}["{node.slice.value}"]' if base is not None else ""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        # `query[10:18]`: a part of the text (or list) `query` is, from where it is.
        base = _dotted_name(node.value)
        return f"{base}{SLICE_OF}" if base is not None else ""
    return _dotted_name(node) or ""


def _reads_input(node: ast.expr) -> bool:
    """`request.args["t"]`, `request.get_json()`, `parser.parse_args().name`,
    `sys.argv[1]`, `input()`: read from a request or the command line, as written at
    the call (a dotted name alone is recorded as such, and resolved where it is asked
    about)."""
    if isinstance(node, (ast.Name, ast.Attribute)) and _dotted_name(node) is not None:
        return False
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _INPUT_METHODS:
                return True
            if isinstance(func, ast.Name) and func.id == "input":
                return True
            node = func.value if isinstance(func, ast.Attribute) else func
        elif isinstance(node, ast.Attribute) and _dotted_name(node) in ("sys.argv", "sys.stdin"):
            return True
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        else:
            return isinstance(node, ast.Name) and node.id in ("request", "req", "argv")


# How many positional (and keyword) arguments a call site records: service methods
# take nine or ten (`get_user_invalidated_tasks(as_validator, username, ..., sort_by,
# sort_direction)`).
_RECORDED_ARGUMENTS = 12
_ITEM_KEY = re.compile(r"[\w-]{1,64}")


def _is_literal(node: ast.expr, depth: int = 0) -> bool:
    """A literal string or number, or a list, tuple, set or dict literal of them
    (`{"cm_api_endpoint_repo": "endpoint"}`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, int, float))
    if depth > 3:
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # `"varchar(" + PATH_LENGTH + ")"`: literals and the module's constants
        return all(
            _is_literal(side, depth + 1) or _is_constant_name(side)
            for side in (node.left, node.right)
        )
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_literal(e, depth + 1) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _is_literal(k, depth + 1) and _is_literal(v, depth + 1)
            for k, v in zip(node.keys, node.values)
        )
    return False


# An UPPER_CASE name: how code writes its constants (also read by SQA301).
CONSTANT_NAME = re.compile(r"_*[A-Z][A-Z0-9_]*")


def _is_constant_name(node: ast.expr) -> bool:
    """An UPPER_CASE name (`PATH_LENGTH`, `settings.TABLE`): a constant of the code."""
    name = _dotted_name(node)
    return name is not None and CONSTANT_NAME.fullmatch(name.rpartition(".")[2]) is not None


def _local_name(node: ast.expr | None) -> str | None:
    while isinstance(node, ast.Await):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted_name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call) and parts:
        # `get_db().close()`, `Handler().session`: keep the call visible as `f()`.
        inner = _dotted_name(node.func)
        if inner is None:
            return None
        parts.append(inner + "()")
        return ".".join(reversed(parts))
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_self_attribute(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    )


def _closed_name(statement: ast.stmt) -> str | None:
    """`x.close()` / `await x.close()` as a statement: the dotted name closed."""
    if not isinstance(statement, ast.Expr):
        return None
    value = statement.value
    if isinstance(value, ast.Await):
        value = value.value
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in _RELEASE_METHODS
    ):
        return _dotted_name(value.func.value)
    return None


def _aliased_attribute(frame: _Frame, name: str) -> tuple[str, ...]:
    """`self.session` when the local `name` is only ever bound to it."""
    values = frame.locals.get(name)
    if not values or not all(v[0] == "a" and v[1] == ("n", "self") for v in values):
        return ()
    attributes = {value[2] for value in values}
    return (f"self.{attributes.pop()}",) if len(attributes) == 1 else ()


def _closed_in_body_and_handler(node: ast.Try) -> set[str]:
    """The names a `try` closes as a statement of its body and again first thing in a
    broad handler (after a rollback at most), so that any exception of the body that
    skips the first close reaches the second."""
    in_body = {n for n in (_closed_name(s) for s in node.body) if n}
    surely: set[str] = set()
    for handler in node.handlers:
        if not _is_broad_handler(handler):
            continue
        for statement in handler.body:
            closed = _closed_name(statement)
            if closed is not None:
                surely.add(closed)
            if not _rolls_back(statement):
                break
    return in_body & surely


def _rolls_back(statement: ast.stmt) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "rollback"
    )


def _excluded_unless_allowed(test: ast.expr) -> set[str]:
    """The dotted names `x` of `x not in allowed` tests that make `test` true (one
    operand of an `or`, or the whole test)."""
    found: set[str] = set()
    for operand in _or_operands(test):
        if (
            isinstance(operand, ast.Compare)
            and len(operand.ops) == 1
            and isinstance(operand.ops[0], ast.NotIn)
        ):
            written = _dotted_name(operand.left)
            if written is not None:
                found.add(written)
    return found


def _failing_a_character_test(test: ast.expr) -> set[str]:
    """The dotted names `x` of `not x.isidentifier()` / `not re.fullmatch(r"\\w+", x)`
    tests that make `test` true: a block that leaves on them lets only word-character
    text go on (see `word_checks`)."""
    found: set[str] = set()
    for operand in _or_operands(test):
        if not (isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not)):
            continue
        call = operand.operand
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        method = call.func.attr
        tested: ast.expr | None = None
        if method in CHARACTER_TESTS and not call.args:
            tested = call.func.value
            while (
                isinstance(tested, ast.Call)
                and isinstance(tested.func, ast.Attribute)
                and tested.func.attr in STRING_STEPS
            ):
                tested = tested.func.value
        elif (
            _dotted_name(call.func.value) == "re"
            and len(call.args) >= 2
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
            and matches_only_word_characters(method, call.args[0].value)
        ):
            tested = call.args[1]
        written = _dotted_name(tested) if tested is not None else None
        if written is not None:
            found.add(written)
    return found


def _or_operands(test: ast.expr) -> list[ast.expr]:
    """The operands of an `or`, any of which makes `test` true; else `test` itself."""
    return test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) else [test]


def _leaves(body: list[ast.stmt]) -> bool:
    """Whether a block ends by leaving the function: `return`, `raise`, or a call
    that raises (`abort(404)`, as Flask's and FastAPI's helpers do)."""
    last = body[-1] if body else None
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and (_dotted_name(last.value.func) or "").rpartition(".")[2] == "abort"
    )


def _membership_tests(test: ast.expr) -> list[tuple[ast.expr, ast.expr]]:
    """(expr, collection) of each `expr in collection` that must hold for `test` to be
    true (`a in X and b in Y`)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [pair for value in test.values for pair in _membership_tests(value)]
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return []
    within = test.comparators[0]
    if (
        isinstance(within, ast.Call)
        and isinstance(within.func, ast.Attribute)
        and within.func.attr == "keys"
        and not within.args
    ):
        within = within.func.value  # `x in TYPES.keys()`: one of the dict's keys
    if isinstance(test.ops[0], ast.In) and isinstance(
        within, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Name)
    ):
        return [(test.left, within)]
    return []


def _lookup_form(node: ast.expr) -> str:
    """`node`'s dump, with `x.get(k)` written as `x[k]`: the same item either way
    (`if request.args.get("t") in TYPES: t = request.args["t"]`)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and len(node.args) == 1
        and not node.keywords
    ):
        node = ast.Subscript(value=node.func.value, slice=node.args[0], ctx=ast.Load())
    return ast.dump(node)


# Streamlit widgets that are true only on the rerun a press starts.
_PRESS_WIDGETS = frozenset({"button", "form_submit_button"})


def _is_press_test(test: ast.expr) -> bool:
    """`st.button("Connect")`, `st.sidebar.button(...)`, alone or in an `and`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_press_test(value) for value in test.values)
    return (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Attribute)
        and test.func.attr in _PRESS_WIDGETS
    )


def _is_lifespan_test(test: ast.expr) -> bool:
    """`scope["type"] == "lifespan"`: the ASGI server sends that scope once, when
    the application starts."""
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    typed = any(
        isinstance(side, ast.Subscript)
        and isinstance(side.slice, ast.Constant)
        and side.slice.value == "type"
        for side in sides
    )
    return typed and any(isinstance(s, ast.Constant) and s.value == "lifespan" for s in sides)


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = (test.left, test.comparators[0])
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    strings = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and "__main__" in strings
