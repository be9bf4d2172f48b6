"""What a Jinja template reads of each element of a list the view hands it.

A Flask view that renders `render_template("index.html", posts=posts)` lets the template
loop over the objects: `{% for post in posts %}{{ post.author.username }}{% endfor %}`
reads `author` of each post, which runs one query per post when the relationship loads
lazily. This module reads a template's text as far as that question needs, without
Jinja itself (which the server does not bundle): its tags, the loops over the list
(`posts`, a page's `posts.items`, filtered `posts|sort(...)`, sliced `posts[:5]`), the
attributes read of each loop variable in the loop's body, and the templates the body
includes (`{% include "post.html" %}`, which see the loop variable).

It follows macros a loop hands an element to (`{{ card(post) }}`, defined in the
template or imported from another). Aliases (`{% set p = post %}`) and `{% call %}`
blocks are not followed: what they read is missed, never misread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# `{{ ... }}`, `{% ... %}` (with `-`/`+` whitespace control), `{# ... #}`.
_TAG = re.compile(r"\{\{(.*?)\}\}|\{%[-+]?(.*?)[-+]?%\}|\{#.*?#\}", re.DOTALL)
_FOR = re.compile(r"for\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+)$", re.DOTALL)
_INCLUDE = re.compile(r"""include\s+(['"])([^'"]+)\1""")
_MACRO = re.compile(r"\{%[-+]?\s*macro\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*[-+]?%\}")
_ENDMACRO = re.compile(r"\{%[-+]?\s*endmacro\b[^%]*%\}")
_FROM_IMPORT = re.compile(
    r"""\{%[-+]?\s*from\s+(['"])([^'"]+)\1\s+import\s+(.+?)(?:\s+with(?:out)?\s+context)?\s*[-+]?%\}"""
)
_IMPORT_AS = re.compile(r"""\{%[-+]?\s*import\s+(['"])([^'"]+)\1\s+as\s+([A-Za-z_]\w*)""")
# A call with plain arguments: `card(post)`, `ui.card(post, size=2)`.
_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)?)\s*\(([^()]*)\)")
# What a loop goes over that holds the list's elements: the list, a page's `items`, a
# slice, and filters that keep the elements (`sort`, `reverse`, `selectattr`, ...).
_KEEPING_FILTERS = (
    r"(?:\|\s*(?:sort|reverse|list|unique|selectattr|rejectattr)\b(?:\([^)]*\))?\s*)*"
)
_NAME = r"[A-Za-z_]\w*"
# A variable `v.attr` read (not `x.v.attr`, not `v.attr(` called: a method).
_READ = r"(?<![\w.])%s\s*\.\s*(" + _NAME + r")\b(?!\s*\()"

# How far includes are followed (an include of an include of ...).
_MAX_DEPTH = 4


@dataclass(frozen=True)
class TemplateRead:
    """An attribute read of each element: in which template and on which line."""

    attribute: str
    template: str
    line: int


# Reads a template by the name a view or an include gives it: its text, or None.
TemplateLoader = Callable[[str], "str | None"]


def element_reads(
    text: str, name: str, variable: str, load: TemplateLoader, *, elements: bool = False
) -> dict[str, TemplateRead]:
    """Attributes the template `name` (whose text is `text`) reads of each element of
    the context variable `variable`, by attribute, first read first. With `elements`,
    the variable is itself the list's element (a template included in a loop)."""
    found: dict[str, TemplateRead] = {}
    _Scan(load, found).scan(text, name, variable, elements, depth=0, seen=frozenset())
    return found


@dataclass(frozen=True)
class _Macro:
    """A `{% macro card(post, size) %}...{% endmacro %}`: its parameters and body."""

    params: tuple[str, ...]
    body: str
    template: str
    line: int  # the body's first line in its template


