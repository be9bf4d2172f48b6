"""Everything rules may ask about one module, computed once, on demand."""

from __future__ import annotations

import ast
from functools import cached_property
from pathlib import Path

import libcst as cst

from .contexts import ExecutionContexts
from .inference import Resolver
from .lifetimes import Escape, Lifetime, LifetimeTracker
from .model import ModuleModel, build_model
from .options import AnalysisOptions
from .project import ProjectIndex


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
        if life.attribute is None or life.escapes != {Escape.ON_INSTANCE}:
            return None
        frame = self.resolver.frame(life.scope)
        owner = frame.owner_class
        evaluator = self.resolver.evaluator
        info = evaluator.class_info(self.resolver.key, owner) if owner else None
        if info is None or owner is None:
            return None
        dotted = f"self.{life.attribute}"
        read = ("a", ("n", "self"), life.attribute)
        for function in evaluator.module_functions(self.resolver.key):
            if not function.qualname.startswith(owner + "."):
                continue
            if dotted in function.released or read in function.returns:
                return None  # closed by the class, or lent to its users
        # Closed from outside (`repo.conn.close()`, `with handler.session:`), anywhere in
        # the project that names the attribute.
        suffix = "." + life.attribute
        modules = [
            self.resolver.key,
            *self.resolver.view.modules_mentioning(self.resolver.key, life.attribute),
        ]
        for module in modules:
            for function in evaluator.module_functions(module):
                if any(name.endswith(suffix) for name in function.released):
                    return None
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
