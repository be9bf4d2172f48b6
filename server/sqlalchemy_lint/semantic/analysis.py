"""Everything rules may ask about one module, computed once, on demand."""

from __future__ import annotations

import ast
from functools import cached_property
from pathlib import Path

import libcst as cst

from .contexts import ExecutionContexts
from .inference import Resolver
from .lifetimes import Lifetime, LifetimeTracker
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
