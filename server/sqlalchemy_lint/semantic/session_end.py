"""Whether a session's work ends with a commit that leaves it holding nothing.

A session checks a connection out of its engine's pool for its transaction and
returns it when the transaction ends: after `session.commit()` (or `rollback()`) it
holds no connection until it is used again. So a script that never closes its
session, but whose last use of it is a commit, holds nothing for the rest of the
process: the commit is where the session's work ends. It is used again when the
session is, or when an object it loaded is read after the commit (the commit expired
it: reading it loads it again, through the session, on a new connection).

This is told from the statements, conservatively: the commit must be a statement of
the block that made the session (run whenever the session was made and nothing
raised), the last mention of the session, and no name bound between the two (an
object added or loaded) may be read after it, nor the session be read by a function.
"""

from __future__ import annotations

import libcst as cst

from .model import ModuleModel, Scope, global_readers

# What ends a session's transaction and returns its connection to the pool.
_ENDING_METHODS = frozenset({"commit", "rollback"})


def ends_with_commit(model: ModuleModel, scope: Scope, made: cst.Call, variable: str) -> bool:
    """Whether the session `made` (kept in `variable` of `scope`) is last used by a
    commit in the block that made it, after which nothing it loaded is read."""
    if scope.is_module and global_readers(model, variable):
        return False  # functions read it: a session kept for the process (SQA105)
    references = scope.references.get(variable, [])
    if not references:
        return False
    last = max(references, key=lambda name: model.order[name])
    ending = _ending_statement(model, last)
    made_line = model.parent(model.statement_of(made))
    ending_line = model.parent(ending) if ending is not None else None
    if ending is None or made_line is None or ending_line is None:
        return False
    if model.parent(ending_line) is not model.parent(made_line):
        return False  # not in the same block: it may not run, or run again
    start, end = model.order[made], model.order[ending]
    if start > end:
        return False
    between = {
        name
        for name, assignments in scope.assignments.items()
        if name != variable and any(start < a.order < end for a in assignments)
    }
    for name in between:
        if any(model.order[ref] > end for ref in scope.references.get(name, ())):
            return False
        if scope.is_module and global_readers(model, name):
            return False  # a function may read it after the commit
    return True


def _ending_statement(model: ModuleModel, name: cst.Name) -> cst.Expr | None:
    """The statement `name.commit()` (or `.rollback()`) that `name` is read in, if it is
    one."""
    attribute = model.parent(name)
    if not isinstance(attribute, cst.Attribute) or attribute.value is not name:
        return None
    if attribute.attr.value not in _ENDING_METHODS:
        return None
    call = model.parent(attribute)
    statement = model.parent(call) if isinstance(call, cst.Call) else None
    if not isinstance(statement, cst.Expr) or statement.value is not call:
        return None
    return statement
