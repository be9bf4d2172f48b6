"""The semantic layer: one parse, one model, shared by every rule.

Its names are imported on first use (PEP 562): the command line's warm path reads
cached results through `semantic.project` and must not pay for libcst and the
analysis when nothing needs checking.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import Analysis as Analysis
    from .contexts import ExecutionContexts as ExecutionContexts
    from .inference import Resolver as Resolver
    from .kinds import Kind as Kind
    from .lifetimes import Escape as Escape
    from .lifetimes import Lifetime as Lifetime
    from .lifetimes import Verdict as Verdict
    from .model import ModuleModel as ModuleModel
    from .model import Scope as Scope
    from .options import AnalysisOptions as AnalysisOptions
    from .project import ProjectIndex as ProjectIndex

_HOMES = {
    "Analysis": ".analysis",
    "AnalysisOptions": ".options",
    "Escape": ".lifetimes",
    "ExecutionContexts": ".contexts",
    "Kind": ".kinds",
    "Lifetime": ".lifetimes",
    "ModuleModel": ".model",
    "ProjectIndex": ".project",
    "Resolver": ".inference",
    "Scope": ".model",
    "Verdict": ".lifetimes",
}
__all__ = [
    "Analysis",
    "AnalysisOptions",
    "Escape",
    "ExecutionContexts",
    "Kind",
    "Lifetime",
    "ModuleModel",
    "ProjectIndex",
    "Resolver",
    "Scope",
    "Verdict",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)
