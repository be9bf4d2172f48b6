"""Which functions run again and again, project-wide: SQA103's question.

An engine owns a pool and is meant to be made once. Whether the function that
makes one runs once or again and again is a property of the program, not of the
function: `get_engine()` is fine in a script's `main` and a pool leak when a
request handler in another module calls it. This module answers, for a function
of any module of the project (by its summary):

- it is an entry point that runs per event: a web request handler, hook, view or
  FastAPI dependency, a bot's message handler, a task queue's task, a scheduled
  job; or registered as one by a call (`add_url_rule(..., view_func=f)`,
  `CommandHandler("start", f)`, `scheduler.add_job(f)`);
- it is called in a loop, or by a function that runs again and again;
- it is `__init__` / `__enter__` of a class that is instantiated per operation
  (inside a function that does not run once, the instance not kept);
- or it runs once: cached, a CLI command, a pytest fixture, `main`, an app
  factory, a migration's `upgrade()`, or only called from code that runs once.

Callers in other modules are found by their text (only files that mention the
function's name are summarised) and confirmed by evaluating what they call. All
answers are memoized for the analysis.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import ir
from .cli_options import COMMAND_LINE_PARSERS
from .entry_points import installs_nothing, is_console_script
from .evaluate import Evaluator, Frame, ModuleFrame
from .kinds import (
    CACHE_DECORATORS,
    CONSTRUCTORS,
    FIXTURE_DECORATORS,
    WEB_FRAMEWORK_MODULES,
    Kind,
)
from .project import is_test_file, project_root, remembered
from .summary import (
    AT_STARTUP,
    CACHED,
    COLLECTED,
    DEFERRING_WRAPPERS,
    DYNAMIC_DISPATCH,
    FATE_DROPPED,
    FATE_RETURNED,
    FATE_STORED,
    FATE_WITH,
    IN_HANDLER,
    IN_LOOP,
    IN_MAIN_GUARD,
    IN_TRY,
    KEPT_PER_KEY,
    ON_PRESS,
    CallSite,
    ClassInfo,
    FunctionInfo,
    ModuleSummary,
)
from .values import ModuleKey, Ref, RefKind, Value

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
VIEW_METHODS = frozenset(
    {
        *("get", "post", "put", "patch", "delete", "head", "options", "dispatch"),
        # Tornado makes a RequestHandler per request and runs these on it.
        *("initialize", "prepare", "on_finish"),
    }
)
# What a middleware runs per request (Starlette, Litestar, Django, Falcon).
_MIDDLEWARE_METHODS = frozenset(
    {
        *("dispatch", "authenticate_request", "__call__"),
        *("process_request", "process_view", "process_response", "process_exception"),
        *("process_resource",),
    }
)
_VIEW_BASE_SUFFIXES = ("View", "ViewSet", "Resource", "HTTPEndpoint", "MethodView", "Handler")
_DJANGO_VIEW_DECORATOR_PREFIXES = (
    "django.views.decorators.",
    "django.contrib.auth.decorators.",
    "rest_framework.decorators.",
)
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends"})
_DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})  # as written: `Depends(get_db)`
# Builtins that look at what they are given and never call it (`isinstance(other,
# SqlObserver)` in `__eq__` makes no observer).
_INSPECTING_BUILTINS = frozenset(
    {
        "isinstance",
        "issubclass",
        "type",
        "id",
        "hasattr",
        "getattr",
        "setattr",
        "callable",
        "repr",
        "str",
        "print",
        "vars",
        "dir",
        "hash",
        "super",
    }
)
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
# Bot frameworks (chat platforms: Telegram, Discord, VK, Twitch): decorator methods
# that register a handler per message or event.
BOT_MODULES = (
    "aiogram",
    "discord",
    "telegram",
    "pyrogram",
    "telebot",
    "vkbottle",
    "nextcord",
    "twitchio",
)
_BOT_METHODS = frozenset(
    {
        "message",
        "message_handler",
        "callback_query",
        "callback_query_handler",
        "edited_message",
        "channel_post",
        "inline_query",
        "chat_member",
        "my_chat_member",
        "command",
        "hybrid_command",
        "slash_command",
        "event",
        "listen",
        "listener",
        "on_message",
        "on_callback_query",
        "message_handler_decorator",
    }
)
# Methods a bot framework calls by their name, per message (discord.py's client and
# cogs, TwitchIO's bot and cogs).
_BOT_EVENT_METHODS = frozenset({"on_message", "on_message_edit", "event_message"})
# Task queues and schedulers: decorators whose function runs per task or per tick.
_TASK_DECORATORS = frozenset(
    {"celery.shared_task", "dramatiq.actor", "huey.task", "rq.decorators.job"}
)
_TASK_MODULES = ("celery", "huey", "dramatiq", "rq", "arq", "prefect", "dagster", "airflow")
_COMMAND_LINE_MODULES = ("click.", "typer.")
# Airflow runs each task instance in a process of its own (`airflow tasks run`), so
# what a task makes it makes once per process, with no other task to share it with:
# `@task`, `@task.virtualenv(...)`, from `airflow.decorators` or `airflow.sdk`.
_PROCESS_TASK_DECORATORS = ("airflow.decorators.task", "airflow.sdk.task")
# ... and so for a function an operator runs (`PythonOperator(python_callable=f)`).
_PROCESS_TASK_REGISTRATION = ((), ("python_callable",), "process")
# multiprocessing's `Process(target=f)`, and pools' `initializer=f` (see
# `_process_task_registration`).
_PROCESS_TARGET_REGISTRATION = ((), ("target",), "process")
_PROCESS_POOL_REGISTRATION = ((), ("initializer",), "process")
_PROCESS_POOLS = frozenset({"Pool", "ProcessPoolExecutor"})
# Dagster runs a `@job`/`@graph` body once, when it loads the definitions: calling an
# op there wires it into the graph; the op runs per run of the job, not per call.
_GRAPH_DECORATORS = frozenset(
    {"dagster.job", "dagster.graph", "dagster.graph_asset", "dagster.graph_multi_asset"}
)
# A Prefect task runs when its flow calls it, in the flow run's process: as often as
# its callers run it (a loop in the flow is a loop), not once per message of a queue.
_FLOW_TASK_DECORATORS = frozenset({"prefect.task", "prefect.tasks.task"})
_TASK_METHODS = frozenset({"task", "periodic_task", "scheduled_job", "loop", "job", "cron"})
# Calls that register a function to be run per request, message or job, and which
# of their arguments (position, keyword) is the function.
_REGISTRATIONS: dict[str, tuple[tuple[int, ...], tuple[str, ...], str]] = {
    "add_url_rule": ((2,), ("view_func",), "request"),
    "add_api_route": ((1,), ("endpoint",), "request"),
    "add_route": ((1,), ("endpoint", "handler"), "request"),
    "add_websocket_route": ((1,), ("endpoint",), "request"),
    "Route": ((1,), ("endpoint",), "request"),
    "WebSocketRoute": ((1,), ("endpoint",), "request"),
    "APIRoute": ((1,), ("endpoint",), "request"),
    "register_message_handler": ((0,), ("callback",), "message"),
    "register_callback_query_handler": ((0,), ("callback",), "message"),
    "CommandHandler": ((1,), ("callback",), "message"),
    "MessageHandler": ((1,), ("callback",), "message"),
    "CallbackQueryHandler": ((0,), ("callback",), "message"),
    "add_job": ((0,), ("func",), "job"),
    "do": ((0,), ("job_func",), "job"),
    # Pyramid: `config.add_request_method(f, "db", reify=True)` runs `f` per request.
    "add_request_method": ((0,), ("callable",), "request"),
    "add_view": ((0,), ("view",), "request"),
}
# Functions that run once by what they are called.
RUN_ONCE_NAMES = frozenset(
    {
        "main",
        "create_app",
        "make_app",
        "build_app",
        "get_app",
        "app_factory",
        "create_application",
        "lifespan",
        "startup",
        "on_startup",
        "setup",
        "init_app",
        "init_db",
        "setup_db",
        "upgrade",
        "downgrade",
        "run_migrations_online",
        "run_migrations_offline",
        "create_db",
        "create_database",
        "create_tables",
        "create_all",
        "init_database",
        "initialize_database",
        "drop_db",
        "reset_db",
        "startup_event",
        "shutdown_event",
        # unittest's class and module fixtures: once per class (module) of tests.
        "setUpClass",
        "tearDownClass",
        "setUpModule",
        "tearDownModule",
    }
)
# A subcommand class declares its arguments (argparse's `add_arguments(parser)`, as
# Django's management commands and home-grown command frameworks do, or cliff's
# `get_parser`) and acts in one of these methods.
_ARGUMENT_DECLARATIONS = ("add_arguments", "get_parser")
_SUBCOMMAND_ACTIONS = frozenset({"handle", "run", "take_action", "execute", "__call__"})
_STARTUP_DECORATORS = frozenset(
    {
        "on_event",
        "before_first_request",
        "before_serving",
        "after_serving",
        "on_startup",
        "on_shutdown",
        "listener",
    }
)
# Celery's signals sent once per process (`@worker_process_init.connect`): a worker
# (or beat) process's set-up and shut-down.
_PROCESS_SIGNALS = frozenset(
    {
        "worker_process_init",
        "worker_init",
        "celeryd_init",
        "celeryd_after_setup",
        "worker_ready",
        "beat_init",
        "worker_process_shutdown",
        "worker_shutdown",
    }
)
# Run for every instance: its construction (also a dataclass's or an attrs class's
# hook after `__init__`) and each `with` block it opens.
_PER_INSTANCE_METHODS = (
    "__init__",
    "__post_init__",
    "__attrs_post_init__",
    "__enter__",
    "__aenter__",
)
_MAX_DEPTH = 8
# Methods a test framework runs around every test of their class.
_PER_TEST_METHODS = frozenset(
    {"setUp", "asyncSetUp", "tearDown", "asyncTearDown", "setup_method", "teardown_method"}
)
# Methods that close an instance, releasing what it keeps.
_CLOSING_METHODS = ("close", "aclose", "dispose", "__exit__", "__aexit__")

REQUEST = "per request"
HOW = {
    "request": "on every request",
    "message": "on every message the bot handles",
    "job": "on every run of the job",
    "task": "on every task",
    "loop": "on every loop iteration",
    "rerun": "on every rerun of the script",
    "instance": "on every instantiation",
    "event": "on every user event it handles (a button press, a signal)",
    "invocation": "on every invocation",
    "wrapper": "on every call of the functions it wraps",
    "calls": "several times in one run",
}


@dataclass(frozen=True)
class Repetition:
    """Why a function runs again and again, in words for a message."""

    kind: str  # a key of HOW
    function: str  # the function's name
    why: str  # e.g. "is a request handler (`@app.get`)"
    # For "instance": the clause that says where instances are made, as `why` ends
    # (`load` makes one per call).
    made_by: str = ""
    # For "loop": each round's result is kept, one per item (`[make(o) for o in outputs]`),
    # so what that result keeps is one per item too, not one per round thrown away.
    collected: bool = False
    # For "loop": the loop's call drops what the function returns (`make_engine(conf)`
    # as a statement, to validate each configuration).
    result_dropped: bool = False
    # Whether the runs go on after one raises. A framework catches what a handler
    # raises, and a service's loop runs for days (what fails there, a dropped
    # connection, fails again); a console program's menu loop (one that reads the
    # terminal with `input()`) ends with its first exception unless a `try` with
    # handlers encloses a call on the way.
    survives_failure: bool = True

    @property
    def how(self) -> str:
        return HOW[self.kind]

    @property
    def per_request(self) -> bool:
        return self.kind == "request"

    @property
    def one_after_another(self) -> bool:
        """The runs follow each other in one program (a loop's rounds, a script's
        reruns, a few calls): something made and disposed in each is gone before the
        next, unlike requests or messages that may overlap."""
        return self.kind in ("loop", "rerun", "calls", "invocation")


@dataclass(frozen=True)
class Caller:
    """A place that calls (or registers) a function."""

    module: ModuleKey
    function: str  # qualname of the calling function; "" for module-level code
    site: CallSite
    registration: str | None = None  # "request", "message", "job": registered, not called


class Mentions(Protocol):
    def modules_mentioning(self, key: ModuleKey, word: str) -> list[ModuleKey]:
        """Other modules of `key`'s project whose text contains `word` (as a word)."""
        ...