class _Scan:
    def __init__(self, load: TemplateLoader, found: dict[str, TemplateRead]) -> None:
        self.load = load
        self.found = found
        self._macros: dict[str, dict[str, _Macro]] = {}

    def scan(
        self,
        text: str,
        name: str,
        variable: str,
        elements: bool,
        depth: int,
        seen: frozenset[str],
        first_line: int = 1,
    ) -> None:
        """Reads of each element in `text` (of the template `name`, from its line
        `first_line`): of `variable` itself when `elements`, else of the variables of
        loops over `variable`."""
        # Each open loop: the names it binds, and whether they are the list's elements.
        loops: list[tuple[frozenset[str], bool]] = []
        outer = frozenset({variable}) if elements else frozenset()
        list_names = frozenset() if elements else frozenset({variable})
        # Macros this text may call: its own and those it imports.
        callable_macros: dict[str, _Macro] | None = None
        for match in _TAG.finditer(text):
            expression, statement = match.group(1), match.group(2)
            if expression is None and statement is None:
                continue  # a comment
            element_names = _in_scope(outer, loops)
            shadowed = set().union(*(names for names, _ in loops)) if loops else set()
            group = 1 if expression is not None else 2
            # (The tag's text unstripped, so that a read's line counts from the tag's.)
            raw = match.group(group)
            line = first_line + text.count("\n", 0, match.start(group))
            body = raw.strip()
            if statement is not None:
                keyword = body.split(None, 1)[0] if body else ""
                if keyword == "for":
                    loop = _FOR.match(body)
                    if loop is None:
                        loops.append((frozenset(), False))
                        continue
                    targets = frozenset(t.strip() for t in loop.group(1).split(","))
                    iterated = loop.group(2)
                    over_list = (
                        len(targets) == 1
                        and bool(list_names - shadowed)
                        and any(_holds_elements(iterated, n) for n in list_names - shadowed)
                    )
                    # (A loop filter, `if post.published`, reads each element too.)
                    reading = element_names | (set(targets) if over_list else set())
                    _note_reads(raw, reading, name, line, self.found)
                    loops.append((targets, over_list))
                    continue
                if keyword == "endfor":
                    if loops:
                        loops.pop()
                    continue
                if keyword == "include" and element_names and depth < _MAX_DEPTH:
                    included = _INCLUDE.match(body)
                    if included is not None and included.group(2) not in seen:
                        child = included.group(2)
                        child_text = self.load(child)
                        if child_text is not None:
                            for element in sorted(element_names):
                                self.scan(
                                    child_text, child, element, True, depth + 1, seen | {name}
                                )
                    continue
            _note_reads(raw, element_names, name, line, self.found)
            if element_names and depth < _MAX_DEPTH and "(" in raw:
                if callable_macros is None:
                    callable_macros = self._callable(text, name)
                self._follow_calls(raw, element_names, callable_macros, depth, seen)

    def _follow_calls(
        self,
        code: str,
        names: set[str],
        macros: dict[str, _Macro],
        depth: int,
        seen: frozenset[str],
    ) -> None:
        """`{{ card(post) }}`, `{{ ui.card(size=2, post=post) }}`: a macro handed an
        element reads what its body reads of the parameter it gets it as."""
        for call in _CALL.finditer(code):
            macro = macros.get(call.group(1).replace(" ", ""))
            if macro is None:
                continue
            key = f"{macro.template}:{call.group(1)}"
            if key in seen:
                continue
            for position, argument in enumerate(call.group(2).split(",")):
                keyword, equals, value = argument.partition("=")
                param = keyword.strip() if equals else None
                value = value if equals else keyword
                if param is None and position < len(macro.params):
                    param = macro.params[position]
                if param is not None and value.strip() in names:
                    self.scan(
                        macro.body,
                        macro.template,
                        param,
                        True,
                        depth + 1,
                        seen | {key},
                        first_line=macro.line,
                    )

    def _callable(self, text: str, name: str) -> dict[str, _Macro]:
        """The macros `text` defines and imports (`{% from "ui.html" import card %}`,
        `{% import "ui.html" as ui %}`, called `ui.card`), by the name it calls them."""
        found = dict(self._defined(text, name))
        for imported in _FROM_IMPORT.finditer(text):
            macros = self._defined_in(imported.group(2))
            for item in imported.group(3).split(","):
                original, _, alias = item.strip().partition(" as ")
                macro = macros.get(original.strip())
                if macro is not None:
                    found[(alias or original).strip()] = macro
        for imported in _IMPORT_AS.finditer(text):
            for macro_name, macro in self._defined_in(imported.group(2)).items():
                found[f"{imported.group(3)}.{macro_name}"] = macro
        return found

    def _defined_in(self, template: str) -> dict[str, _Macro]:
        if template not in self._macros:
            text = self.load(template)
            self._macros[template] = self._defined(text, template) if text is not None else {}
        return self._macros[template]

    @staticmethod
    def _defined(text: str, template: str) -> dict[str, _Macro]:
        macros: dict[str, _Macro] = {}
        for definition in _MACRO.finditer(text):
            end = _ENDMACRO.search(text, definition.end())
            if end is None:
                continue
            params = tuple(
                p.split("=", 1)[0].strip() for p in definition.group(2).split(",") if p.strip()
            )
            macros[definition.group(1)] = _Macro(
                params,
                text[definition.end() : end.start()],
                template,
                text.count("\n", 0, definition.end()) + 1,
            )
        return macros


def _in_scope(outer: frozenset[str], loops: list[tuple[frozenset[str], bool]]) -> set[str]:
    """The names that hold one of the list's elements here: a loop over the list binds
    its variable; an inner loop that binds the same name hides it."""
    names = set(outer)
    for targets, over_list in loops:
        names -= targets
        if over_list:
            names |= targets
    return names


def _holds_elements(iterated: str, variable: str) -> bool:
    """`posts`, `posts.items` (a page), `posts[:5]`, `posts|sort(attribute="date")`,
    optionally followed by a loop filter (`if post.published`) or `recursive`."""
    pattern = (
        rf"{re.escape(variable)}(?:\s*\.\s*items\b(?!\s*\())?(?:\s*\[[^\]]*\])?\s*"
        rf"{_KEEPING_FILTERS}(?:\s+if\s+.*|\s+recursive\s*)?$"
    )
    return re.match(pattern, iterated.strip(), re.DOTALL) is not None


# A string literal in a tag's code: `url_for('project.releases', ...)` names an
# endpoint, and reads no attribute.
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*"')


def _note_reads(
    code: str, names: set[str], template: str, line: int, found: dict[str, TemplateRead]
) -> None:
    # (Strings blanked out, their length kept: the lines of what follows stay.)
    code = _STRING.sub(lambda m: " " * len(m.group(0)), code)
    for variable in sorted(names):
        for read in re.finditer(_READ % re.escape(variable), code):
            attribute = read.group(1)
            if attribute not in found and attribute != "loop":
                found[attribute] = TemplateRead(
                    attribute, template, line + code.count("\n", 0, read.start())
                )
