"""pytest fixtures: what a test receives when it names a fixture as a parameter.

`def test_truncate(session): session.execute("TRUNCATE ...")` has no annotation, but
pytest hands it whatever the `session` fixture yields, and that fixture is usually a
few lines away: in the same module, or in a `conftest.py` of the test's directory or
one above it. pytest looks in that order and the nearest definition wins (a module's
fixture overrides conftest's, a deeper conftest overrides a shallower one), and so
does this lookup. Fixtures from plugins and from test classes are not followed.
"""

from __future__ import annotations

import libcst as cst

from .model import Scope
from .project import is_pytest_module

__all__ = ["is_pytest_module", "receives_fixtures"]


def _decorator_parts(decorator: cst.Decorator) -> tuple[cst.BaseExpression, cst.Call | None]:
    """`@pytest.fixture(scope=...)` -> (`pytest.fixture`, the call); `@fixture` -> (it, None)."""
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        return expr.func, expr
    return expr, None


def receives_fixtures(scope: Scope) -> bool:
    """Whether pytest fills `scope`'s parameters with fixtures: a test function, a
    test method of a `Test...` class, or a fixture (which may request others)."""
    node = scope.node
    if not isinstance(node, cst.FunctionDef) or scope.parent is None:
        return False
    if scope.class_info is not None:
        return scope.class_info.name.startswith("Test") and node.name.value.startswith("test")
    if not scope.parent.is_module:
        return False
    return node.name.value.startswith("test") or any(
        _is_fixture_decorator(decorator) for decorator in node.decorators
    )


def _is_fixture_decorator(decorator: cst.Decorator) -> bool:
    # A syntactic test, good enough to decide whether to look further; the kind of
    # what a fixture yields is resolved only for decorators that qualify properly.
    expr, _ = _decorator_parts(decorator)
    name = expr.attr.value if isinstance(expr, cst.Attribute) else getattr(expr, "value", None)
    return name == "fixture"
