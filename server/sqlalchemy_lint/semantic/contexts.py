"""Where code runs: once per request, once per loop iteration, or once.

Request handlers are recognised from the frameworks' own registration forms:
route decorators on a Flask/Quart/FastAPI/Starlette/Sanic app or router (or any
object in a module that imports such a framework), request hooks, FastAPI
dependencies reached through `Depends(...)`, Starlette `Route(...)` and Flask
`add_url_rule(...)`, Django views (decorated, class-based, or functions taking
`request` in a `views` module). Functions those handlers call in the same module
run per request too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from .inference import Resolver
from .kinds import WEB_FRAMEWORK_MODULES, Kind
from .model import ModuleModel, Scope
from .options import AnalysisOptions

ROUTE_METHODS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "trace",
        "api_route",
        "websocket",
        "websocket_route",
        "before_request",
        "before_app_request",
        "after_request",
        "teardown_request",
        "middleware",
        "view",
        "endpoint",
    }
)
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch"})
_VIEW_BASE_SUFFIXES = ("View", "ViewSet", "Resource", "HTTPEndpoint", "MethodView", "Handler")
_DJANGO_VIEW_DECORATOR_PREFIXES = (
    "django.views.decorators.",
    "django.contrib.auth.decorators.",
    "rest_framework.decorators.",
)
_CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "async_lru.alru_cache",
    }
)
_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends"})
# Parameter defaults that only FastAPI fills in, once per request.
_REQUEST_PARAMETERS = frozenset(
    {
        "fastapi.Header",
        "fastapi.Query",
        "fastapi.Path",
        "fastapi.Cookie",
        "fastapi.Body",
        "fastapi.Form",
        "fastapi.File",
        "fastapi.Depends",
        "fastapi.Security",
    }
)
_REQUEST_TYPES = frozenset(
    {
        "fastapi.Request",
        "fastapi.WebSocket",
        "starlette.requests.Request",
        "starlette.websockets.WebSocket",
        "flask.Request",
        "django.http.HttpRequest",
    }
)


@dataclass(frozen=True)
class RequestContext:
    """Why a function runs per request, in words for a message."""

    function: str  # the function that runs per request
    why: str  # e.g. "is a request handler (`@app.get`)"


class ExecutionContexts:
    def __init__(
        self,
        model: ModuleModel,
        resolver: Resolver,
        path: Path | None,
        options: AnalysisOptions | None = None,
    ) -> None:
        self.model = model
        self.resolver = resolver
        self.path = path
        self._extra_decorators = frozenset(options.request_handler_decorators if options else ())
        self._framework_imported = any(model.imports_module(m) for m in WEB_FRAMEWORK_MODULES)
        self._request: dict[Scope, RequestContext] | None = None

    # -- decorators ------------------------------------------------------------------

    def _decorator_names(self, scope: Scope) -> list[str]:
        names = []
        for decorator in scope.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            qualified = self.resolver.qualify(target)
            if qualified is not None:
                names.append(qualified)
        return names

    def is_pytest_fixture(self, scope: Scope) -> bool:
        return any(name in _FIXTURE_DECORATORS for name in self._decorator_names(scope))

    def is_cached_factory(self, scope: Scope) -> bool:
        return any(name in _CACHE_DECORATORS for name in self._decorator_names(scope))

    def is_cli_command(self, scope: Scope) -> bool:
        """`@click.command()`, `@cli.command()`, `@app.command()` with click/typer imported."""
        if not (self.model.imports_module("click") or self.model.imports_module("typer")):
            return False
        for decorator in scope.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            if isinstance(target, cst.Attribute) and target.attr.value in (
                "command",
                "group",
                "callback",
            ):
                return True
            if isinstance(target, cst.Name) and self.resolver.qualify(target) in (
                "click.command",
                "click.group",
            ):
                return True
        return False

    def runs_once(self, scope: Scope) -> bool:
        """Exempt from SQA103: cached factories, fixtures and CLI commands."""
        return (
            self.is_cached_factory(scope)
            or self.is_pytest_fixture(scope)
            or (self.is_cli_command(scope))
        )

    # -- request handlers --------------------------------------------------------------

    def request_context(self, scope: Scope) -> RequestContext | None:
        if self._request is None:
            self._request = self._find_request_scopes()
        current: Scope | None = scope
        while current is not None and not current.is_module:
            found = self._request.get(current)
            if found is not None:
                return found
            current = current.parent
        return None

    def _find_request_scopes(self) -> dict[Scope, RequestContext]:
        handlers: dict[Scope, RequestContext] = {}
        for scope in self._all_function_scopes():
            description = self._handler_description(scope)
            if description is not None:
                handlers[scope] = RequestContext(scope.name, f"is {description}")
        for name in self._registered_view_names():
            registered = self.model.functions.get(name)
            if registered is not None and registered not in handlers:
                handlers[registered] = RequestContext(name, "is registered as a request handler")
        # Dependencies reached through Depends(...) and helpers called in the same module.
        queue = deque(handlers)
        while queue:
            scope = queue.popleft()
            for dependency in self._dependencies(scope):
                if dependency not in handlers:
                    handlers[dependency] = RequestContext(
                        dependency.name, f"is a FastAPI dependency of `{scope.name}`"
                    )
                    queue.append(dependency)
            for callee in self._callees(scope):
                if callee not in handlers and not self.runs_once(callee):
                    handlers[callee] = RequestContext(
                        callee.name, f"is called from `{scope.name}`, which runs per request"
                    )
                    queue.append(callee)
        return handlers

    def _all_function_scopes(self) -> list[Scope]:
        result = []
        stack = [self.model.module_scope]
        while stack:
            scope = stack.pop()
            if isinstance(scope.node, cst.FunctionDef):
                result.append(scope)
            stack.extend(scope.children)
        return result

    def _handler_description(self, scope: Scope) -> str | None:
        for decorator in scope.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            if isinstance(target, cst.Attribute) and target.attr.value in ROUTE_METHODS:
                receiver = self.resolver.kind_of(target.value, self.model.module_scope)
                if receiver is Kind.WEB_APP or (receiver is None and self._framework_imported):
                    if target.attr.value.endswith("request"):
                        return "a request hook"
                    return f"a request handler (`@{_dotted_text(target)}`)"
            qualified = self.resolver.qualify(target) or ""
            if qualified.startswith(_DJANGO_VIEW_DECORATOR_PREFIXES):
                return "a Django view"
            written = _dotted_text(target)
            if self._extra_decorators & {qualified, written}:
                return f"a request handler (`@{written}`, from the configuration)"
        if self._is_class_based_view_method(scope):
            return "a class-based view"
        request_parameter = self._request_parameter(scope)
        if request_parameter is not None:
            return f"run per request (FastAPI fills in its parameter `{request_parameter}`)"
        if self._is_django_function_view(scope):
            return "a Django view"
        return None

    def _request_parameter(self, scope: Scope) -> str | None:
        """A parameter only a web framework supplies: `x: str = Header(...)`, `request: Request`."""
        for name, param in scope.params.items():
            default = param.default
            if (
                isinstance(default, cst.Call)
                and self.resolver.qualify(default.func) in _REQUEST_PARAMETERS
            ):
                return name
            if param.annotation is not None:
                annotation = param.annotation.annotation
                if self.resolver.qualify(annotation) in _REQUEST_TYPES:
                    return name
        return None

    def _is_class_based_view_method(self, scope: Scope) -> bool:
        info = scope.class_info
        if info is None or scope.name not in _VIEW_METHODS:
            return False
        return any(base.split(".")[-1].endswith(_VIEW_BASE_SUFFIXES) for base in info.base_names)

    def _is_django_function_view(self, scope: Scope) -> bool:
        if self.path is None or scope.class_info is not None or not scope.parent:
            return False
        if not scope.parent.is_module:
            return False
        in_views = self.path.stem == "views" or self.path.parent.name == "views"
        if not in_views or not self.model.imports_module("django"):
            return False
        node = scope.node
        assert isinstance(node, cst.FunctionDef)
        params = node.params.params
        return bool(params) and params[0].name.value == "request"

    def _registered_view_names(self) -> set[str]:
        """Functions registered by call: `Route("/", f)`, `app.add_url_rule(..., view_func=f)`."""
        names: set[str] = set()
        for call in self.model.calls:
            func = call.func
            qualified = self.resolver.qualify(func) or ""
            method = func.attr.value if isinstance(func, cst.Attribute) else None
            if qualified.endswith(("routing.Route", "routing.WebSocketRoute")) or qualified in (
                "starlette.routing.Route",
                "fastapi.routing.APIRoute",
            ):
                candidates = list(call.args[1:2])
            elif method in ("add_url_rule", "add_api_route", "add_route", "add_websocket_route"):
                candidates = list(call.args[1:3])
            else:
                continue
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in ("endpoint", "view_func"):
                    candidates.append(arg)
            for arg in candidates:
                if isinstance(arg.value, cst.Name) and arg.value.value in self.model.functions:
                    names.add(arg.value.value)
        return names

    def _dependencies(self, scope: Scope) -> list[Scope]:
        node = scope.node
        if not isinstance(node, cst.FunctionDef):
            return []
        found = []
        expressions: list[cst.CSTNode] = []
        for param in scope.params.values():
            if param.default is not None:
                expressions.append(param.default)
            if param.annotation is not None:
                expressions.append(param.annotation)
        expressions.extend(d.decorator for d in scope.decorators)
        for expression in expressions:
            for call in _calls_in(expression):
                if self.resolver.qualify(call.func) not in _DEPENDS or not call.args:
                    continue
                target = call.args[0].value
                if isinstance(target, cst.Name) and target.value in self.model.functions:
                    found.append(self.model.functions[target.value])
        return found

    def _callees(self, scope: Scope) -> list[Scope]:
        names = set(scope.called_names)
        stack = list(scope.children)
        while stack:
            child = stack.pop()
            names |= child.called_names
            stack.extend(child.children)
        return [self.model.functions[n] for n in sorted(names) if n in self.model.functions]

    # -- loops and guards ------------------------------------------------------------------

    def enclosing_loop(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The innermost loop or comprehension that runs `node` repeatedly, within its scope."""
        child = node
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                return ancestor
            if isinstance(ancestor, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and (
                child is ancestor.elt
            ):
                return ancestor
            if isinstance(ancestor, cst.DictComp) and child in (ancestor.key, ancestor.value):
                return ancestor
            if isinstance(ancestor, cst.CompFor) and child is not ancestor.iter:
                return ancestor
            child = ancestor
        return None

    def in_main_guard(self, node: cst.CSTNode) -> bool:
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, cst.If) and _is_main_guard(ancestor.test):
                return True
        return False


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left = test.left
    right = test.comparisons[0].comparator
    names = {n.value for n in (left, right) if isinstance(n, cst.Name)}
    strings = {s.evaluated_value for s in (left, right) if isinstance(s, cst.SimpleString)}
    return names == {"__name__"} and "__main__" in strings


def _dotted_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted_text(node.value)}.{node.attr.value}"
    return "..."


class _CallCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    collector = _CallCollector()
    node.visit(collector)
    return collector.calls
