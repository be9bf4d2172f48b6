"""Everything rules may ask about one module, computed once, on demand."""

from __future__ import annotations

import ast
from functools import cached_property
from pathlib import Path

import libcst as cst

from .contexts import ExecutionContexts
from .inference import Resolver
from .lifetimes import Escape, Lifetime, LifetimeTracker, Verdict
from .model import ModuleModel, build_model
from .options import AnalysisOptions
from .project import ProjectIndex
from .session_end import ends_with_commit
from .summary import ClassInfo, FunctionInfo

# Methods whose work is to release what the object holds: callers are to call them.
_CLOSING_METHODS = frozenset(
    {
        "close", "aclose", "__exit__", "__aexit__", "__del__", "dispose", "shutdown",
        "cleanup", "teardown", "disconnect", "release", "stop", "finish",
    }
)  # fmt: skip


class Analysis:
    """Everything rules may ask about one module; each part computed once, on demand."""

    def __init__(
        self,
        module: cst.Module,
        path: Path | None = None,
        project: ProjectIndex | None = None,
        options: AnalysisOptions | None = None,
        *,
        source: str | None = None,
        tree: ast.Module | None = None,
        stamp: object = None,
        offline: bool = False,
    ) -> None:
        """`source`: the module's text (else regenerated from `module`); `tree`: CPython's
        tree of it, when the caller has one; `offline`: use only the project summaries
        already at hand (see `ProjectView`)."""
        self.module = module
        self.path = path
        self.project = project
        self.options = options or AnalysisOptions()
        self.model: ModuleModel = build_model(module)
        self.resolver = Resolver(
            self.model,
            path,
            project,
            self.options,
            source=source,
            tree=tree,
            stamp=stamp,
            offline=offline,
        )
        self.contexts = ExecutionContexts(self.model, self.resolver, path, self.options)
        self.tracker = LifetimeTracker(self.model, self.resolver, self.contexts)

    @cached_property
    def resources(self) -> list[Lifetime]:
        return list(self.tracker.resources())

    @cached_property
    def engines(self) -> list[Lifetime]:
        return list(self.tracker.engines())

    def kept_unreleased(self, life: Lifetime) -> str | None:
        """For a resource kept on the instance (`self.session = SessionLocal()`) that
        nothing of its class ever releases (no `self.session.close()`, no `with
        self.session`, never handed out by a method): how it leaks, in words, or None
        when it does not. A method other than `__init__`/`__enter__` makes a new one on
        every call and drops the previous one (unless it runs once: `init_db`, a start-up
        hook); `__init__` one per instance, which leaks when the class is made per
        operation; `__enter__` one per `with` block, which outlives the block."""
        found = self._kept_on_instance(life)
        if found is None:
            return None
        info, methods = found
        dotted = f"self.{life.attribute}"
        if any(dotted in function.released for function in methods):
            return None  # closed by the class
        if life.kind.is_session and self.tracker.test_sessions_closed_at_teardown():
            return None  # a test's, closed by `close_all_sessions()` at its teardown
        if self._lent_or_released_outside(life, methods):
            return None
        frame = self.resolver.frame(life.scope)
        method = frame.function.rpartition(".")[2].partition("#")[0]
        if method in ("__enter__", "__aenter__"):
            # A context manager's resource is the block's: each `with` makes one, and
            # what `__exit__` does not close outlives the block.
            return (
                f"every `with` block of a `{info.name}` makes one on `{dotted}`, and nothing "
                f"in `{info.name}` closes it"
            )
        if method == "__init__":
            repetition = self.contexts.repetitions.of_function(self.resolver.key, frame.function)
            if repetition is None or repetition.kind != "instance":
                return None  # an object made once holds it for the process (SQA105's)
            return f"every `{info.name}` keeps one on `{dotted}` and nothing closes it"
        if self.contexts.repetitions.runs_once(self.resolver.key, frame.function):
            return None  # `init_db()`, a start-up hook: kept for the process (SQA105's)
        return (
            f"`{method}` makes a new one on `{dotted}` on every call without closing the "
            f"previous one, and nothing in `{info.name}` closes it"
        )

    def ends_with_commit(self, life: Lifetime) -> bool:
        """Whether the session's last use is a commit in the block that made it, after
        which nothing it loaded is read: it holds no connection from then on (see
        `session_end`)."""
        if life.variable is None or not life.kind.is_session:
            return False
        return ends_with_commit(self.model, life.scope, life.call, life.variable)

    def returned_to_pytest(self, life: Lifetime) -> bool:
        """Whether a connection or session is only returned, by a pytest fixture that is
        no generator: pytest hands it to the tests that ask for it and never closes it
        (only a generator fixture's code after its `yield` runs at teardown), unless a
        fixture or test that asks for it closes it."""
        if life.verdict is not Verdict.HANDED_OUT or life.escapes != {Escape.RETURNED}:
            return False
        scope = life.scope
        return (
            not scope.is_generator
            and self.contexts.is_pytest_fixture(scope)
            and not self.contexts.closed_by_fixture_users(scope)
        )

    def closed_only_on_success(self, life: Lifetime) -> str | None:
        """For a resource `__init__` keeps on the instance of a class made per operation
        (`self.session = Session()` in a repository every handler makes) that methods of
        the class close as part of their work, never in a `finally`, a `with` or a
        method meant for it (`close()`, `__exit__`): how it leaks, in words ("is kept on
        ..."), naming the first such method; None otherwise. An exception in that method
        before its close leaves the resource open, and the object, made for this one
        operation, is dropped with it."""
        found = self._kept_on_instance(life)
        if found is None:
            return None
        info, methods = found
        frame = self.resolver.frame(life.scope)
        if frame.function.rpartition(".")[2] != "__init__":
            return None
        repetition = self.contexts.repetitions.of_function(self.resolver.key, frame.function)
        if repetition is None or repetition.kind != "instance":
            return None
        dotted = f"self.{life.attribute}"
        closing = [function for function in methods if dotted in function.released]
        if not closing or any(function.name in _CLOSING_METHODS for function in closing):
            return None
        if self._lent_or_released_outside(life, methods):
            return None
        unsure = [function for function in closing if dotted not in function.released_surely]
        if not unsure:
            return None
        return (
            f"is kept on `{dotted}` of every `{info.name}`, and `{unsure[0].name}()` closes it "
            f"outside a `finally`, so an exception before that close leaks it, once per "
            f"`{info.name}` ({repetition.made_by})"
        )

    def exit_closes_after_commit(self, life: Lifetime) -> str | None:
        """For a resource `__enter__`/`__aenter__` keeps on the instance (a unit of work's
        `self._session = Session()`) that the class's `__exit__`/`__aexit__` closes after
        committing it, outside a `finally`: the exit method's name. A commit that fails
        (a constraint, a lost connection) raises out of the exit method before its
        close, once per `with` block."""
        found = self._kept_on_instance(life)
        if found is None:
            return None
        _info, methods = found
        frame = self.resolver.frame(life.scope)
        if frame.function.rpartition(".")[2] not in ("__enter__", "__aenter__"):
            return None
        dotted = f"self.{life.attribute}"
        for function in methods:
            if (
                function.name in ("__exit__", "__aexit__")
                and dotted in function.released
                and dotted not in function.released_surely
                and dotted in function.flushed
            ):
                return function.name
        return None

    def _kept_on_instance(self, life: Lifetime) -> tuple[ClassInfo, list[FunctionInfo]] | None:
        """For a resource kept on the instance (`self.session = SessionLocal()`): its
        class, and the methods of the class."""
        if life.attribute is None or life.escapes != {Escape.ON_INSTANCE}:
            return None
        owner = self.resolver.frame(life.scope).owner_class
        evaluator = self.resolver.evaluator
        info = evaluator.class_info(self.resolver.key, owner) if owner else None
        if info is None or owner is None:
            return None
        methods = [
            function
            for function in evaluator.module_functions(self.resolver.key)
            if function.qualname.startswith(owner + ".")
        ]
        return info, methods

    def _lent_or_released_outside(self, life: Lifetime, methods: list[FunctionInfo]) -> bool:
        """Whether a method hands the resource to its users (`return self.session`), or
        code anywhere in the project that names the attribute closes it
        (`repo.conn.close()`, `with handler.session:`)."""
        assert life.attribute is not None
        read = ("a", ("n", "self"), life.attribute)
        if any(read in function.returns for function in methods):
            return True
        suffix = "." + life.attribute
        modules = [
            self.resolver.key,
            *self.resolver.view.modules_mentioning(self.resolver.key, life.attribute),
        ]
        evaluator = self.resolver.evaluator
        own = {id(function) for function in methods}
        return any(
            any(name.endswith(suffix) for name in function.released)
            for module in modules
            for function in evaluator.module_functions(module)
            if id(function) not in own
        )