def _parses_command_line(info: FunctionInfo) -> bool:
    """`args = parser.parse_args()`: a program's entry point (a console script's
    function), which runs once per process."""
    return any(call.callee.rpartition(".")[2] in COMMAND_LINE_PARSERS for call in info.calls)


# The web frameworks' application and router classes, by qualified name.
_WEB_APPS = frozenset(name for name, kind in CONSTRUCTORS.items() if kind is Kind.WEB_APP)


class Repetitions:
    """Memoized answers for one analysis."""

    def __init__(
        self,
        evaluator: Evaluator,
        mentions: Mentions | None = None,
        extra_decorators: tuple[str, ...] = (),
    ) -> None:
        self.evaluator = evaluator
        self.mentions = mentions
        self.extra_decorators = frozenset(extra_decorators)
        self._repeated: dict[tuple[ModuleKey, str, bool, tuple[str, ...]], Repetition | None] = {}
        self._in_progress: set[tuple[ModuleKey, str, bool, tuple[str, ...]]] = set()
        self._callers: dict[tuple[ModuleKey, str], list[Caller]] = {}
        self._once: dict[tuple[ModuleKey, str], bool] = {}
        self._imported: dict[tuple[ModuleKey, tuple[str, ...]], bool] = {}
        self._indexes: dict[ModuleKey, dict[str, list[tuple[str, CallSite, str, str | None]]]] = {}

    # -- the question -----------------------------------------------------------------------

    def of_function(
        self,
        key: ModuleKey,
        qualname: str,
        project_wide: bool = True,
        depth: int = 0,
        guards: tuple[str, ...] = (),
    ) -> Repetition | None:
        """Why the function `qualname` of module `key` runs again and again (None: it
        does not, or nothing says so). `project_wide`: also look for callers in other
        modules (else only in `key`). `guards`: of the code in question, the parameters
        whose argument decides whether it runs (see `CallSite.guards`): only the calls
        that reach it count (`def load(df, engine=None): engine = engine or
        make_engine()`, called in a loop with `engine=engine`, makes no engine there)."""
        memo = (key, qualname, project_wide, guards)
        if memo in self._repeated:
            return self._repeated[memo]
        if memo in self._in_progress or depth > _MAX_DEPTH:
            return None  # recursion: the other path decides
        self._in_progress.add(memo)
        try:
            found = self._of_function(key, qualname, project_wide, depth, guards)
        finally:
            self._in_progress.discard(memo)
        self._repeated[memo] = found
        return found

    def _of_function(
        self,
        key: ModuleKey,
        qualname: str,
        project_wide: bool,
        depth: int,
        guards: tuple[str, ...] = (),
    ) -> Repetition | None:
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return None
        entry = self.entry_point(key, info, project_wide)
        if entry is not None:
            return entry
        if self.decorated_once(key, info):
            return None
        wrapper = self._wrapper(key, info, project_wide, depth)
        if wrapper is not None:
            return wrapper
        if info.name in _PER_INSTANCE_METHODS and info.owner is not None:
            per_instance = self._per_instance(key, info, project_wide, depth)
            if per_instance is not None:
                return per_instance
        several: Repetition | None = None
        for caller in self.callers(key, qualname, project_wide):
            if caller.registration is not None or _is_test_module(caller.module):
                continue  # registrations are entry points (seen above); a test runs once
            if guards and not reaches(caller.site, info, guards):
                continue  # the call leaves the code in question out (`engine=engine`)
            if caller.site.flags & AT_STARTUP:
                continue  # an ASGI app's lifespan branch: once, at start-up
            if caller.site.flags & CACHED:
                continue  # `if _db is None: _db = make()`: once, and found filled after
            if caller.site.flags & IN_HANDLER:
                continue  # `except OperationalError: self.reconnect()`: after a failure
            if caller.site.flags & IN_LOOP and not caller.site.flags & KEPT_PER_KEY:
                # (`binds[name] = build(conf)` in a loop keeps one per key: one engine
                # per configured database, not one per round.)
                where = self._where(caller, key)
                handed = caller.site.handed_to
                how = f"is handed to `{handed}()`" if handed else "is called"
                return Repetition(
                    "loop",
                    info.name,
                    f"{how} in a loop {_in_caller(caller)}{where}",
                    collected=bool(caller.site.flags & COLLECTED),
                    result_dropped=caller.site.fate == FATE_DROPPED,
                    survives_failure=self._loop_survives_failure(caller, project_wide, depth),
                )
            if not caller.function:
                if self._reruns(caller.module) and caller.site.flags & ON_PRESS:
                    return Repetition(
                        "event",
                        info.name,
                        f"is called when a button of the Streamlit script is pressed"
                        f"{self._where(caller, key)}",
                    )
                if self._reruns(caller.module):
                    return Repetition(
                        "rerun",
                        info.name,
                        f"is called by the Streamlit script{self._where(caller, key)}",
                    )
                continue
            outer = self.of_function(
                caller.module, caller.function, project_wide, depth + 1, caller.site.guards
            )
            if outer is not None and outer.kind == "loop" and caller.site.flags & KEPT_PER_KEY:
                continue  # a loop's rounds keep one each, by key (`binds[name] = ...`)
            if outer is not None:
                where = self._where(caller, key)
                found = Repetition(
                    outer.kind,
                    info.name,
                    f"is called from `{_name(caller)}`{where}, which runs {_per(outer)}",
                    survives_failure=outer.survives_failure or bool(caller.site.flags & IN_TRY),
                )
                if outer.kind != "calls":
                    return found
                # (A caller run a few times is the weakest evidence: a loop or a
                # handler among the other callers says more.)
                several = several or found
        return several or self._called_again(key, info, project_wide, guards)

    def _loop_survives_failure(self, caller: Caller, project_wide: bool, depth: int) -> bool:
        """Whether the loop at `caller` goes on after the call raises: yes under a
        `try` with handlers, no in a console program's menu loop or in a function a
        script runs once, and otherwise as the function holding the loop does (a loop
        inside a menu's step ends with the menu; one in a service, or in code nothing is
        known to run, goes on)."""
        if caller.site.flags & IN_TRY:
            return True
        if self._reads_the_terminal(caller):
            return False
        if not caller.function:
            return True
        outer = self.of_function(caller.module, caller.function, project_wide, depth + 1)
        if outer is None:
            # A loop of a function a script runs once (`read_json()` under its
            # `__main__` guard): what raises there ends the loop, and the run.
            return not self.runs_once_per_process(caller.module, caller.function)
        return outer.survives_failure

    def _reads_the_terminal(self, caller: Caller) -> bool:
        """Whether the code of `caller` (its function, or its module's top level)
        asks the user at the terminal in a loop (`input()`): a console program's menu,
        not a service that reads its settings once."""
        if caller.function:
            info = self.evaluator.function_info(caller.module, caller.function)
            calls = info.calls if info is not None else ()
        else:
            summary = self.evaluator.modules.summary_of(caller.module)
            calls = summary.module_calls if summary is not None else ()
        return any(site.callee == "input" and site.flags & IN_LOOP for site in calls)

    def _called_again(
        self, key: ModuleKey, info: FunctionInfo, project_wide: bool, guards: tuple[str, ...] = ()
    ) -> Repetition | None:
        """A function one piece of code calls more than once (a script's top level
        running `run_report(...)` for each of five reports): it runs several times in
        one run of the program, whatever runs that code once."""
        sites: dict[tuple[ModuleKey, str], list[CallSite]] = {}
        for caller in self.callers(key, info.qualname, project_wide):
            if caller.registration is not None or _is_test_module(caller.module):
                continue
            if guards and not reaches(caller.site, info, guards):
                continue
            sites.setdefault((caller.module, caller.function), []).append(caller.site)
        for (module, function), found in sites.items():
            # (Calls under different arms of one `if` run one or the other.)
            count = _most_run_together(found)
            if count > 1:
                by = f"`{function.rpartition('.')[2]}`" if function else "the top level"
                return Repetition(
                    "calls",
                    info.name,
                    f"is called {count} times by {by} of `{_display(module)}`",
                )
        return None

    def _closing_releases(self, key: ModuleKey, cls: str, attribute: str) -> bool:
        """Whether closing an instance of `cls` (its `close()`, `aclose()`, `dispose()`
        or `__exit__`) releases what it keeps on `self.<attribute>`: the maker that
        closes the instance (`await doc_storage.close()`) releases that too."""
        info = self.evaluator.class_info(key, cls)
        if info is None:
            return False
        for name in _CLOSING_METHODS:
            qualname = info.methods.get(name)
            method = self.evaluator.function_info(key, qualname) if qualname else None
            if method is not None and f"self.{attribute}" in method.released:
                return True
        return False

    def instance_keeping(self, key: ModuleKey, qualname: str, attribute: str) -> Repetition | None:
        """Why the `__init__`/`__enter__` `qualname` that keeps a resource on
        `self.<attribute>` runs per operation, leaving out the places that make an
        instance and release that attribute themselves (`database.engine.dispose()` in
        the `finally` of the function that made `database`)."""
        info = self.evaluator.function_info(key, qualname)
        if info is None or info.owner is None or info.name not in _PER_INSTANCE_METHODS:
            return self.of_function(key, qualname)
        return self._per_instance(key, info, True, 0, attribute)

    def per_instance(
        self, key: ModuleKey, qualname: str, attribute: str | None = None
    ) -> Repetition | None:
        """Why instances of the class whose method `qualname` is are made per
        operation (for what the method makes once per instance and keeps on it, on
        `self.<attribute>`: places that make one and release that do not count)."""
        info = self.evaluator.function_info(key, qualname)
        if info is None or info.owner is None:
            return None
        return self._per_instance(key, info, True, 0, attribute)

    def _per_instance(
        self,
        key: ModuleKey,
        info: FunctionInfo,
        project_wide: bool,
        depth: int,
        released_attribute: str | None = None,
    ) -> Repetition | None:
        """`__init__`/`__enter__` of a class instantiated per operation."""
        assert info.owner is not None
        cls = info.owner.rpartition(".")[2]
        if self._shares_instances(key, info):
            return None
        entering = info.name in ("__enter__", "__aenter__")
        for site in self.callers(key, info.owner, project_wide):
            if site.registration == "depends" and not entering:
                # `dal: FakeMain = Depends(FakeMain)`: FastAPI calls the class, as it
                # calls a provider function, for every request.
                made_by = (
                    f"`{_name(site)}`{self._where(site, key)} has FastAPI make one per "
                    f"request with `Depends({cls})`"
                )
                return Repetition(
                    "request", info.name, f"runs for every `{cls}`, and {made_by}", made_by
                )
            if site.registration is not None or not site.function or _is_test_module(site.module):
                continue  # module level: made once; a test runs once
            if site.site.flags & (AT_STARTUP | CACHED | IN_HANDLER):
                continue  # a lifespan branch, a slot filled once, a failure's recovery
            if entering and not self._entered(site, project_wide):
                continue  # `__enter__` runs for the instances a `with` enters, not others
            maker = self.evaluator.function_info(site.module, site.function)
            if (
                released_attribute is not None
                and maker is not None
                and site.site.local is not None
                and (
                    f"{site.site.local}.{released_attribute}" in maker.released
                    or (
                        site.site.local in maker.released
                        and self._closing_releases(key, info.owner, released_attribute)
                    )
                )
            ):
                # The maker releases what the instance keeps: a resource made and
                # released per call, which is only a problem when the maker itself
                # runs per request, message or job (as for one made in that function).
                outer = self.of_function(site.module, site.function, project_wide, depth + 1)
                if outer is None or outer.one_after_another:
                    continue
                made_by = (
                    f"`{_name(site)}`{self._where(site, key)}, which makes one (and "
                    f"disposes it) each time, runs {_per(outer)}"
                )
                return Repetition(
                    "instance", info.name, f"runs for every `{cls}`, and {made_by}", made_by
                )
            made_per_instance = maker is not None and maker.name in _PER_INSTANCE_METHODS
            if site.site.fate in (FATE_STORED, FATE_RETURNED) or made_per_instance:
                # Kept by (or made while building) another object, or handed to the
                # maker's caller (`def connect(url): return Database(url)`): as often
                # as the maker runs, not once per call of a factory called once.
                outer = self.of_function(site.module, site.function, project_wide, depth + 1)
                if outer is None or outer.collected:
                    continue  # (one instance per item of a list the loop keeps)
            elif self.runs_once(site.module, site.function, depth + 1) or self._unused(
                site.module, site.function
            ):
                continue
            made_by = f"`{_name(site)}`{self._where(site, key)} makes one per call"
            return Repetition(
                "instance", info.name, f"runs for every `{cls}`, and {made_by}", made_by
            )
        return None

    def _entered(self, site: Caller, project_wide: bool, depth: int = 0) -> bool:
        """Whether what the call at `site` makes is entered by a `with`: made in the
        `with` itself, kept in a local the function enters, or returned by a factory
        one of whose callers does so."""
        if site.site.fate == FATE_WITH:
            return True
        maker = self.evaluator.function_info(site.module, site.function)
        if maker is None:
            return False
        if site.site.local is not None and site.site.local in maker.released:
            return True
        if site.site.fate != FATE_RETURNED or depth >= 2:
            return False
        return any(
            self._entered(outer, project_wide, depth + 1)
            for outer in self.callers(site.module, site.function, project_wide)
            if outer.registration is None and outer.function and not _is_test_module(outer.module)
        )

    def _unused(self, key: ModuleKey, qualname: str) -> bool:
        """A module-level function of an application (a project that declares nothing
        to install, whose own code is all that calls it) that nothing but its tests
        calls, and nothing dispatches or may call unseen: it runs by hand or once per
        test, never again and again. So is one that nothing calls at all in a script
        of any project, a module outside its packages with a `__main__` block
        (`examples.py` beside the package: an example its `__main__` leaves commented
        out). (Not a method: the application may call it through an interface or a
        base class, as `repository.insert(...)`; nor a decorated function, which its
        decorator may register as a handler.)"""
        info = self.evaluator.function_info(key, qualname)
        if (
            info is None
            or info.owner is not None
            or info.parent is not None
            or info.decorators
            or self.dispatched(key, qualname)
        ):
            return False
        callers = self.callers(key, qualname)
        if not callers and self._a_script(key):
            return not self.calls_it_cannot_resolve(key, qualname)
        return (not callers or self.only_tests_call(key, qualname)) and self.calls_all_seen(
            key, qualname
        )

    def _a_script(self, key: ModuleKey) -> bool:
        """A module outside any package that runs as a program (`if __name__ ==
        "__main__":`): not a module a library's users import."""
        if not _outside_packages(key):
            return False
        frame = self.evaluator.module_frame(key)
        return frame is not None and any(
            site.flags & IN_MAIN_GUARD for site in frame.summary.module_calls
        )

    def runs_once_per_process(self, key: ModuleKey, qualname: str) -> bool:
        """A function of a project that installs nothing (no pyproject.toml, setup.cfg
        or setup.py: an application or a folder of scripts, whose own code is all that
        calls it) that nothing dispatches or calls out of the analysis's sight, and
        that runs at most once per process: nothing calls it (run by hand, from a REPL
        or a notebook), or each module calls it once, from its top level (a script) or
        from one of its entry points that run once (`main()`, a command), never in a
        loop."""
        info = self.evaluator.function_info(key, qualname)
        if info is None or not self.calls_all_seen(key, qualname):
            return False
        calling: set[ModuleKey] = set()
        for caller in self.callers(key, run_by_calls_of(info)):
            if caller.registration is not None or caller.site.flags & IN_LOOP:
                return False
            if caller.module in calling:
                return False  # called twice by one program
            calling.add(caller.module)
            if caller.function and not self.entry_point_run_once(caller.module, caller.function):
                return False
        return True

    def calls_all_seen(self, key: ModuleKey, qualname: str) -> bool:
        """Whether `callers()` are all the calls of the function: it is an
        application's (a project that declares nothing to install, whose own code is
        all that calls it), and nothing dispatches it or may call it unseen."""
        return (
            isinstance(key, Path)
            and installs_nothing(key)
            and not self.dispatched(key, qualname)
            and not self.calls_it_cannot_resolve(key, qualname)
        )

    def _wrapper(
        self, key: ModuleKey, info: FunctionInfo, project_wide: bool, depth: int
    ) -> Repetition | None:
        """A function its parent returns (`def cached(f): def wrapper(*a): ...; return
        wrapper`): a decorator's wrapper runs whenever a function it decorates is
        called, so as often as the most repeated of those."""
        if info.parent is None:
            return None
        parent = self.evaluator.function_info(key, info.parent)
        if parent is None or not any(_hands_out(r, info.name) for r in parent.returns):
            return None
        # It calls the function it closes over (`return func(*args, **kwargs)`): a
        # wrapper, not the inner `decorator(func)` of a decorator factory.
        wrapped = {p.name for p in parent.params}
        if not any(call.callee in wrapped for call in info.calls):
            return None
        decorator = parent
        if parent.parent is not None:  # `def db_cache(...): def decorator(f): def wrapper`
            outer = self.evaluator.function_info(key, parent.parent)
            if outer is not None and any(_hands_out(r, parent.name) for r in outer.returns):
                decorator = outer
        name = decorator.name.partition("#")[0]
        for module, decorated in self._decorated_by(key, decorator, project_wide):
            repetition = self.of_function(module, decorated.qualname, project_wide, depth + 1)
            if repetition is not None:
                return Repetition(
                    repetition.kind,
                    info.name,
                    f"wraps `{decorated.name}` (`@{name}`), which {repetition.why}",
                )
        return None

    def _decorated_by(
        self, key: ModuleKey, decorator: FunctionInfo, project_wide: bool
    ) -> Iterator[tuple[ModuleKey, FunctionInfo]]:
        """The functions decorated with `decorator` (as `@decorator` or `@decorator(...)`)."""
        name = decorator.name.partition("#")[0]
        modules: list[ModuleKey] = [key]
        if project_wide and self.mentions is not None:
            modules += [m for m in self.mentions.modules_mentioning(key, name) if m != key]
        targets = {decorator.qualname, decorator.qualname.partition("#")[0]}
        for module in modules:
            frame = self.evaluator.module_frame(module)
            if frame is None:
                continue
            for function in frame.summary.functions.values():
                for expr in function.decorators:
                    target = expr[1] if expr[0] == "c" else expr
                    if (ir.dotted(target) or "").rpartition(".")[2] != name:
                        continue
                    value = self.evaluator.value(target, frame)
                    ref = value.ref
                    if (
                        ref is not None
                        and ref.module == key
                        and (ref.name in targets or ref.name.partition("#")[0] in targets)
                    ):
                        yield module, function

    def _shares_instances(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """A singleton: `__new__` hands out a kept instance and `__init__` returns early
        once it has run (`if self._initialized: return`)."""
        assert info.owner is not None
        cls = self.evaluator.class_info(key, info.owner)
        if cls is None or "__new__" not in cls.methods:
            return False
        return any(expr == ir.CONSTANT for expr in info.returns)

    # -- entry points ------------------------------------------------------------------------

    def entry_point(
        self, key: ModuleKey, info: FunctionInfo, project_wide: bool = True
    ) -> Repetition | None:
        """Whether a framework runs `info` per request, message, job or task."""
        module = self.evaluator.module_frame(key)
        if module is None:
            return None
        for decorator in info.decorators:
            target = decorator[1] if decorator[0] == "c" else decorator
            written = ir.dotted(target) or "..."
            last = written.rpartition(".")[2]
            value = self.evaluator.value(target, module)
            qualified = value.ref.name if value.ref and value.ref.kind is RefKind.LIBRARY else ""
            if target[0] == "a" and last in ROUTE_METHODS:
                receiver = self.evaluator.value(target[1], module)
                if (
                    receiver.kind is Kind.WEB_APP
                    or self._derives_from_a_web_app(receiver)
                    or (
                        not receiver.known
                        and (
                            self._imports(key, WEB_FRAMEWORK_MODULES)
                            or _routes_a_url_path(decorator)
                        )
                    )
                ):
                    if last.endswith("request"):
                        return Repetition("request", info.name, "is a request hook")
                    return Repetition("request", info.name, f"is a request handler (`@{written}`)")
            if qualified.startswith(_DJANGO_VIEW_DECORATOR_PREFIXES):
                return Repetition("request", info.name, "is a Django view")
            if self.extra_decorators & {qualified, written}:
                return Repetition(
                    "request",
                    info.name,
                    f"is a request handler (`@{written}`, from the configuration)",
                )
            if (
                last in _BOT_METHODS
                and self._imports(key, BOT_MODULES)
                # `@click.command()`, or `@cli.command()` on a click group, in a bot's
                # code is a command: it runs once per process.
                and not qualified.startswith(_COMMAND_LINE_MODULES)
                and not (target[0] == "a" and self._is_command_line_group(target[1], module))
            ):
                return Repetition("message", info.name, f"is a bot handler (`@{written}`)")
            if last == "callback" and (
                qualified.startswith("dash.") or self._imports(key, ("dash",))
            ):
                # `@app.callback(Output(...), Input(...))`: Dash runs it on each
                # interaction of a user with the page.
                return Repetition("event", info.name, f"is a Dash callback (`@{written}`)")
            if (
                _is_process_task(qualified)
                or qualified in _FLOW_TASK_DECORATORS
                or qualified in _GRAPH_DECORATORS
            ):
                continue
            if qualified in _TASK_DECORATORS or (
                last in _TASK_METHODS and self._imports(key, _TASK_MODULES)
            ):
                return Repetition("task", info.name, f"is a task (`@{written}`)")
        if self._is_class_based_view_method(key, info):
            return Repetition("request", info.name, "is a class-based view")
        if self._is_middleware_method(key, info):
            return Repetition("request", info.name, "is a middleware's per-request method")
        if _is_lambda_handler(info):
            # A warm container runs the handler again for each event; what the module
            # makes at import is kept between them.
            return Repetition("invocation", info.name, "is an AWS Lambda handler")
        if (
            info.owner is not None
            and info.name in _BOT_EVENT_METHODS
            and self._imports(key, BOT_MODULES)
        ):
            # discord.py's `Client.on_message`, a TwitchIO cog's `event_message`: the
            # framework calls the method by its name, for every message.
            return Repetition("message", info.name, "handles every message the bot sees")
        parameter = self._request_parameter(key, info)
        if parameter is not None:
            return Repetition(
                "request",
                info.name,
                f"runs per request (FastAPI fills in its parameter `{parameter}`)",
            )
        if self._is_django_function_view(key, info):
            return Repetition("request", info.name, "is a Django view")
        for caller in self.callers(key, info.qualname, project_wide):
            if caller.registration == "depends":
                return Repetition(
                    "request", info.name, f"is a FastAPI dependency of `{_name(caller)}`"
                )
            if caller.registration is not None and caller.registration != "process":
                kind = caller.registration
                noun = "request handler" if kind == "request" else f"{kind} handler"
                article = "an" if noun[0] in "aeiou" else "a"
                return Repetition(kind, info.name, f"is registered as {article} {noun}")
        return None

    def _derives_from_a_web_app(self, receiver: Value) -> bool:
        """An instance of a project class deriving from a web framework's app or router
        (`class APIRouter(fastapi.APIRouter)`, to add defaults to its routes)."""
        ref = receiver.ref
        if ref is None or ref.kind is not RefKind.INSTANCE or ref.module is None:
            return False
        return self.evaluator.derives_from(Ref(RefKind.CLASS, ref.module, ref.name), _WEB_APPS)

    def _is_middleware_method(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """`dispatch` of Starlette's `BaseHTTPMiddleware`, `authenticate_request` of
        Litestar's `AbstractAuthenticationMiddleware`, Django's `process_request`: a
        method a web framework runs for each request, of a class whose base is a
        middleware (its name says so)."""
        if info.owner is None or info.name not in _MIDDLEWARE_METHODS:
            return False
        cls = self.evaluator.class_info(key, info.owner)
        if cls is None:
            return False
        return any(
            (ir.dotted(base) or "").rpartition(".")[2].endswith("Middleware") for base in cls.bases
        )

    def _is_class_based_view_method(self, key: ModuleKey, info: FunctionInfo) -> bool:
        if info.owner is None or info.name not in VIEW_METHODS:
            return False
        cls = self.evaluator.class_info(key, info.owner)
        if cls is None:
            return False
        return any(
            (ir.dotted(base) or "").rpartition(".")[2].endswith(_VIEW_BASE_SUFFIXES)
            for base in cls.bases
        )

    def _request_parameter(self, key: ModuleKey, info: FunctionInfo) -> str | None:
        """A parameter only a web framework supplies: `x: str = Header(...)`, `request: Request`."""
        module = self.evaluator.module_frame(key)
        if module is None:
            return None
        for param in info.params:
            default = param.default
            if default is not None and default[0] == "c":
                callee = self.evaluator.value(default[1], module)
                if callee.ref is not None and callee.ref.name in _REQUEST_PARAMETERS:
                    return param.name
            if param.annotation is not None and param.annotation[0] in ("n", "a"):
                declared = self.evaluator.value(param.annotation, module)
                if declared.ref is not None and declared.ref.name in _REQUEST_TYPES:
                    return param.name
        return None

    def _is_django_function_view(self, key: ModuleKey, info: FunctionInfo) -> bool:
        if info.owner is not None or info.parent is not None or not info.params:
            return False
        name = str(key)
        folder, _, file = name.replace("\\", "/").rpartition("/")
        in_views = file == "views.py" or folder.endswith("/views")
        return in_views and self._imports(key, ("django",)) and info.params[0].name == "request"

    # -- running once -------------------------------------------------------------------------

    def runs_once(self, key: ModuleKey, qualname: str, depth: int = 0) -> bool:
        """Cached, a fixture, a CLI command, `main`, an app factory, a migration step, or
        only called from code that runs once."""
        memo = (key, qualname)
        if memo in self._once:
            return self._once[memo]
        self._once[memo] = False  # recursion
        found = self._runs_once(key, qualname, depth)
        self._once[memo] = found
        return found

    def _runs_once(self, key: ModuleKey, qualname: str, depth: int) -> bool:
        if not qualname:
            return not self._reruns(key)  # module-level code runs on import
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        if info.name in RUN_ONCE_NAMES or self.decorated_once(key, info):
            return True
        if depth > _MAX_DEPTH:
            return False
        callers = [
            c
            for c in self.callers(key, run_by_calls_of(info))
            if c.registration in (None, "process") and not _is_test_module(c.module)
        ]
        if not callers:
            return False
        return all(
            c.registration == "process"
            or (not c.site.flags & IN_LOOP and self.runs_once(c.module, c.function, depth + 1))
            for c in callers
        )

    def entry_point_run_once(self, key: ModuleKey, qualname: str, depth: int = 0) -> bool:
        """A function that runs once as a program's entry: cached, a fixture, a CLI
        command, a start-up hook, `main`, an app factory, a migration step, or only
        called from its own module's top level (a script's `__main__` block), from such
        entry points of its module, or from commands (`get_session()` only a click
        command calls, in any module). A library function a script happens to call
        once is not one: another caller may call it again and again. A function of a
        module outside any package (a script's helper next to it, which no user of a
        library imports) is one when such entry points of any module are its only
        callers."""
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        if (
            info.name in RUN_ONCE_NAMES
            or self.decorated_once(key, info)
            or self.is_subcommand_action(key, info)
        ):
            return True
        if _is_test_module(key) and info.name.startswith("test"):
            return True  # pytest runs each test once
        if depth > _MAX_DEPTH:
            return False
        callers = [
            c
            for c in self.callers(key, qualname)
            if c.registration in (None, "process")
            # A script's own `__main__` block counts, even in a file named like a test.
            and (not _is_test_module(c.module) or (c.module == key and not c.function))
        ]
        loose = _outside_packages(key)
        return bool(callers) and all(
            c.registration == "process"
            or (
                not c.site.flags & IN_LOOP
                and (
                    (
                        (c.module == key or loose)
                        and (
                            not c.function
                            or self.entry_point_run_once(c.module, c.function, depth + 1)
                        )
                    )
                    or self._in_command(c)
                )
            )
            for c in callers
        )

    def _in_command(self, caller: Caller) -> bool:
        """The call is made by a function that runs once whoever calls it (a command,
        a fixture, a cached factory, a start-up hook, a module's `main()`)."""
        if not caller.function:
            return False
        info = self.evaluator.function_info(caller.module, caller.function)
        if info is None:
            return False
        if info.name in RUN_ONCE_NAMES and info.owner is None and info.parent is None:
            return True
        return self.decorated_once(caller.module, info)

    def decorated_once(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """Cached, a fixture, a CLI command, or a start-up hook: run once, whoever calls."""
        return (
            self.is_cached(key, info)
            or self.is_fixture(key, info)
            or self.is_cli_command(key, info)
            or self._is_startup_hook(info)
            or _parses_command_line(info)
            or self._is_console_script(key, info)
            or self._is_process_task(key, info)
        )

    def _is_command_line_group(self, receiver: ir.Expr, module: ModuleFrame) -> bool:
        """`cli` in `@cli.command()`: a click group (a function `@click.group()`
        decorates) or a typer app (`typer.Typer()`)."""
        ref = self.evaluator.value(receiver, module).ref
        if ref is None:
            return False
        if ref.kind is RefKind.LIBRARY:
            return ref.name.startswith(_COMMAND_LINE_MODULES)
        if ref.kind is not RefKind.FUNCTION or ref.module is None:
            return False
        info = self.evaluator.function_info(ref.module, ref.name)
        return info is not None and any(
            found.kind is RefKind.LIBRARY and found.name.startswith(_COMMAND_LINE_MODULES)
            for found in self.evaluator.decorator_refs(ref.module, info)
        )

    def _is_process_task(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """An Airflow task (one process per run of it) or a Dagster graph's body (run
        once, when the definitions load)."""
        return any(
            ref.kind is RefKind.LIBRARY
            and (_is_process_task(ref.name) or ref.name in _GRAPH_DECORATORS)
            for ref in self.evaluator.decorator_refs(key, info)
        )

    def is_command(self, key: ModuleKey, qualname: str, depth: int = 0) -> bool:
        """A program's command: installed as a console script, a click/typer command,
        or a function that parses the command line; or a function only commands call,
        outside any `try` that could catch what it raises (`asyncio.run(drop(engine))`
        in a console script's `main`), unless it is a public function of an installable
        package's module, which the package's users may call too. An exception that
        escapes it ends the process, which releases whatever it holds."""
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        if (
            self._is_console_script(key, info)
            or self.is_cli_command(key, info)
            or _parses_command_line(info)
            or self._is_process_task(key, info)
            or self.is_subcommand_action(key, info)
        ):
            return True
        if depth >= 2:
            return False
        # (What tests call it with says nothing of how it runs in use.)
        callers = [c for c in self.callers(key, qualname) if not _is_test_module(c.module)]
        if any(c.module != key for c in callers) and _public_api(key, info):
            return False  # a library's own command calls it; so may its users, repeatedly
        return (
            bool(callers)
            and not self.calls_it_cannot_resolve(key, qualname)
            and all(
                c.registration == "process"
                or (
                    c.registration is None
                    and bool(c.function)
                    and not c.site.flags & IN_TRY
                    and self.is_command(c.module, c.function, depth + 1)
                )
                for c in callers
            )
        )

    def is_subcommand_action(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """The action of a command-line subcommand class: `handle` of a Django
        management command, `run` / `take_action` of a class that declares its
        arguments in `add_arguments(parser)` (or `get_parser`): the program runs it
        once, for the command the user typed."""
        if info.owner is None or info.name not in _SUBCOMMAND_ACTIONS:
            return False
        owner = self.evaluator.class_info(key, info.owner)
        return owner is not None and any(m in owner.methods for m in _ARGUMENT_DECLARATIONS)

    @staticmethod
    def _is_console_script(key: ModuleKey, info: FunctionInfo) -> bool:
        """Installed as a command (`console_scripts`, `[project.scripts]`)."""
        return (
            isinstance(key, Path)
            and info.owner is None
            and info.parent is None
            and is_console_script(key, info.name)
        )

    @staticmethod
    def _is_startup_hook(info: FunctionInfo) -> bool:
        """`@app.on_event("startup")`, `@app.before_first_request`, `@app.before_serving`,
        a handler of a Celery process's set-up signal (`@worker_process_init.connect`)."""
        for decorator in info.decorators:
            target = decorator[1] if decorator[0] == "c" else decorator
            head, _, last = (ir.dotted(target) or "").rpartition(".")
            if last in _STARTUP_DECORATORS:
                return True
            if last == "connect" and head.rpartition(".")[2] in _PROCESS_SIGNALS:
                return True
        return False

    def is_cached(self, key: ModuleKey, info: FunctionInfo) -> bool:
        if self.evaluator.decorated_with(key, info, CACHE_DECORATORS):
            return True
        return any(
            ref.kind is RefKind.FUNCTION
            and ref.module is not None
            and self._memoizes(ref.module, ref.name, 0)
            for ref in self.evaluator.decorator_refs(key, info)
        )

    def _memoizes(self, key: ModuleKey, qualname: str, depth: int) -> bool:
        """A decorator of the project that keeps what the function it wraps returns
        (`def single_call(f): cache = {}; def result(): if "r" not in cache: cache["r"]
        = f(); return cache["r"]; return result`): the function runs once (per
        arguments), however often it is called. Also through a decorator factory
        (`@cached()`), one level up."""
        decorator = self.evaluator.function_info(key, qualname)
        if decorator is None or depth > 1:
            return False
        wrapped = {p.name for p in decorator.params}
        for returned in decorator.returns:
            if returned[0] != "n":
                continue
            inner = self.evaluator.function_info(key, f"{qualname}.{returned[1]}")
            if inner is None:
                continue
            if inner.returns and any(call.callee in wrapped for call in inner.calls):
                if all(_kept_outside(r, inner, decorator) for r in inner.returns):
                    return True
            elif self._memoizes(key, inner.qualname, depth + 1):
                return True  # `def cached(): def decorator(f): ...; return decorator`
        return False

    def is_fixture(self, key: ModuleKey, info: FunctionInfo) -> bool:
        return self.evaluator.decorated_with(key, info, FIXTURE_DECORATORS)

    def runs_per_test(self, key: ModuleKey, qualname: str, depth: int = 0) -> bool:
        """Whether a function of the test suite runs before or after every test:
        unittest's `setUp`/`tearDown` (and pytest's `setup_method`), a fixture of
        pytest's default scope, `"function"`, or what one of those calls. Other code
        of the suite runs once per run: a test, a session fixture, a helper they call."""
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        if info.owner is not None and info.name in _PER_TEST_METHODS:
            return True
        if self.is_fixture(key, info):
            return _fixture_scope(info) in (None, "function")
        if depth > _MAX_DEPTH:
            return False
        return any(
            caller.function and self.runs_per_test(caller.module, caller.function, depth + 1)
            for caller in self.callers(key, qualname)
            if caller.registration is None and _is_test_module(caller.module)
        )

    def is_cli_command(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """`@click.command()`, `@cli.command()`, `@app.command()` with click/typer imported."""
        if not self._imports(key, ("click", "typer")):
            return False
        for decorator in info.decorators:
            target = decorator[1] if decorator[0] == "c" else decorator
            last = (ir.dotted(target) or "").rpartition(".")[2]
            if last in ("command", "group", "callback"):
                return True
        return False

    def is_page(self, key: ModuleKey) -> bool:
        """A Streamlit page: run by `streamlit run`, never imported, so its functions
        have no callers but its own. (A script with a `__main__` block may still be
        imported for its functions.)"""
        return self._reruns(key)

    def _reruns(self, key: ModuleKey) -> bool:
        """A Streamlit script runs from the top on every interaction."""
        return self._imports(key, ("streamlit",))

    def _imports(self, key: ModuleKey, roots: tuple[str, ...]) -> bool:
        memo = (key, roots)
        found = self._imported.get(memo)
        if found is None:
            module = self.evaluator.module_frame(key)
            found = module is not None and any(
                q.lstrip(".").split(".", 1)[0] in roots for q in module.summary.imports.values()
            )
            self._imported[memo] = found
        return found

    # -- callers ----------------------------------------------------------------------------

    def callers(self, key: ModuleKey, qualname: str, project_wide: bool = True) -> list[Caller]:
        """Calls of the function or class `qualname` of `key` (and registrations of it),
        in its own module and, when `project_wide`, in every module that mentions it."""
        memo = (key, qualname if project_wide else "local:" + qualname)
        found = self._callers.get(memo)
        if found is not None:
            return found
        name = qualname.rpartition(".")[2].partition("#")[0]
        modules: list[ModuleKey] = [key]
        if project_wide and self.mentions is not None:
            modules += [m for m in self.mentions.modules_mentioning(key, name) if m != key]
        found = []
        for module in modules:
            found.extend(self._callers_in(module, name, key, qualname))
        self._callers[memo] = found
        return found

    def calls_it_cannot_resolve(self, key: ModuleKey, qualname: str) -> bool:
        """Whether some call in the project might be of `qualname` without being known
        as one: `repo.find(...)` on a receiver the evaluator cannot tell, where `find`
        is the function's name. Then `callers()` may not be all of them."""
        return next(self.unresolved_callers(key, qualname), None) is not None

    def only_tests_call(self, key: ModuleKey, qualname: str) -> bool:
        """Whether every call of a function outside the tests is in the tests: an API
        the suite exercises, whose users' calls are not in the project."""
        return not _is_test_module(key) and self._called_only_in_tests(key, qualname)

    def only_the_suite_calls(self, key: ModuleKey, qualname: str) -> bool:
        """Whether the function is a helper of the test suite: it lives in a test module
        and every call of it, if any, is in one (`self._column_names(Session,
        resource_id)` in a test class), so what it is given is the suite's own data.
        (Nothing outside the suite imports a test module: a helper nothing calls yet
        is the suite's too.)"""
        return _is_test_module(key) and all(
            _is_test_module(c.module) for c in self.callers(key, qualname)
        )

    def _called_only_in_tests(self, key: ModuleKey, qualname: str) -> bool:
        """Whether the function has calls, all of them in test modules."""
        callers = self.callers(key, qualname)
        return bool(callers) and all(_is_test_module(c.module) for c in callers)

    def program_callers(self, key: ModuleKey, qualname: str) -> list[Caller]:
        """The calls of a function from outside the tests, when there are any (what
        the program gives it; the suite's calls pass the suite's own data), else all."""
        callers = list(self.callers(key, qualname))
        in_use = [c for c in callers if not _is_test_module(c.module)]
        return in_use or callers

    def dispatched(self, key: ModuleKey, qualname: str) -> bool:
        """Whether the function may be called where no call of it is written: a
        display holds it (`{"customers": self.load_customers}`, in any module that
        mentions its name), a framework calls it through a method of its own
        (`load.override(task_id=...)(...)`, `send.delay(...)`, `flow.submit(...)`),
        or its module calls `getattr(x, name)` with a computed name."""
        name = qualname.rpartition(".")[2].partition("#")[0]
        own = self.evaluator.module_frame(key)
        if own is not None and DYNAMIC_DISPATCH in own.summary.dispatched:
            return True
        modules: list[ModuleKey] = [key]
        if self.mentions is not None:
            modules += [m for m in self.mentions.modules_mentioning(key, name) if m != key]
        for module in modules:
            frame = self.evaluator.module_frame(module)
            if frame is None:
                continue
            if name in frame.summary.dispatched:
                return True
            for _caller, sites in _call_sites(frame.summary):
                for site in sites:
                    parts = site.callee.split(".")
                    if name in parts[:-1] and parts[-1] != name:
                        return True
        return False

    def unresolved_callers(self, key: ModuleKey, qualname: str) -> Iterator[Caller]:
        """The calls `calls_it_cannot_resolve` means (a receiver it cannot tell whose
        method has the function's name)."""
        name = qualname.rpartition(".")[2].partition("#")[0]
        info = self.evaluator.function_info(key, qualname)
        method = info is None or info.owner is not None or info.parent is not None
        modules: list[ModuleKey] = [key]
        if self.mentions is not None:
            modules += [m for m in self.mentions.modules_mentioning(key, name) if m != key]
        for module in modules:
            for caller, site, written, registration in self._call_index(module).get(name, ()):
                if registration is not None or "." not in written:
                    continue
                expr = _expression(written)
                frame = (
                    self.evaluator.function_frame(module, caller) if caller else None
                ) or self.evaluator.module_frame(module)
                if expr is not None and frame is not None:
                    if self.evaluator.value(expr, frame).ref is not None:
                        continue
                    if not method and self._made_receiver(expr[1], module, frame):
                        # `df.to_sql(...)` on a parameter, a local, a global assigned a
                        # value (`pages.insert(1, page)` on a list) or a call's result: an
                        # object, not a module whose function has that name.
                        continue
                yield Caller(module, caller, site)

    def _made_receiver(self, receiver: ir.Expr, module: ModuleKey, frame: Frame) -> bool:
        """`receiver` (of `receiver.f(...)`) is an object, not a module: a call's result
        (`pd.Series(x).to_frame()`), or rooted in a name the calling function binds (a
        parameter, `self`, a local) or that its module assigns (modules are imported,
        and an import the evaluator resolves is not asked about here)."""
        while receiver[0] in ("a", "s"):
            receiver = receiver[1]
        if receiver[0] == "c":
            return True
        if receiver[0] != "n":
            return False
        binding = frame.lookup(receiver[1])
        if binding is not None:
            values: tuple[ir.Expr, ...] = tuple(binding.values)
        else:
            summary = self.evaluator.module_frame(module)
            if summary is None or receiver[1] not in summary.summary.bindings:
                return False
            values = summary.summary.bindings[receiver[1]]
        # `mod = importlib.import_module(name)`, `__import__(name)`: a module after all.
        return not any(
            v[0] == "c" and (ir.dotted(v[1]) or "").rpartition(".")[2] in _MODULE_LOADERS
            for v in values
        )

    def _callers_in(
        self, module: ModuleKey, name: str, key: ModuleKey, qualname: str
    ) -> Iterator[Caller]:
        for caller, site, written, registration in self._call_index(module).get(name, ()):
            if self._targets(written, module, caller, key, qualname):
                yield Caller(module, caller, site, registration)

    def _call_index(
        self, module: ModuleKey
    ) -> dict[str, list[tuple[str, CallSite, str, str | None]]]:
        """Every call site, registration and `Depends(...)` of `module`, by the last name
        of what it calls or registers: (caller, site, what is written, registration)."""
        found = self._indexes.get(module)
        if found is not None:
            return found
        index: dict[str, list[tuple[str, CallSite, str, str | None]]] = {}
        frame = self.evaluator.module_frame(module)
        if frame is not None:
            summary = frame.summary
            for caller, sites in _call_sites(summary):
                for site in sites:
                    name = site.callee.rpartition(".")[2]
                    index.setdefault(name, []).append((caller, site, site.callee, None))
                    # `from .db import session_scope as session`: `session()` calls
                    # `session_scope`, under the name it was imported by.
                    imported = summary.imports.get(site.callee, "").rpartition(".")[2]
                    if imported and imported != name:
                        index.setdefault(imported, []).append((caller, site, site.callee, None))
                    registration = (
                        _REGISTRATIONS.get(name)
                        or _observer_registration(site)
                        or _process_task_registration(site)
                    )
                    registered = (
                        set(_registered_arguments(site, registration)) if registration else set()
                    )
                    for argument in registered:
                        assert registration is not None
                        last = argument.rpartition(".")[2]
                        index.setdefault(last, []).append((caller, site, argument, registration[2]))
                    # A function handed to another (`retry(task.main, ...)`, `pool.map(f,
                    # ...)`) is taken to run when, and as often as, the caller does. Not
                    # `Depends(get_db)` in a parameter's default, which runs at import:
                    # FastAPI calls `get_db` per request (indexed below).
                    if name in _DEPENDENCY_MARKERS or name in DEFERRING_WRAPPERS:
                        continue
                    if site.callee in _INSPECTING_BUILTINS:
                        continue
                    for argument in site.arguments:
                        written = argument.rpartition("=")[2]
                        if written and written not in registered:
                            callback = CallSite(
                                written,
                                site.line,
                                site.column,
                                site.flags,
                                branches=site.branches,
                                handed_to=site.callee,
                            )
                            index.setdefault(written.rpartition(".")[2], []).append(
                                (caller, callback, written, None)
                            )
            # FastAPI: `def items(db = Depends(get_db))` makes `get_db` run per request.
            for info in summary.functions.values():
                for param in info.params:
                    default = param.default
                    if default is None or default[0] != "c" or not default[2]:
                        continue
                    marker = (ir.dotted(default[1]) or "").rpartition(".")[2]
                    if marker not in _DEPENDENCY_MARKERS:
                        continue
                    provider = ir.dotted(default[2][0])
                    if provider is None:
                        continue
                    site = CallSite(provider, info.line, info.column)
                    index.setdefault(provider.rpartition(".")[2], []).append(
                        (info.qualname, site, provider, "depends")
                    )
        self._indexes[module] = index
        return index

    def _targets(
        self, written: str, module: ModuleKey, caller: str, key: ModuleKey, qualname: str
    ) -> bool:
        """Whether `written` (dotted, in `caller` of `module`) names `qualname` of `key`."""
        expr = _expression(written)
        frame = (
            self.evaluator.function_frame(module, caller) if caller else None
        ) or self.evaluator.module_frame(module)
        if frame is None or expr is None:
            return False
        value = self.evaluator.value(expr, frame)
        ref = value.ref
        return (
            ref is not None
            and ref.module == key
            and ref.name == qualname
            and ref.kind
            in (
                RefKind.FUNCTION,
                RefKind.BOUND_METHOD,
                RefKind.CLASS,
            )
        )

    def _where(self, caller: Caller, key: ModuleKey) -> str:
        if caller.module == key:
            return ""
        return f" ({_display(caller.module)})"


def _most_run_together(sites: list[CallSite]) -> int:
    """How many of `sites` (calls made by one function) can run in one pass through
    it: those under different arms of one `if` cannot (counted greedily, from each)."""
    most = 0
    for first in sites:
        together = [first]
        for other in sites:
            if other is not first and not any(other.excludes(s) for s in together):
                together.append(other)
        most = max(most, len(together))
    return most


def _kept_outside(returned: ir.Expr, wrapper: FunctionInfo, decorator: FunctionInfo) -> bool:
    """What a wrapper returns is read from what outlives its call: a slot or attribute
    of the decorator's local (`cache[args]`, `state.value`) or of the wrapper itself
    (`wrapper.value`), or a `nonlocal` of the decorator's."""
    if returned[0] in ("s", "a"):
        returned = returned[1]
    if returned[0] != "n":
        return False
    name = returned[1]
    if name == wrapper.name:
        return True
    if name in wrapper.locals and name not in wrapper.global_names:
        return False
    return name in decorator.locals and (name in wrapper.global_names or name not in wrapper.locals)


def _hands_out(returned: ir.Expr, name: str) -> bool:
    """`return wrapper`, or `return cast(F, wrapper)` / `return wraps(f)(wrapper)`."""
    if returned == ("n", name):
        return True
    return returned[0] == "c" and any(_hands_out(a, name) for a in returned[2])


def _is_process_task(qualified: str) -> bool:
    return any(
        qualified == name or qualified.startswith(name + ".") for name in _PROCESS_TASK_DECORATORS
    )


_MODULE_LOADERS = frozenset({"import_module", "__import__", "reload", "module_from_spec"})


def run_by_calls_of(info: FunctionInfo) -> str:
    """Whose calls run the function: its class's for `__init__`/`__enter__` (it runs
    when the class is instantiated), else its own."""
    if info.name in _PER_INSTANCE_METHODS and info.owner is not None:
        return info.owner
    return info.qualname


def _public_api(key: ModuleKey, info: FunctionInfo) -> bool:
    """A public function (or method) of a package's module, in a project that declares
    itself installable: a library's API (`bitcoinlib.wallets.wallet_empty`), which its
    users call however they like, whatever the project's own code does with it."""
    return (
        not _outside_packages(key)
        and isinstance(key, Path)
        and not installs_nothing(key)
        and not any(part.startswith("_") for part in info.qualname.split("."))
    )


def reaches(site: CallSite, info: FunctionInfo, guards: tuple[str, ...]) -> bool:
    """Whether the call at `site` may run the code of `info` under `guards` (see
    `CallSite.guards`): it passes each parameter a guard wants set (not `None`), and
    none a guard wants unset. What the record cannot tell (an unpacked argument) may."""
    if "*" in site.arguments:
        return True
    params = [p.name for p in info.params]
    if info.owner is not None and params[:1] in (["self"], ["cls"]):
        params = params[1:]  # (called on an object: its arguments start after `self`)
    for guard in guards:
        name = guard.lstrip("!")
        position = params.index(name) if name in params else None
        passed = site.argument_for(name, position)
        if passed == "":
            continue  # passed something the record cannot tell
        given = passed is not None and passed != "None"
        if given == guard.startswith("!"):
            return False
    return True


def _routes_a_url_path(decorator: ir.Expr) -> bool:
    """`@app.get("/api/workflows")` on an app the module does not know (a parameter of
    the function that registers its routes, `def register(app):`): a URL path as the
    first argument of a route method says what it is."""
    if decorator[0] != "c" or not decorator[2]:
        return False
    first = decorator[2][0]
    return first[0] == "str" and isinstance(first[1], str) and first[1].startswith("/")


def _outside_packages(key: ModuleKey) -> bool:
    """A module with no `__init__.py` beside it: a script or a script's helper, run
    from its folder, not part of a package that others import."""
    if not isinstance(key, Path):
        return False
    package = key.parent / "__init__.py"
    return not remembered(("is_file", package), package.is_file)


def _fixture_scope(info: FunctionInfo) -> str | None:
    """The `scope=` a fixture's decorator gives (`@pytest.fixture(scope="session")`),
    None when it gives none (pytest's default, `"function"`), `"?"` when computed."""
    for decorator in info.decorators:
        if decorator[0] != "c":
            continue
        for name, value in decorator[3]:
            if name == "scope":
                return value[1] if value[0] == "str" else "?"
    return None


def _is_test_module(key: ModuleKey) -> bool:
    """Tests run once each: their calls say nothing of how often code runs in use.
    (However deep in the suite: `tests/integration/tasks/setup/manager.py`.)"""
    return isinstance(key, Path) and is_test_file(key)


def _call_sites(summary: ModuleSummary) -> Iterator[tuple[str, tuple[CallSite, ...]]]:
    yield "", summary.module_calls
    for qualname, info in summary.functions.items():
        yield qualname, info.calls


# aiogram 3's `router.message.register(handler, ...)`, `dp.callback_query.register(...)`:
# an event observer's `register` makes the handler run per update. (A bare `register`,
# `atexit.register(f)`, is not one: the observer's name before it is what tells.)
_OBSERVER_REGISTRATION = ((0,), ("callback",), "message")


def _observer_registration(
    site: CallSite,
) -> tuple[tuple[int, ...], tuple[str, ...], str] | None:
    receiver, _, method = site.callee.rpartition(".")
    if method == "register" and receiver.rpartition(".")[2] in _BOT_METHODS:
        return _OBSERVER_REGISTRATION
    return _event_registration(receiver, method, site)


# GUI and signal handlers run once per event: a Tk widget's `command=` (and a
# menu's `add_command(command=...)`), Tk's `widget.bind("<Return>", handler)`, a Qt
# or blinker signal's `clicked.connect(handler)`.
_COMMAND_REGISTRATION = ((), ("command",), "event")
_BIND_REGISTRATION = ((1,), ("func",), "event")
_CONNECT_REGISTRATION = ((0,), ("slot", "receiver"), "event")
_COMMAND_METHODS = frozenset(
    {"add_command", "add_checkbutton", "add_radiobutton", "configure", "config"}
)


def _event_registration(
    receiver: str, method: str, site: CallSite
) -> tuple[tuple[int, ...], tuple[str, ...], str] | None:
    if method in ("bind", "bind_all") and receiver:
        return _BIND_REGISTRATION
    if method == "connect" and receiver:
        return _CONNECT_REGISTRATION
    if (method[:1].isupper() or method in _COMMAND_METHODS) and any(
        a.startswith("command=") for a in site.arguments
    ):
        return _COMMAND_REGISTRATION
    return None


def _process_task_registration(
    site: CallSite,
) -> tuple[tuple[int, ...], tuple[str, ...], str] | None:
    """`PythonOperator(task_id=..., python_callable=copy)`: Airflow runs `copy` as a
    task, in a process of its own, whatever calls the operator's constructor. So does
    multiprocessing a `Process(target=worker.run)` (once, in the child process), and
    the `initializer=` of a process pool (once in each worker process): what they
    make, an engine, is that process's own, as it must be after a fork."""
    if any(a.startswith("python_callable=") for a in site.arguments):
        return _PROCESS_TASK_REGISTRATION
    name = site.callee.rpartition(".")[2]
    if name == "Process" and any(a.startswith("target=") for a in site.arguments):
        return _PROCESS_TARGET_REGISTRATION
    if name in _PROCESS_POOLS and any(a.startswith("initializer=") for a in site.arguments):
        return _PROCESS_POOL_REGISTRATION
    return None


def _registered_arguments(
    site: CallSite, registration: tuple[tuple[int, ...], tuple[str, ...], str]
) -> Iterator[str]:
    positions, keywords, _ = registration
    positional = [a for a in site.arguments if "=" not in a]
    for position in positions:
        if position < len(positional) and positional[position]:
            yield positional[position]
    for argument in site.arguments:
        keyword, equals, value = argument.partition("=")
        if equals and keyword in keywords:
            yield value


def _expression(written: str) -> ir.Expr | None:
    """A call site's callee as written (`repo.find`, `Accessor().access`: a call
    without its arguments, as the site records it), lowered."""
    expr: ir.Expr | None = None
    for part in written.split("."):
        called = part.endswith("()")
        name = part[:-2] if called else part
        if not name.isidentifier():
            return None
        expr = ("n", name) if expr is None else ("a", expr, name)
        if called:
            expr = ("c", expr, (), ())
    return expr


def _name(caller: Caller) -> str:
    return caller.function.partition("#")[0] or "<module>"


def _in_caller(caller: Caller) -> str:
    """`in `main``, or `at the top level` for a module's own statements."""
    return f"in `{_name(caller)}`" if caller.function else "at the top level"


def _is_lambda_handler(info: FunctionInfo) -> bool:
    """`def lambda_handler(event, context):` at module level: AWS Lambda's handler
    signature, under a name that says so."""
    return (
        info.owner is None
        and info.parent is None
        and [p.name for p in info.params] == ["event", "context"]
        and ("handler" in info.name or "lambda" in info.name)
    )


def _per(repetition: Repetition) -> str:
    return REQUEST if repetition.kind == "request" else repetition.how


def _display(key: ModuleKey) -> str:
    """A module as the user knows it: its path within its project."""
    if isinstance(key, Path):
        try:
            return key.relative_to(project_root(key)).as_posix()
        except ValueError:
            return key.name
    return str(key)


__all__ = ["Caller", "ClassInfo", "ModuleFrame", "Repetition", "Repetitions"]
