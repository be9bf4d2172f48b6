"""Where a formatted value sits in SQL text: in an identifier's place or a value's.

A value formatted into SQL in a value's place (`WHERE name = '{name}'`, `id = {id}`)
should have been a bound parameter. One in an identifier's place (`FROM {table}`,
`ORDER BY {column}`, `INSERT INTO t ({columns})`, `:{key}`) cannot be one: the
program chooses its tables and columns, and whether they can carry SQL depends on
where they come from, not on how they are spliced in. SQA301 holds the two to
different evidence (see `_sql_text.dynamic_construction`).

The text around a value is the template's literal text; another value in it reads
as `HOLE`, an identifier-like stand-in (`FROM {schema}.{table}`: `{table}` follows
`HOLE.`).
"""

from __future__ import annotations

import re
import string

HOLE = "\x00"

# A value in an open single-quoted literal is a value, whatever precedes the quote.
_QUOTES = re.compile(r"'")
# What precedes an identifier: a keyword that names a table, schema, column list or
# sort key; a qualifying dot; a bind parameter's or a cast's marker; a quoting
# character opened after one of those.
_IDENTIFIER_BEFORE = re.compile(
    r"""(?:
        \b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|TRUNCATE|ONLY|SCHEMA|DATABASE|VIEW
            |SEQUENCE|INDEX|COLUMN|BY|SELECT|USE|USING|DESCRIBE|TO|TRIGGER|FUNCTION
            |PROCEDURE|EXTENSION|CONSTRAINT|ADD|ROLE|AUTHORIZATION)\s+
        | \bsearch_path\s*=\s*               # SET search_path = {schema}
        | \bTABLE\s+\x00\s+                  # DROP TABLE {if_exists} {table}
        | \b(?:TRIGGER|INDEX)\b[^;(]*\bON\s+   # CREATE TRIGGER t AFTER INSERT ON {table}
        | \bINTO\s+[\w\x00."`]+\s*\(\s*       # INSERT INTO t ({columns})
        | \bINSERT\s*\(\s*                   # MERGE's WHEN NOT MATCHED THEN INSERT ({columns})
        | [\w\x00"`\]]\.                     # {schema}.{table}, t.{column}
        | (?<!:):                            # :{name}, a bind parameter
        | :: | %\(                           # a cast's type; %({name})s
    )["`\[]?$
    | [A-Za-z_]$                             # staging_{table}: part of a name (not
                                             # `ARRAY[{values}]`: no quote after it)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What follows a column compared with a bind parameter (`{column} = :{column}`).
# Or glued to the rest of a name (`{prefix}_users`), or qualifying one (`{table}.id`).
_IDENTIFIER_AFTER = re.compile(
    r"""^(?:["`\]]?\s*(?:=|<>|!=|<=|>=|<|>)\s*(?::[\w\x00]|%\(|\?|[A-Za-z_]\w*\.)
        |_\w|["`\]]?\.[\w"`\x00])""",
    re.VERBOSE,
)


def names_identifier(before: str, after: str) -> bool:
    """Whether a value between the SQL texts `before` and `after` takes an
    identifier's place."""
    if len(_QUOTES.findall(before)) % 2:
        return False  # inside '...': a literal's text
    if before in ('"', "`") and after.startswith(before):
        return True  # a quoted name on its own (`f'"{column}"'`), joined into a list
    tail = before[-200:]
    return bool(_IDENTIFIER_BEFORE.search(tail) or _IDENTIFIER_AFTER.match(after[:200]))


def percent_slots(template: str) -> list[tuple[str, str]] | None:
    """The text before and after each `%s`-style conversion of a `%` template, in
    order; None for named conversions (`%(name)s`) or a template that is not one."""
    slots: list[tuple[int, int]] = []
    for match in _CONVERSION.finditer(template):
        if match.group(0) == "%%":
            continue
        if match.group("name") is not None:
            return None
        slots.append(match.span())
    return _around(template, slots)


_CONVERSION = re.compile(
    r"%%|%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[a-zA-Z]"
)


def format_slots(template: str) -> dict[int | str, list[tuple[str, str]]] | None:
    """The text before and after each field of a `str.format()` template, by the
    argument it takes (a position or a keyword); None when the template is not one."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    spans: list[tuple[int, int]] = []
    keys: list[int | str] = []
    text = ""
    automatic = 0
    for literal, name, spec, conversion in fields:
        text += literal
        if name is None:
            continue
        field = (
            "{"
            + name
            + ("!" + conversion if conversion else "")
            + (":" + spec if spec else "")
            + "}"
        )
        spans.append((len(text), len(text) + len(field)))
        text += field
        head = re.split(r"[.\[]", name, maxsplit=1)[0]
        if head == "":
            keys.append(automatic)
            automatic += 1
        else:
            keys.append(int(head) if head.isdigit() else head)
    around = _around(text, spans)
    if around is None:
        return None
    slots: dict[int | str, list[tuple[str, str]]] = {}
    for key, slot in zip(keys, around):
        slots.setdefault(key, []).append(slot)
    return slots


def _around(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str]] | None:
    """For each span of `text`, the text before and after it, other spans as HOLE."""
    if not spans:
        return None
    pieces: list[str] = []
    previous = 0
    for start, end in spans:
        pieces.append(text[previous:start])
        previous = end
    pieces.append(text[previous:])
    return [
        (HOLE.join(pieces[: index + 1]), HOLE.join(pieces[index + 1 :]))
        for index in range(len(spans))
    ]
