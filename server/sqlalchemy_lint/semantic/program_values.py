"""Values the program makes itself, followed through calls and ORM columns.

SQL injection needs text from outside the program. A function's parameter is
whatever its callers pass, so whether it can carry outside text is a question
about every call of it in the project, and about what each caller passes: a
literal, a number it computed (`int(x)`, `len(rows)`), one of its own parameters
(then the same question one call further up), or an attribute of an object it read
from the database whose mapped column is not text (`repo.repo_id` where
`repo_id = Column(BigInteger, primary_key=True)`: SQLAlchemy gives an int).

Everything here is read from module summaries (call sites, locals, returns, class
bodies), so following a value through three modules costs three summaries, not
three parses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from . import ir
from .cli_options import COMMAND_LINE_PARSERS, not_text_in_decorators
from .evaluate import Binding, Evaluator, Frame, FunctionFrame
from .kinds import INPUT_OBJECTS, SELECT_FUNCTIONS, Kind
from .parameter_fates import called_function, parameter_given, parameter_names
from .repetition import Caller, Repetitions
from .route_parameters import converted_in_decorators
from .sql_runners import TEXT_CONSTRUCTORS
from .summary import (
    CONSTANT_ARGUMENT,
    FATE_DROPPED,
    INPUT_ARGUMENT,
    SLICE_OF,
    CallSite,
    ClassInfo,
    FunctionInfo,
    Param,
)
from .values import ModuleKey, RefKind

# How many calls up a value is followed (each is one caller's summary).
_MAX_CALLS = 4
_MAX_DEPTH = 12

# Builtins whose result is a number, whatever they are given.
_NUMERIC_BUILTINS = frozenset({"int", "float", "len", "round", "abs", "bool"})
# Column types whose Python values are numbers, booleans, dates, UUIDs or members of
# an enumeration the code lists: their text holds no quote of the user's.
_NON_TEXT_COLUMN_TYPES = frozenset(
    {
        "Integer", "BigInteger", "SmallInteger", "Numeric", "Float", "Double", "DECIMAL",
        "Boolean", "Date", "DateTime", "Time", "Interval", "Uuid", "UUID", "INTEGER",
        "BIGINT", "SMALLINT", "NUMERIC", "FLOAT", "REAL", "BOOLEAN", "DATE", "DATETIME",
        "TIMESTAMP", "TIME",
        # One of the values the code lists (`Enum(Status)`, `ENUM(*TIMEZONES, name=...)`).
        "Enum", "ENUM",
    }
)  # fmt: skip
_NON_TEXT_ANNOTATIONS = frozenset(
    {"int", "float", "bool", "datetime", "date", "time", "timedelta", "Decimal", "UUID"}
)
# Functions and methods whose result is rows of the database (the program's own data:
# second-order injection is not followed), and the handles that run queries.
_DATABASE_READERS = frozenset({"pandas.read_sql", "pandas.read_sql_query", "pandas.read_sql_table"})
_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql", "scalars", "scalar", "query"})
_HANDLES = frozenset(
    {
        Kind.ENGINE, Kind.ASYNC_ENGINE, Kind.CONNECTION, Kind.ASYNC_CONNECTION,
        Kind.RAW_CONNECTION, Kind.SESSION, Kind.ASYNC_SESSION, Kind.SCOPED_SESSION,
    }
)  # fmt: skip
_GROWING_METHODS = frozenset({"append", "extend", "insert", "add", "update", "__setitem__"})
# Methods whose result is the command line's or a request's content.
_PARSED_INPUT = COMMAND_LINE_PARSERS | {"get_json", "loads", "json"}
# Names that hold a request or the command line wherever they are used.
_INPUT_ROOTS = frozenset({"request", "req", "args", "argv", "options", "opts", "form", "payload"})
_COLUMN_CALLS = frozenset({"Column", "mapped_column", "column_property", "Field"})
# Calls that load mapped objects of their first argument's class.
_LOADING_METHODS = frozenset({"query", "get", "get_one", "get_or_404", "select"})
# Builtins that collect what they are given, and a result's methods that list its rows
# (or values), as they are.
_COLLECTIONS = frozenset({"set", "list", "tuple", "sorted", "frozenset"})
_RESULT_LISTS = frozenset({"all", "fetchall", "unique"})
# Methods of a select that pick, order or limit its rows, not its columns.
_NARROWING_METHODS = frozenset(
    {"where", "filter", "filter_by", "order_by", "limit", "offset", "distinct", "join"}
)
_TYPE_WORD = re.compile(r"[A-Za-z_]\w*")
# Text of letters, digits and underscores cannot end a quoted literal or an identifier,
# nor start a comment: `re.sub(r"[^A-Za-z0-9_]", "_", key)` leaves nothing else.
WORD_TEXT = re.compile(r"\w*")
# A character class a negated class may keep: a range within one of these, `\w`, `\d`.
_WORD_RANGES = (("a", "z"), ("A", "Z"), ("0", "9"))
# Methods of a string that only drop, or change the case of, its characters.
_CHARACTER_KEEPING_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title", "capitalize"}
)
_CONSTANT_NAME = re.compile(r"_*[A-Z][A-Z0-9_]*")
# A call site's record of an argument that is an item by a string key (`tables["taxi"]`).
_KEYED_ARGUMENT = re.compile(r'(?P<base>[\w.]+)\["(?P<key>[\w-]+)"\]')
# Asked of a parameter as its `item`: whether the keys of the dict it holds are.
KEYS = "#keys"


_LISTENS_FOR = frozenset({"sqlalchemy.event.listens_for", "sqlalchemy.event.api.listens_for"})
# Mapper events whose listeners are called as `(mapper, connection, target)` after the
# row was written: the database took the target's values as its columns' types.
_MAPPER_EVENTS = frozenset({"after_insert", "after_update", "after_delete"})


class ProgramValues:
    """Answers "can this value carry text from outside the program?" across modules."""

    def __init__(self, evaluator: Evaluator, repetitions: Repetitions) -> None:
        self.evaluator = evaluator
        self.repetitions = repetitions
        self._parameters: dict[tuple[ModuleKey, str, str, str | None], bool] = {}
        # (frame, local, item) being asked about, to end the question where it loops
        self._visiting: set[tuple[int, str, str | None]] = set()
        self._attributes: dict[str, bool] = {}  # attribute name -> never text
        self._outside: dict[tuple[ModuleKey, str, str], bool] = {}
        self._handles: dict[tuple[ModuleKey, str, str], frozenset[Kind]] = {}

    # -- parameters and call sites --------------------------------------------------

    def parameter(
        self, key: ModuleKey, qualname: str, name: str, calls: int = 0, item: str | None = None
    ) -> bool:
        """Whether every call in the project gives the parameter `name` of function
        `qualname` a value made by the program (or leaves it at a literal default);
        with `item`, whether the value's `[item]` is (`insight["repo_id"]` where every
        call passes a dict literal). A function some call might reach unseen
        (`x.find(...)` on an unknown `x`), or one the project registers as a handler
        instead of calling, gets input."""
        memo = (key, qualname, name, item)
        known = self._parameters.get(memo)
        if known is not None:
            return known
        self._parameters[memo] = False  # recursion: a value passed around a cycle is unknown
        found = calls <= _MAX_CALLS and self._parameter(key, qualname, name, calls, item)
        self._parameters[memo] = found
        return found

    def _parameter(
        self, key: ModuleKey, qualname: str, name: str, calls: int, item: str | None
    ) -> bool:
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        frame = self.evaluator.function_frame(key, qualname)
        if frame is not None and frame.receives_fixtures:
            return True  # a test's or fixture's parameter: pytest fills it with test data
        repetitions = self.repetitions
        if repetitions.only_the_suite_calls(key, qualname):
            return True  # a test's helper, given the suite's own data
        callers = repetitions.callers(key, qualname)
        if not callers or repetitions.calls_it_cannot_resolve(key, qualname):
            return False
        if repetitions.only_tests_call(key, qualname):
            return False  # an API: its users pass what they like
        passed = _passed_parameter(info, name)
        if passed is None:
            return False
        param, position = passed
        defaulted = item is None and param.default is not None and param.default[0] in ("k", "str")
        for caller in callers:
            if caller.registration is not None:
                return False
            given = caller.site.argument_for(name, position)
            if given is None:
                if defaulted and not any(a.startswith("*") for a in caller.site.arguments):
                    continue  # left at its literal default
                return False
            if not self.argument(given, caller, calls + 1, item):
                return False
        return True

    def argument(self, written: str, caller: Caller, calls: int, item: str | None = None) -> bool:
        """Whether the argument a call site records as `written` (or its `[item]`) is
        the program's own value, read in the calling function."""
        if written == CONSTANT_ARGUMENT:
            return True  # a literal, or a literal container whose items are literals
        recorded = _recorded_argument(written)
        frame = self._frame(caller.module, caller.function)
        if recorded is None or frame is None:
            return False
        expr, keyed = recorded
        if item == KEYS:
            return not keyed and self.keys_made_by_program(expr, frame, calls)
        if keyed:  # `tables["taxi"]`, as the call site records it
            expr = ("s", expr, ("str", keyed))
        if item is not None:
            expr = ("s", expr, ("str", item))
        return self.made_by_program(expr, frame, calls, 0)

    # -- evident outside input ------------------------------------------------------

    def provided_through_callers(
        self, key: ModuleKey, qualname: str, name: str, calls: int = 0
    ) -> list[ir.Expr] | None:
        """For the parameter `name` of a function every project call of which passes
        its own parameter filled by a dependency (`db: AsyncSession =
        Depends(get_db)`, followed a few calls up): the calls that made what the
        providers hand out (see `Evaluator.provided_by`). None when some call passes
        anything else, or nothing calls the function."""
        info = self.evaluator.function_info(key, qualname)
        passed = _passed_parameter(info, name) if info is not None else None
        callers = self.repetitions.callers(key, qualname)
        if passed is None or not callers or calls > _MAX_CALLS:
            return None
        made: list[ir.Expr] = []
        for caller in callers:
            recorded = _dotted_record(caller.site.argument_for(name, passed[1]) or "")
            calling = self.evaluator.function_info(caller.module, caller.function)
            frame = self._frame(caller.module, caller.function)
            if recorded is None or recorded[0] != "n" or calling is None or frame is None:
                return None
            given = next((p for p in calling.params if p.name == recorded[1]), None)
            if given is None:
                return None
            found = (
                self.evaluator.provided_by(given.default, frame)
                if given.default is not None
                else self.provided_through_callers(
                    caller.module, caller.function, given.name, calls + 1
                )
            )
            if not found:
                return None
            made.extend(found)
        return made

    def passed_handles(
        self, key: ModuleKey, qualname: str, name: str, calls: int = 0
    ) -> frozenset[Kind]:
        """The kinds of SQLAlchemy handle (engine, connection, session) that the calls
        of a module-level function pass for its unannotated parameter `name`
        (`push_rows(con, rows)` where the caller's `con = create_engine(url)`), followed
        a few calls up through callers' own parameters. Empty unless the project calls
        the function, every call passes a handle it can name, and no call might be
        missed."""
        memo = (key, qualname, name)
        known = self._handles.get(memo)
        if known is not None:
            return known
        self._handles[memo] = frozenset()  # recursion: a cycle passes nothing known
        found = self._passed_handles(key, qualname, name, calls) if calls <= _MAX_CALLS else None
        self._handles[memo] = found or frozenset()
        return self._handles[memo]

    def _passed_handles(
        self, key: ModuleKey, qualname: str, name: str, calls: int
    ) -> frozenset[Kind] | None:
        info = self.evaluator.function_info(key, qualname)
        if info is None or info.owner is not None or "." in qualname:
            # A method (or a nested function): its calls are spread over the receivers
            # of its name in every module, costly to gather and to tell apart.
            return None
        passed = _passed_parameter(info, name)
        repetitions = self.repetitions
        callers = repetitions.callers(key, qualname)
        if passed is None or not callers or repetitions.calls_it_cannot_resolve(key, qualname):
            return None
        kinds: set[Kind] = set()
        for caller in callers:
            if caller.registration is not None or caller.site.handed_to is not None:
                return None  # a framework's call: it passes what it likes
            recorded = _dotted_record(caller.site.argument_for(name, passed[1]) or "")
            frame = self._frame(caller.module, caller.function)
            given = self._handles_given(recorded, caller, frame, calls) if frame else None
            if not given:
                return None
            kinds |= given
        return frozenset(kinds)

    def _handles_given(
        self, recorded: ir.Expr | None, caller: Caller, frame: Frame, calls: int
    ) -> frozenset[Kind]:
        """The handle kinds a call's argument holds, as the caller wrote it: its own
        kind, or, for the caller's own unannotated parameter, what its calls pass."""
        if recorded is None:
            return frozenset()
        kind = self.evaluator.value(recorded, frame).kind
        if kind is not None:
            return frozenset({kind}) if kind in _HANDLES else frozenset()
        if recorded[0] != "n" or not caller.function:
            return frozenset()
        calling = self.evaluator.function_info(caller.module, caller.function)
        params = calling.params if calling is not None else ()
        param = next((p for p in params if p.name == recorded[1]), None)
        if param is None or param.annotation is not None:
            return frozenset()
        passed = self.passed_handles(caller.module, caller.function, param.name, calls + 1)
        if not passed and _names_a_session(param.name):
            # `def connect(session, ...)` handing its `session` on: what its name says,
            # as an untyped `engine` is taken for an Engine.
            return frozenset({Kind.SESSION})
        return passed

    def from_outside(self, key: ModuleKey, qualname: str, name: str, calls: int = 0) -> bool:
        """Whether the parameter `name` of function `qualname` is evidently given text
        from outside the program: nothing in the project calls the function (an API, or
        a handler the framework calls: any caller may pass any string), the project
        registers it as a handler, or some call passes it a request's or the command
        line's value, or a parameter that is so itself (followed a few calls up). What
        a call passes that the record cannot name (a call's result, an f-string) is not
        evidence."""
        memo = (key, qualname, name)
        known = self._outside.get(memo)
        if known is not None:
            return known
        self._outside[memo] = False  # recursion: a cycle brings no evidence
        found = calls <= _MAX_CALLS and self._from_outside(key, qualname, name, calls)
        self._outside[memo] = found
        return found

    def _from_outside(self, key: ModuleKey, qualname: str, name: str, calls: int) -> bool:
        info = self.evaluator.function_info(key, qualname)
        if info is None:
            return False
        frame = self.evaluator.function_frame(key, qualname)
        if frame is not None and frame.receives_fixtures:
            return False  # pytest fills it with the suite's data
        repetitions = self.repetitions
        if repetitions.is_cli_command(key, info) and _command_line_parameter(info, name):
            return True  # `@click.option("--field")`: what the user typed
        if repetitions.is_subcommand_action(key, info):
            return True  # `run(args)` of a subcommand: the parsed command line
        # `repo.count(request.args["t"])` on a receiver that might be one counts too.
        callers = [
            *repetitions.callers(key, qualname),
            *repetitions.unresolved_callers(key, qualname),
        ]
        if not callers:
            # Nothing calls it where it can be seen: an API or a handler, unless the
            # program calls it through a table or `getattr` with arguments not seen.
            # (One only its tests call is not known to be given constants, but what
            # the tests pass is no evidence of input either.)
            return not repetitions.dispatched(key, qualname)
        passed = _passed_parameter(info, name)
        if passed is None:
            return False
        position = passed[1]
        for caller in callers:
            if caller.registration == "process":
                # An Airflow task's arguments are the DAG's `op_kwargs`: the program's.
                continue
            if caller.registration is not None:
                return True  # a request's, a message's: what the framework was sent
            given = caller.site.argument_for(name, position)
            if given == INPUT_ARGUMENT:
                return True
            recorded = _recorded_argument(given or "")
            if recorded is None:
                continue  # a literal, or what the record cannot name: no evidence
            if self._guarded_by(caller, recorded[0]):
                continue  # `if info not in LEADERBOARDS: abort(404)` before the call
            calling = self._frame(caller.module, caller.function)
            # (an item of outside text is outside text: its base says)
            if calling is not None and self.expr_from_outside(recorded[0], calling, calls + 1, 0):
                return True
        return False

    def calls_through_the_class(self, caller: Caller) -> bool:
        """Whether the call site calls a function of a class body read off the class
        itself (`graph_utils.box_6m(...)`), not off an instance: no `self` is passed."""
        frame = self._frame(caller.module, caller.function)
        if frame is None or not caller.site.callee:
            return False
        ref = self.evaluator.value(ir.from_dotted(caller.site.callee), frame).ref
        return ref is not None and ref.kind is RefKind.FUNCTION

    def _guarded_by(self, caller: Caller, argument: ir.Expr) -> bool:
        """Whether the calling function checks the name it passes against a collection
        of allowed values, leaving when it is not one of them."""
        written = ir.dotted(argument)
        info = (
            self.evaluator.function_info(caller.module, caller.function)
            if caller.function
            else None
        )
        if written is None or info is None:
            return False
        frame = self._frame(caller.module, caller.function)
        return frame is not None and self._checked_in(info, written, frame)

    def _checked_in(self, info: FunctionInfo, name: str, frame: Frame) -> bool:
        """Whether the function (`info`, evaluated in `frame`) refuses any value of the
        dotted name `name` but those it allows, or those of word characters only: by
        an `if` that leaves, or by a validating call as a statement (`_validates`)."""
        return name in info.guarded or any(self._validates(s, name, frame) for s in info.calls)

    def _validates(self, site: CallSite, written: str, frame: Frame) -> bool:
        """`self._validate_table_name(table_name)` as a statement that always runs (in
        no `if`), where the project function called refuses (raises, returns) any value
        of the parameter it gets `written` in but those it allows, or those of word
        characters only (`if not re.match(r"^\\w+$", name): raise ...`)."""
        if not site.callee or site.fate != FATE_DROPPED or site.branches:
            return False
        if not any(a == written or a.endswith("=" + written) for a in site.arguments):
            return False  # (what cannot have it costs no lookup)
        called = called_function(
            self.evaluator, self.evaluator.value(ir.from_dotted(site.callee), frame).ref
        )
        if called is None:
            return False
        _, info, params = called
        given = parameter_given(site, written, params)
        return given is not None and given in info.guarded

    def expr_from_outside(self, expr: ir.Expr, frame: Frame, calls: int, depth: int) -> bool:
        """Whether `expr`, evaluated in `frame`, is evidently outside text: a request's
        or the command line's content, a parameter `from_outside`, or a string method's
        result on one. The results of other calls are the callee's own values."""
        if depth > _MAX_DEPTH:
            return False
        tag = expr[0]
        if tag == "a" and self._input_object(expr, frame):
            return True  # `sys.argv`, `flask.request`
        if tag in ("a", "s", "w", "i"):  # x.y, x[k], await x, an item unpacked from x
            return self.expr_from_outside(expr[1], frame, calls, depth + 1)
        if tag in ("|", "t", "op"):  # (`" limit " + request.args["limit"]`: made from it)
            return any(self.expr_from_outside(e, frame, calls, depth + 1) for e in expr[1:])
        if tag == "d":
            return any(self.expr_from_outside(v, frame, calls, depth + 1) for _, v in expr[1:])
        if tag == "c":
            func = expr[1]
            if self._returns_argument_from_outside(expr, frame, calls, depth):
                return True  # `table_for(kind)` that returns `kind` on some path
            if func[0] == "a":
                if func[2] in _PARSED_INPUT:
                    return True  # `parser.parse_args()`, `request.get_json()`
                return self.expr_from_outside(func[1], frame, calls, depth + 1)
            if (
                func[0] == "n"
                and func[1] in ("str", "input")
                and self._lookup(func[1], frame) is None
            ):
                return func[1] == "input" or any(
                    self.expr_from_outside(a, frame, calls, depth + 1) for a in expr[2]
                )
            return False
        if tag != "n":
            return False
        name = expr[1]
        binding = self._lookup(name, frame)
        if binding is None:
            return self._input_object(expr, frame)
        found, owner = binding
        if found.param is not None:
            return not found.first_param and self.from_outside(
                owner.module, owner.function, name, calls
            )
        visit = (id(owner), name, "#outside")
        if visit in self._visiting:
            return False
        self._visiting.add(visit)
        try:
            values = [*found.values, *self._added_items(name, owner)]
            return any(self.expr_from_outside(v, owner, calls, depth + 1) for v in values)
        finally:
            self._visiting.discard(visit)

    def _input_object(self, expr: ir.Expr, frame: Frame) -> bool:
        ref = self.evaluator.value(expr, frame).ref
        return ref is not None and ref.kind is RefKind.LIBRARY and ref.name in INPUT_OBJECTS

    def _added_items(self, name: str, frame: Frame) -> Iterator[ir.Expr]:
        """What the function of `frame` adds to its local `name` by name
        (`names.append(metric.name)`), as far as its call sites record it."""
        info = self.evaluator.function_info(frame.module, frame.function)
        if info is None:
            return
        for site in _growing_calls(name, info.calls):
            for written in site.arguments:
                dotted = _dotted_record(written)
                if dotted is not None:
                    yield dotted

    def _returns_argument_from_outside(
        self, call: ir.Expr, frame: Frame, calls: int, depth: int
    ) -> bool:
        """A call of a project function that returns one of its parameters as it is, or
        text made from it (`",".join(sort.split("-"))`, `prefix + name`), where this
        call passes outside text for it."""
        # The parameters this call fills, as the resolved callee says (`self` is not
        # passed to a bound method).
        called = called_function(self.evaluator, self.evaluator.value(call[1], frame).ref)
        if called is None:
            return False
        _, info, params = called
        keywords = dict(call[3])
        for returned in info.returns:
            name = _carried_parameter(returned, params, 0)
            if name is None:
                continue
            position = params.index(name)
            given = keywords.get(name)
            if given is None and position < len(call[2]):
                given = call[2][position]
            if given is not None and self.expr_from_outside(given, frame, calls, depth + 1):
                return True
        return False

    def _frame(self, key: ModuleKey, function: str) -> Frame | None:
        evaluator = self.evaluator
        if function:
            return evaluator.function_frame(key, function)
        return evaluator.module_frame(key)

    # -- expressions ----------------------------------------------------------------

    def made_by_program(self, expr: ir.Expr, frame: Frame, calls: int, depth: int) -> bool:
        """Whether `expr`, evaluated in `frame`, holds no text from outside: a literal,
        a number a builtin computed, a parameter every caller fills so, a local bound
        only to such, or a non-text column of an object loaded from the database."""
        if depth > _MAX_DEPTH:
            return False
        tag = expr[0]
        if tag in ("k", "str"):
            return True
        if tag in ("|", "op"):
            # One of the values, or what an operator makes of both (`count * 7`, `"'" +
            # name + "'"`): the program's own if they are.
            return all(self.made_by_program(e, frame, calls, depth + 1) for e in expr[1:])
        if tag == "c":
            return self._call_made_by_program(expr, frame, calls, depth)
        if tag == "a":
            base = expr[1]
            if _names_a_schema_object(expr):
                return True  # `model.__table__.name`: a table of the program's own models
            if base[0] == "n":
                binding = self._lookup(base[1], frame)
                if binding is not None and binding[0].first_param and binding[1].owner_class:
                    owner = binding[1]
                    assert owner.owner_class is not None
                    return self.class_constant(owner.module, owner.owner_class, expr[2])
            return self.non_text_column(base, expr[2], frame, depth + 1)
        if tag == "s" and expr[2][0] == "str":
            return self._item(expr[1], expr[2][1], frame, calls, depth + 1)
        if tag == "s":
            # An item of something the program made, by a key computed at run time
            # (`SORT_COLUMNS[request.args["sort"]]`: whatever the key, the value is one
            # of the dict's), or what iterating it gives. A list display only where it
            # is subscripted or iterated in place (`for table in ["a", "b"]`): one bound
            # to a name may be appended to.
            base = expr[1]
            if base[0] == "t":
                return all(self.made_by_program(e, frame, calls, depth + 1) for e in base[1:])
            return self.made_by_program(base, frame, calls, depth + 1)
        if tag == "i":
            # `table, column = "users", "id"`: its item of the display; an item unpacked
            # from anything else, as an item of it.
            base, index = expr[1], expr[2]
            if base[0] == "t":
                return index < len(base) - 1 and self.made_by_program(
                    base[1 + index], frame, calls, depth + 1
                )
            if base[0] == "c" and self._returns_item_made_by_program(base, index, frame, calls):
                return True  # `table, column = pick()`, whose `return "users", "id"`
            return self.made_by_program(base, frame, calls, depth + 1)
        if tag == "d":
            # A dict display (keys are string literals): made by the program if its values are.
            return all(self.made_by_program(v, frame, calls, depth + 1) for _, v in expr[1:])
        if tag != "n":
            return False
        name = expr[1]
        binding = self._lookup(name, frame)
        if binding is None:
            # A module's (or an imported) UPPER_CASE name is a constant, as SQA301 takes
            # it where it is formatted in; so is a module's list of literals that nothing
            # in the module adds to (`tables = ["users", "orders"]`).
            return _CONSTANT_NAME.fullmatch(name) is not None or self._module_name(
                frame.module, name, calls, depth
            )
        found, owner = binding
        if found.param is not None:
            if found.first_param:
                return False
            info = self.evaluator.function_info(owner.module, owner.function)
            if info is not None and name in converted_in_decorators(info.decorators):
                return True  # `@app.route("/station/<int:kiosk_id>")`: a number
            if info is not None and name in not_text_in_decorators(info.decorators):
                return True  # `@click.option("--partitions", type=click.IntRange(min=1))`
            # What the function assigns to its parameter:
            rebound = info.locals.get(name, ()) if info is not None else ()
            if rebound and all(
                value[0] == "c" and self.returns_a_checked_value(value, owner, calls)
                for value in rebound
            ):
                # `kind = self._check_kind(kind)`: the parameter is replaced by what the
                # check lets through (read before that, it would be the caller's).
                return True
            if info is not None and self._checked_in(info, name, owner):
                # Refused unless allowed, or made of word characters only: checked here
                # (`if not re.match(r"^\w+$", name): raise`, `self._validate(name)`).
                return True
            return self.parameter(owner.module, owner.function, name, calls)
        return self._every_value(
            (id(owner), name, None),
            found.values,
            lambda value: (
                # `indicators = ["Physical Flow", "Allocation"]`, then iterated or
                # passed on: a list of the program's values, unless the function
                # adds others to it (`conditions.append("m.study = :study")` adds one).
                self._grown_only_by_program(name, owner, calls, depth)
                and all(self.made_by_program(e, owner, calls, depth + 1) for e in value[1:])
                if value[0] == "t"
                else self.made_by_program(value, owner, calls, depth + 1)
            ),
        )

    def _grown_only_by_program(self, name: str, frame: Frame, calls: int, depth: int) -> bool:
        """Whether all the function of `frame` adds to its local `name` by name is
        literals or values the program made (`conditions.append("a = :a")`)."""
        info = self.evaluator.function_info(frame.module, frame.function)
        if info is None:
            return False
        for site in _growing_calls(name, info.calls):
            for written in site.arguments:
                if written == CONSTANT_ARGUMENT:
                    continue
                dotted = _dotted_record(written)
                if dotted is None or not self.made_by_program(dotted, frame, calls, depth + 1):
                    return False
        return True

    def keys_made_by_program(self, expr: ir.Expr, frame: Frame, calls: int, depth: int = 0) -> bool:
        """Whether the keys of the dict `expr` holds are the program's own: a dict
        display (its keys are string literals), a local bound only to such, or a
        parameter every call fills so (`insert("users", create_data)` where
        `create_data = {"name": name, ...}`): the column names a generic helper
        formats in. (A key added later by a computed subscript is not seen.)"""
        if depth > _MAX_DEPTH:
            return False
        tag = expr[0]
        if tag == "d":
            return True
        if tag == "|":
            return all(self.keys_made_by_program(e, frame, calls, depth + 1) for e in expr[1:])
        if tag != "n":
            return False
        name = expr[1]
        binding = self._lookup(name, frame)
        if binding is None:
            return False
        found, owner = binding
        if found.param is not None:
            if found.first_param:
                return False
            return self.parameter(owner.module, owner.function, name, calls, KEYS)
        return self._every_value(
            (id(owner), name, KEYS),
            found.values,
            lambda value: self.keys_made_by_program(value, owner, calls, depth + 1),
        )

    def _every_value(
        self,
        visit: tuple[int, str, str | None],
        values: tuple[ir.Expr, ...],
        made: Callable[[ir.Expr], bool],
    ) -> bool:
        """Whether a local's every value (or its item's) is `made` by the program. A
        value made from the same local (`order = order[key]`) is, if its other values
        are: they are the ones being asked."""
        if visit in self._visiting:
            return True
        self._visiting.add(visit)
        try:
            return bool(values) and all(made(value) for value in values)
        finally:
            self._visiting.discard(visit)

    def _returns_item_made_by_program(
        self, call: ir.Expr, index: int, frame: Frame, calls: int
    ) -> bool:
        """Whether every `return` of the project function (or method: `timeframe, count
        = self.parse_date(period)`) `call` calls gives a tuple whose item `index` the
        program made."""
        function = self._returning_callee(call, frame)
        return (
            function is not None
            and calls < _MAX_CALLS
            and all(
                returned[0] == "t"
                and index < len(returned) - 1
                and self.made_by_program(returned[1 + index], function, calls + 1, 0)
                for returned in function.info.returns
            )
        )

    def returns_made_by_program(self, call: ir.Expr, frame: Frame, calls: int = 0) -> bool:
        """Whether every `return` of the project function (or method) `call` calls
        gives text the program made, whatever this call gives it (a WHERE clause
        joined from literal conditions with bound parameters, `"WHERE " + " AND
        ".join(conditions)`); its parameters count only as every caller fills them."""
        function = self._returning_callee(call, frame)
        return (
            function is not None
            and calls < _MAX_CALLS
            and all(
                self.made_by_program(returned, function, calls + 1, 0)
                for returned in function.info.returns
            )
        )

    def returns_a_checked_value(self, call: ir.Expr, frame: Frame, calls: int) -> bool:
        """Whether every `return` of the project function (or method) `call` calls
        gives a name it checks against a collection of allowed values, leaving when it
        is not one of them (`if kind not in valids: raise ...`, then `return kind`), or
        a value the program made: whatever it is given, it hands back an allowed one."""
        function = self._returning_callee(call, frame)
        return (
            function is not None
            and calls < _MAX_CALLS
            and all(self._an_allowed_value(r, function, calls) for r in function.info.returns)
        )

    def _an_allowed_value(self, returned: ir.Expr, function: FunctionFrame, calls: int) -> bool:
        """A value a checking function returns that is allowed whatever it was given:
        the name it checked, a literal, or a constant of its class (`cls._best_kind`);
        not what it computes from a parameter (`_dict[key]`), which depends on this
        call's arguments."""
        tag = returned[0]
        if self.word_characters_only(returned, function, calls, 0):
            return True  # cleaned: `return re.sub(r"[^a-z0-9_]", "", key.lower())[:50]`
        if tag == "n":
            return returned[1] in function.info.guarded
        if tag in ("k", "str"):
            return True
        if tag == "|":
            return all(self._an_allowed_value(e, function, calls) for e in returned[1:])
        if tag == "a" and returned[1][0] == "n":
            binding = self._lookup(returned[1][1], function)
            return (
                binding is not None
                and binding[0].first_param
                and self.made_by_program(returned, function, calls + 1, 0)
            )
        return False

    def _returning_callee(self, call: ir.Expr, frame: Frame) -> FunctionFrame | None:
        """The frame of the project function or method `call` calls, when it returns
        something and is no generator: what its `return`s give is what the call gives."""
        ref = self.evaluator.value(call[1], frame).ref
        if ref is None or ref.module is None:
            return None
        if ref.kind not in (RefKind.FUNCTION, RefKind.BOUND_METHOD):
            return None
        function = self.evaluator.function_frame(ref.module, ref.name)
        if function is None or not function.info.returns or function.info.yields:
            return None
        return function

    def quotes_a_literal(self, call: ir.Expr, frame: Frame) -> bool:
        """Whether `call` calls a project function every `return` of which is a string
        escaped as SQL escapes a quote inside a quoted literal, `s.replace("'", "''")`,
        alone or between literals (`def literal_string(s): return "'" +
        s.replace("'", "''") + "'"`): whatever it is given, its result ends no
        literal."""
        function = self._returning_callee(call, frame)
        return function is not None and all(
            _escaped(returned, function.info, 0) for returned in function.info.returns
        )

    def word_characters_only(self, expr: ir.Expr, frame: Frame, calls: int, depth: int) -> bool:
        """Whether `expr` is text of letters, digits and underscores whatever the input:
        what `re.sub` leaves after replacing every other character (`re.sub(r"[^\\w]",
        "_", key)`), then cut, stripped or recased, through the locals that hold it."""
        if depth > _MAX_DEPTH:
            return False
        tag = expr[0]
        if tag == "k":
            return True
        if tag == "str":
            return WORD_TEXT.fullmatch(expr[1]) is not None
        if tag == "|":
            return all(self.word_characters_only(e, frame, calls, depth + 1) for e in expr[1:])
        if tag == "s":  # a slice (or a character) of such text
            return self.word_characters_only(expr[1], frame, calls, depth + 1)
        if tag == "n":
            binding = self._lookup(expr[1], frame)
            if binding is None or binding[0].param is not None:
                return False
            found, owner = binding
            return self._every_value(
                (id(owner), expr[1], "word characters"),
                found.values,
                lambda value: self.word_characters_only(value, owner, calls, depth + 1),
            )
        if tag != "c" or expr[1][0] != "a":
            return False
        func, args, keywords = expr[1], expr[2], expr[3]
        if func[2] in _CHARACTER_KEEPING_METHODS:
            return all(a[0] == "str" for a in args) and self.word_characters_only(
                func[1], frame, calls, depth + 1
            )
        ref = self.evaluator.value(func, frame).ref
        if ref is None or ref.kind is not RefKind.LIBRARY or ref.name != "re.sub":
            return False
        given = dict(zip(("pattern", "repl", "string"), args, strict=False))
        given.update(keywords)
        pattern, replacement, text = (given.get(k) for k in ("pattern", "repl", "string"))
        if len(args) > 3 or "count" in given or pattern is None or text is None:
            return False  # `count=1`: only the first character is replaced
        if replacement is None or replacement[0] != "str":
            return False
        if WORD_TEXT.fullmatch(replacement[1]) is None:
            return False  # a group of the match (`\1`) puts the input back
        return (pattern[0] == "str" and replaces_all_but_word_characters(pattern[1])) or (
            self.word_characters_only(text, frame, calls, depth + 1)
        )

    def _call_made_by_program(self, expr: ir.Expr, frame: Frame, calls: int, depth: int) -> bool:
        """A number a builtin computed (`int(x)`, `len(rows)`); rows the database gave
        (`pd.read_sql_query(sql, engine)`, `conn.execute(query).fetchall()`: which
        engine reads them does not matter); a project function's value checked
        against the allowed ones; or a method of a value the program made, given
        values the program made (`tables.values()`, `name.strip()`)."""
        func, args, keywords = expr[1], expr[2], expr[3]
        if self.returns_a_checked_value(expr, frame, calls):
            return True  # `kind = self._check_kind(kind)`: one of the allowed kinds
        if self.word_characters_only(expr, frame, calls, depth):
            return True  # `re.sub(r"\W", "", name)`: whatever it was, only word characters
        if func[0] == "n":
            ref = self.evaluator.value(func, frame).ref
            if func[1] not in _NUMERIC_BUILTINS:
                # `text(sql)`: a statement of the program's SQL
                return (
                    ref is not None
                    and ref.kind is RefKind.LIBRARY
                    and ref.name in TEXT_CONSTRUCTORS
                    and all(self.made_by_program(a, frame, calls, depth + 1) for a in args)
                )
            return self._lookup(func[1], frame) is None and (
                ref is None or ref.kind is RefKind.LIBRARY
            )
        if func[0] != "a":
            return False
        given = [*args, *(value for _, value in keywords)]
        called = self.evaluator.value(func, frame).ref
        receiver = self.evaluator.value(func[1], frame)
        reads_database = (
            called is not None
            and called.kind is RefKind.LIBRARY
            and called.name in _DATABASE_READERS
        ) or (func[2] in _EXECUTE_METHODS and receiver.kind in _HANDLES)
        if not reads_database:
            base = receiver.ref
            if base is not None and base.kind in (RefKind.LIBRARY, RefKind.MODULE):
                return False  # `requests.get(url).json()`: a library's result may be anything
            given.append(func[1])
        return all(
            self.made_by_program(value, frame, calls, depth + 1)
            or self.evaluator.value(value, frame).kind in _HANDLES
            for value in given
        )

    def _module_name(self, key: ModuleKey, name: str, calls: int, depth: int) -> bool:
        """A name the module binds at its top level (and no function rebinds) only to
        values the program made (`for t in tables:` at the top of a script); a list
        display only when no call in the module grows it (`tables.append(...)`)."""
        module = self.evaluator.module_frame(key)
        if module is None or depth > _MAX_DEPTH:
            return False
        summary = module.summary
        values = summary.bindings.get(name, ())
        if not values and name in summary.imports:
            # `from timeframes import timeframes`: as the module that binds it has it
            origin = self.evaluator.import_origin(key, summary.imports[name])
            return origin is not None and self._module_name(*origin, calls, depth + 1)
        if not values or name in summary.late_bindings:
            return False
        if any(v[0] == "t" for v in values):
            functions = summary.functions.values()
            sites = [*summary.module_calls, *(c for f in functions for c in f.calls)]
            if any(_growing_calls(name, sites)):
                return False
        return self._every_value(
            (id(module), name, None),
            values,
            lambda value: (
                all(self.made_by_program(e, module, calls, depth + 1) for e in value[1:])
                if value[0] == "t"
                else self.made_by_program(value, module, calls, depth + 1)
            ),
        )

    def imported_strings(self, key: ModuleKey, name: str, depth: int = 0) -> list[str] | None:
        """The texts a name `key` imports from a project module is bound to there, when
        that module binds it only to string literals (a module of SQL templates)."""
        module = self.evaluator.module_frame(key)
        if module is None or depth > _MAX_DEPTH:
            return None
        qualified = module.summary.imports.get(name)
        origin = self.evaluator.import_origin(key, qualified) if qualified else None
        target = self.evaluator.module_frame(origin[0]) if origin is not None else None
        if origin is None or target is None:
            return None
        attr = origin[1]
        values = target.summary.bindings.get(attr, ())
        if not values:
            return self.imported_strings(origin[0], attr, depth + 1)
        if attr in target.summary.late_bindings or any(v[0] != "str" for v in values):
            return None
        return [v[1] for v in values]

    def _item(self, base: ir.Expr, item: str, frame: Frame, calls: int, depth: int) -> bool:
        """`record["repo_id"]`: the item of a dict literal bound to `record` (on every
        path), or of every dict the callers pass for a parameter `record`."""
        if depth > _MAX_DEPTH:
            return False
        if base[0] == "d":
            value = next((v for k, v in base[1:] if k == item), None)
            if value is not None and value[0] == "t":
                # `DIVISIONS["north"]` of a dict of lists: the list's items (a list
                # inside a dict display is not appended to by name).
                return all(self.made_by_program(e, frame, calls, depth + 1) for e in value[1:])
            return value is not None and self.made_by_program(value, frame, calls, depth + 1)
        if base[0] != "n":
            # An item of a value the program made (`sort[key]["name"]`, `row[0]`).
            return self.made_by_program(base, frame, calls, depth + 1)
        binding = self._lookup(base[1], frame)
        if binding is None:
            return False
        found, owner = binding
        if found.param is not None:
            return not found.first_param and self.parameter(
                owner.module, owner.function, base[1], calls, item
            )
        return self._every_value(
            (id(owner), base[1], item),
            found.values,
            lambda value: self._item(value, item, owner, calls, depth + 1),
        )

    @staticmethod
    def _lookup(name: str, frame: Frame) -> tuple[Binding, Frame] | None:
        """The binding of `name` in `frame` or a frame around it (not the module's),
        and the frame that binds it."""
        current: Frame | None = frame
        while current is not None and current.function:
            binding = current.lookup(name)
            if binding is not None:
                return binding, current
            current = current.outer
        return None

    def class_constant(self, key: ModuleKey, cls: str, attr: str) -> bool:
        """`self.path` in a method of `cls`: a class attribute that `cls` (or the base
        it inherits it from) and every subclass in the project that sets it set to a
        literal, and that no method of theirs assigns on an instance (`path =
        "data->'mfcc'"` in each metric class)."""
        info = self.evaluator.class_info(key, cls)
        if info is None:
            return False
        lineage = self.evaluator.class_hierarchy(key, info.qualname)  # nearest first
        inherited = next((c for _, c in lineage if attr in c.attributes), None)
        if inherited is None:
            return False
        subclasses = list(self._subclasses(key, info, 0))
        for current in (inherited, *(c for _, c in subclasses)):
            if not all(value[0] in ("str", "k") for value in current.attributes.get(attr, ())):
                return False
        return not self._set_on_instances((*lineage, *subclasses), attr)

    def set_on_instances(self, caller: Caller, attr: str) -> bool:
        """Whether `self.<attr>`, read in the calling method, is set on instances by a
        method of its class or a base (`self.SYMBOL = row["base"] + row["quote"]`): the
        object's value, however it is spelled, not a class constant."""
        frame = self._frame(caller.module, caller.function)
        if frame is None or frame.owner_class is None:
            return False
        info = self.evaluator.class_info(frame.module, frame.owner_class)
        if info is None:
            return False
        return self._set_on_instances(
            self.evaluator.class_hierarchy(frame.module, info.qualname), attr
        )

    def _set_on_instances(self, classes: Iterable[tuple[ModuleKey, ClassInfo]], attr: str) -> bool:
        """Whether a method of one of `classes` assigns `self.<attr>` (or is not known)."""
        for module, current in classes:
            for qualname in current.methods.values():
                method = self.evaluator.function_info(module, qualname)
                if method is None or attr in method.self_attributes:
                    return True
        return False

    def _subclasses(
        self, key: ModuleKey, info: ClassInfo, depth: int
    ) -> Iterator[tuple[ModuleKey, ClassInfo]]:
        """The project's classes deriving from `info`, found in the modules that
        mention its name (a subclass names its base)."""
        if depth > 3:
            return
        mentions = self.repetitions.mentions
        modules = [key, *(mentions.modules_mentioning(key, info.name) if mentions else ())]
        for module in dict.fromkeys(modules):
            frame = self.evaluator.module_frame(module)
            if frame is None:
                continue
            for candidate in frame.summary.classes.values():
                bases = self.evaluator.project_bases(module, candidate)
                if any(b.module == key and b.name == info.qualname for b in bases):
                    yield module, candidate
                    yield from self._subclasses(module, candidate, depth + 1)

    def non_text_column(self, base: ir.Expr, attr: str, frame: Frame, depth: int = 0) -> bool:
        """Whether `base.attr` reads a column that is not text, of an object loaded
        from the database: `base` is bound (on every path) to a call that loads mapped
        objects (`session.get(Repo, id)`, `session.query(Repo)...one()`,
        `select(Repo)`, `Repo.query...`), directly or in the project function it
        calls, and every such class maps `attr` to a number, boolean, date or UUID."""
        classes = self._loaded_classes(base, frame, 0, depth)
        if classes:
            return all(self._column_is_not_text(key, info, attr) for key, info in classes)
        # Where the object came from is not seen (a row a decorator passes in, a
        # relationship's target): an attribute every class of the project that has it
        # maps to a column that is not text (`r.id`, `org.super_user.id`).
        return self._never_text_attribute(frame.module, attr) and not self._parsed_input(
            base, frame
        )

    def _never_text_attribute(self, key: ModuleKey, attr: str) -> bool:
        """Whether some mapped class of `key`'s project maps `attr` to a column that is
        not text, and no class of the project gives `attr` anything else: a text or
        unknown column, a property, an annotation of another type, a value its methods
        set on instances."""
        known = self._attributes.get(attr)
        if known is not None:
            return known
        mentions = self.repetitions.mentions
        if mentions is None or getattr(mentions, "offline", False):
            return False  # the project's other classes are not read yet
        self._attributes[attr] = False
        modules = [key, *mentions.modules_mentioning(key, attr)]
        declared = False
        for module in dict.fromkeys(modules):
            module_frame = self.evaluator.module_frame(module)
            if module_frame is None:
                continue
            for info in module_frame.summary.classes.values():
                verdict = self._declares(module, info, attr)
                if verdict is False:
                    return False
                declared = declared or verdict is True
        self._attributes[attr] = declared
        return declared

    def _declares(self, key: ModuleKey, info: ClassInfo, attr: str) -> bool | None:
        """True: the class maps `attr` to a column (or annotates it with a type) that is
        not text; False: it gives `attr` something else; None: it has no `attr`."""
        if attr in info.methods:
            return False  # a property or a method
        for qualname in info.methods.values():
            method = self.evaluator.function_info(key, qualname)
            if method is not None and attr in method.self_attributes:
                if all(value == ir.CONSTANT for value in method.self_attributes[attr]):
                    continue  # `self.id = None`: a placeholder, a number, not text
                return False  # set on instances, to whatever the method is given
        values = info.attributes.get(attr)
        annotation = info.annotations.get(attr)
        if values is None and annotation is None:
            return None
        if values:
            return all(_non_text_column(value) for value in values)
        return annotation is not None and _non_text_annotation(annotation)

    def _parsed_input(self, base: ir.Expr, frame: Frame) -> bool:
        """`args.id` of `args = parser.parse_args()`, `request.json.id`: an object made
        from the command line or a request, whatever the models declare."""
        while base[0] in ("a", "s", "w"):
            base = base[1]
        if base[0] == "c":
            return True  # `json.loads(body).id`: not known to be the program's
        if base[0] != "n":
            return True
        if base[1] in _INPUT_ROOTS:
            return True
        binding = self._lookup(base[1], frame)
        if binding is None:
            return False
        found, _ = binding
        return any(
            value[0] == "c" and value[1][0] == "a" and value[1][2] in _PARSED_INPUT
            for value in found.values
        )

    def _loaded_classes(
        self, expr: ir.Expr, frame: Frame, calls: int, depth: int
    ) -> list[tuple[ModuleKey, ClassInfo]] | None:
        """The mapped classes whose objects `expr` holds; None when some value of it is
        not known to be loaded from the database."""
        if depth > _MAX_DEPTH:
            return None
        tag = expr[0]
        if tag == "n":
            binding = self._lookup(expr[1], frame)
            if binding is not None and binding[0].param is not None:
                return self._mapper_event_target(expr[1], binding[1])
            if binding is None or not binding[0].values:
                return None
            found, owner = binding
            classes: list[tuple[ModuleKey, ClassInfo]] = []
            for value in found.values:
                loaded = self._loaded_classes(value, owner, calls, depth + 1)
                if loaded is None:
                    return None
                classes += loaded
            return classes
        if tag in ("w", "a", "s"):  # await x, x.scalar_one, rows[0]
            return self._loaded_classes(expr[1], frame, calls, depth + 1)
        if tag != "c":
            return None
        func, args = expr[1], expr[2]
        method = func[2] if func[0] == "a" else func[1] if func[0] == "n" else None
        if method in _LOADING_METHODS and args:
            found_class = self._mapped_class(args[0], frame)
            if found_class is not None:
                return [found_class]
        # A project function or method (`User().get_by_username(name)`,
        # `UserService.get_user(name)`): what every `return` of it loads.
        callee = self.evaluator.value(func, frame).ref
        if (
            callee is not None
            and callee.kind in (RefKind.FUNCTION, RefKind.BOUND_METHOD)
            and callee.module is not None
            and calls < _MAX_CALLS
        ):
            function = self.evaluator.function_frame(callee.module, callee.name)
            returns = function.info.returns if function is not None else ()
            classes = []
            for returned in returns:
                assert function is not None
                loaded = self._loaded_classes(returned, function, calls + 1, depth + 1)
                if loaded is None:
                    break
                classes += loaded
            else:
                if classes:
                    return classes
        if func[0] == "a" and func[2] != "query":
            # `session.query(Repo).filter(...).one()`, `Repo.query.filter_by(...).first()`
            if func[1][0] == "a" and func[1][2] == "query":
                found_class = self._mapped_class(func[1][1], frame)
                if found_class is not None:
                    return [found_class]
            return self._loaded_classes(func[1], frame, calls, depth + 1)
        # `execute_session_query(query, "one")`: a helper that runs the query it is given.
        for arg in args:
            loaded = self._loaded_classes(arg, frame, calls, depth + 1)
            if loaded:
                return loaded
        return None

    def column_values_not_text(self, expr: ir.Expr, frame: Frame, depth: int = 0) -> bool:
        """Whether `expr` holds the values of one column that is not text (a number,
        boolean, date or UUID), as the database returns them: `(await
        db.execute(q)).scalars().all()` or `session.scalars(select(User.id))`, maybe
        put in a `set()` or `list()` or bound to a local, where the query is
        `select(User.id)` (filtered, ordered or limited) and `User.id` maps such a column."""
        if depth > _MAX_DEPTH:
            return False
        tag = expr[0]
        if tag == "w":
            return self.column_values_not_text(expr[1], frame, depth + 1)
        if tag == "n":
            local = self._local_values(expr[1], frame)
            return local is not None and all(
                self.column_values_not_text(v, local[1], depth + 1) for v in local[0]
            )
        if tag != "c":
            return False
        func, args = expr[1], expr[2]
        if func[0] == "n" and func[1] in _COLLECTIONS and len(args) == 1:
            return self._lookup(func[1], frame) is None and self.column_values_not_text(
                args[0], frame, depth + 1
            )
        if func[0] != "a":
            return False
        method, receiver = func[2], func[1]
        if method in _RESULT_LISTS and not args:
            return self.column_values_not_text(receiver, frame, depth + 1)
        if method == "scalars" and not args:
            # `result.scalars()` of `result = conn.execute(q)`: the first column's values
            ran = receiver[1] if receiver[0] == "w" else receiver
            local = self._local_values(ran[1], frame) if ran[0] == "n" else ((ran,), frame)
            if local is None:
                return False
            values, frame = local
            return all(
                value[0] in ("c", "w") and self._runs_a_non_text_selection(value, frame, "execute")
                for value in values
            )
        return method == "scalars" and self._runs_a_non_text_selection(expr, frame, "scalars")

    def _local_values(self, name: str, frame: Frame) -> tuple[tuple[ir.Expr, ...], Frame] | None:
        """What the local (not the parameter) `name` is bound to, and the frame that
        binds it; None when it is a parameter, unbound here, or bound to nothing known."""
        binding = self._lookup(name, frame)
        if binding is None or binding[0].param is not None or not binding[0].values:
            return None
        return binding[0].values, binding[1]

    def _runs_a_non_text_selection(self, expr: ir.Expr, frame: Frame, method: str) -> bool:
        """`conn.execute(q)` (or `session.scalars(q)`) on a SQLAlchemy handle, where `q`
        selects one column that is not text."""
        if expr[0] == "w":
            expr = expr[1]
        if expr[0] != "c" or expr[1][0] != "a" or expr[1][2] != method or not expr[2]:
            return False
        if self.evaluator.value(expr[1][1], frame).kind not in _HANDLES:
            return False
        return self._selects_a_non_text_column(expr[2][0], frame, 0)

    def _selects_a_non_text_column(self, expr: ir.Expr, frame: Frame, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            return False
        if expr[0] == "n":
            local = self._local_values(expr[1], frame)
            return local is not None and all(
                self._selects_a_non_text_column(v, local[1], depth + 1) for v in local[0]
            )
        if expr[0] != "c":
            return False
        func, args = expr[1], expr[2]
        if func[0] == "a" and func[2] in _NARROWING_METHODS:
            return self._selects_a_non_text_column(func[1], frame, depth + 1)
        ref = self.evaluator.value(func, frame).ref
        if ref is None or ref.kind is not RefKind.LIBRARY or ref.name not in SELECT_FUNCTIONS:
            return False
        if len(args) != 1 or args[0][0] != "a":
            return False
        mapped = self._mapped_class(args[0][1], frame)
        return mapped is not None and self._column_is_not_text(*mapped, args[0][2])

    def _mapper_event_target(
        self, name: str, frame: Frame
    ) -> list[tuple[ModuleKey, ClassInfo]] | None:
        """`target` in `@event.listens_for(TaskRun, "after_insert") def f(mapper,
        connection, target)`: SQLAlchemy hands a mapper event's listener the instance
        of the class it listens on, after the row was written (so the database took
        its values as its columns' types)."""
        info = self.evaluator.function_info(frame.module, frame.function)
        if info is None or len(info.params) < 3 or info.params[2].name != name:
            return None
        module = self.evaluator.module_frame(frame.module)
        if module is None:
            return None
        for decorator in info.decorators:
            if decorator[0] != "c" or len(decorator[2]) < 2:
                continue
            ref = self.evaluator.value(decorator[1], module).ref
            event = decorator[2][1]
            if (
                ref is not None
                and ref.kind is RefKind.LIBRARY
                and ref.name in _LISTENS_FOR
                and event[0] == "str"
                and event[1] in _MAPPER_EVENTS
            ):
                found = self._mapped_class(decorator[2][0], module)
                return [found] if found is not None else None
        return None

    def _mapped_class(self, expr: ir.Expr, frame: Frame) -> tuple[ModuleKey, ClassInfo] | None:
        ref = self.evaluator.value(expr, frame).ref
        if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
            return None
        info = self.evaluator.class_info(ref.module, ref.name)
        return (ref.module, info) if info is not None else None

    def _column_is_not_text(self, key: ModuleKey, info: ClassInfo, attr: str) -> bool:
        # The class, then its project bases (a column may be declared on a mixin).
        for _, current in self.evaluator.class_hierarchy(key, info.qualname):
            annotation = current.annotations.get(attr)
            values = current.attributes.get(attr)
            if annotation is None and values is None:
                continue
            if values and all(_non_text_column(value) for value in values):
                return True
            return annotation is not None and _non_text_annotation(annotation)
        return False


# String methods whose result is text made from the string (and, for `join` and
# `format`, from their arguments).
_TEXT_METHODS = frozenset(
    {
        "join", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "title",
        "capitalize", "replace", "format", "removeprefix", "removesuffix",
    }
)  # fmt: skip


def _carried_parameter(expr: ir.Expr, params: list[str], depth: int) -> str | None:
    """The parameter (of `params`) whose text `expr` is, or is made from with string
    methods and operators (`",".join(sort.split("-"))`), or None."""
    if depth > 8:
        return None
    tag = expr[0]
    if tag == "n":
        return expr[1] if expr[1] in params else None
    if tag == "op":
        return _carried_parameter(expr[1], params, depth + 1) or _carried_parameter(
            expr[2], params, depth + 1
        )
    if tag == "c" and expr[1][0] == "a" and expr[1][2] in _TEXT_METHODS:
        parts = [expr[1][1]]
        if expr[1][2] in ("join", "format"):
            parts += list(expr[2])
        for part in parts:
            found = _carried_parameter(part, params, depth + 1)
            if found is not None:
                return found
    return None


_QUOTE_ESCAPE = (("str", "'"), ("str", "''"))


def _escaped(expr: ir.Expr, info: FunctionInfo, depth: int) -> bool:
    """`s.replace("'", "''")` (then maybe more replacing), or that between string
    literals, or a local bound only to such, in the function `info`."""
    if depth > _MAX_DEPTH:
        return False
    tag = expr[0]
    if tag == "op":
        sides = expr[1:]
        return any(_escaped(side, info, depth + 1) for side in sides) and all(
            side[0] == "str" or _escaped(side, info, depth + 1) for side in sides
        )
    if tag == "n":
        values = info.locals.get(expr[1], ())
        return bool(values) and all(_escaped(v, info, depth + 1) for v in values)
    while tag == "c" and expr[1][0] == "a" and expr[1][2] == "replace":
        if expr[2] == _QUOTE_ESCAPE:
            return True
        expr = expr[1][1]  # `.replace("\0", "")` after the escape
        tag = expr[0]
    return False


def _growing_calls(name: str, sites: Iterable[CallSite]) -> Iterator[CallSite]:
    """The calls among `sites` that add to `name` (`name.append(x)`, `name.extend(xs)`)."""
    growing = {f"{name}.{method}" for method in _GROWING_METHODS}
    return (site for site in sites if site.callee in growing)


def _recorded_argument(written: str) -> tuple[ir.Expr, str | None] | None:
    """A call site's record of an argument (`repo.name`, `tables["taxi"]`) as the
    dotted name it reads and the string key it takes an item by; None for a literal or
    what the record cannot name."""
    if written.endswith(SLICE_OF):
        written = written[: -len(SLICE_OF)]  # a slice of a text holds what the text does
    keyed = _KEYED_ARGUMENT.fullmatch(written)
    base = _dotted_record(keyed["base"] if keyed else written)
    return None if base is None else (base, keyed["key"] if keyed else None)


def _dotted_record(written: str) -> ir.Expr | None:
    """A call site's record of an argument that is a dotted name (`repo.name`)."""
    if not written or not all(part.isidentifier() for part in written.split(".")):
        return None
    return ir.from_dotted(written)


def _passed_parameter(info: FunctionInfo, name: str) -> tuple[Param, int] | None:
    """The parameter `name` of a function and its position at a call (where `self` or
    `cls` is not passed)."""
    passed = parameter_names(info, info.owner is not None and not info.is_staticmethod)
    if name not in passed:
        return None
    return next(p for p in info.params if p.name == name), passed.index(name)


def _type_name(expr: ir.Expr) -> str | None:
    """`BigInteger`, `sa.BigInteger`, `db.Integer`, `Numeric(10, 2)`: the type's name."""
    if expr[0] == "c":
        expr = expr[1]
    dotted = ir.dotted(expr)
    return dotted.rpartition(".")[2] if dotted else None


def _non_text_column(value: ir.Expr) -> bool:
    """`Column(BigInteger, primary_key=True)`, `Column("id", Integer)`,
    `mapped_column(sa.Integer)`, `db.Column(db.Date)`."""
    if value[0] != "c":
        return False
    called = ir.dotted(value[1])
    if called is None or called.rpartition(".")[2] not in _COLUMN_CALLS:
        return False
    types = [name for name in map(_type_name, value[2]) if name and _TYPE_WORD.fullmatch(name)]
    types += [name for key, arg in value[3] if key == "type_" for name in [_type_name(arg)] if name]
    return any(t in _NON_TEXT_COLUMN_TYPES for t in types)


def _non_text_annotation(annotation: ir.Expr, depth: int = 0) -> bool:
    """`Mapped[int]`, `Mapped[Optional[int]]`, `int | None` (SQLModel's `id: int`)."""
    if depth > 4:
        return False
    tag = annotation[0]
    if tag == "str":
        return _non_text_annotation(ir.annotation_from_string(annotation[1]), depth + 1)
    if tag in ("n", "a"):
        dotted = ir.dotted(annotation)
        return dotted is not None and dotted.rpartition(".")[2] in _NON_TEXT_ANNOTATIONS
    if tag == "bor":
        return all(
            _non_text_annotation(side, depth + 1) or side == ("k",) for side in annotation[1:]
        )
    if tag == "s":
        wrapper = ir.dotted(annotation[1]) or ""
        if wrapper.rpartition(".")[2] not in ("Mapped", "Optional"):
            return False
        return _non_text_annotation(annotation[2], depth + 1)
    return False


# Decorators that pass a command its context or object as the first parameter.
_CONTEXT_PASSERS = ("pass_context", "pass_obj")


def _command_line_parameter(info: FunctionInfo, name: str) -> bool:
    """Whether the parameter `name` of a click/typer command is filled from the
    command line: any but the context or object a `@click.pass_context` /
    `@click.pass_obj` passes first."""
    names = [param.name for param in info.params]
    if name not in names or name in ("self", "cls"):
        return False
    passes_context = any(
        (ir.dotted(d) or "").rpartition(".")[2] in _CONTEXT_PASSERS for d in info.decorators
    )
    return not (passes_context and names.index(name) == 0)


def _names_a_schema_object(expr: ir.Expr) -> bool:
    """`Model.__tablename__`, `model.__table__.name`, `column.table.fullname`: what a
    mapped class, table or column is called in the program's own model, as SQA301
    reads it in the checked module (`_sql_text._safe_value`)."""
    attr, base = expr[2], expr[1]
    if attr in ("__tablename__", "__name__"):
        return True
    if attr not in ("name", "fullname", "schema"):
        return False
    if base[0] == "a":
        return base[2] in ("__table__", "table")
    return base[0] == "n" and base[1] in ("table", "column")


def replaces_all_but_word_characters(pattern: str) -> bool:
    """Whether the regular expression `pattern` matches every character that is not a
    letter, digit or underscore (`[^A-Za-z0-9_]`, `[^\\w]+`, `\\W`), so that replacing
    its matches leaves only those."""
    body = pattern.removesuffix("+").removesuffix("*")
    if body in ("\\W", "[\\W]"):
        return True
    if not (body.startswith("[^") and body.endswith("]")) or len(body) < 4:
        return False
    kept = body[2:-1]
    position = 0
    while position < len(kept):
        if kept.startswith(("\\w", "\\d"), position):
            position += 2
        elif position + 2 < len(kept) and kept[position + 1] == "-":
            low, high = kept[position], kept[position + 2]
            if not any(a <= low <= high <= b for a, b in _WORD_RANGES):
                return False  # `0-z` keeps `:;<=>?@[\]^`
            position += 3
        elif WORD_TEXT.fullmatch(kept[position]):
            position += 1
        else:
            return False
    return True


def _names_a_session(name: str) -> bool:
    """`session`, `db_session`, `dbsession`: a parameter named as a session is."""
    return name == "session" or name.endswith(("_session", "dbsession"))
