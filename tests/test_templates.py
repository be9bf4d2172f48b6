"""What a Jinja template reads of each element of a list (`semantic/templates.py`)."""

from __future__ import annotations

import jinja2
import pytest

from sqlalchemy_lint.semantic.templates import element_reads


def _reads(text: str, others: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    templates = {"page.html": text, **(others or {})}
    found = element_reads(text, "page.html", "posts", templates.get)
    return {a: (r.template, r.line) for a, r in found.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% for p in posts %}{{ p.author.name }}{% endfor %}", {"author"}),
        # A page's objects, a slice, filters that keep the elements, a loop filter.
        ("{% for p in posts.items %}{{ p.tags|length }}{% endfor %}", {"tags"}),
        ("{% for p in posts[:5] %}{{ p.tags }}{% endfor %}", {"tags"}),
        ('{% for p in posts|sort(attribute="id")|reverse %}{{p.tags}}{% endfor %}', {"tags"}),
        ("{% for p in posts if p.shown %}{{ p.tags }}{% endfor %}", {"shown", "tags"}),
        # An inner loop over a relationship reads it; its own elements are not posts.
        (
            "{%- for p in posts -%}{% for c in p.comments %}{{ c.author }}{% endfor %}"
            "{%- endfor %}",
            {"comments"},
        ),
        # A dotted name in a string is an endpoint's name, not a read: only `p.id`.
        (
            "{% for p in posts %}<a href=\"{{ url_for('p.releases', id=p.id) }}\">"
            '{{ "p.author" }}</a>{% endfor %}',
            {"id"},
        ),
        # Not the list's elements: another list, `dict.items()`, a pair, `loop`.
        ("{% for p in others %}{{ p.author }}{% endfor %}", set()),
        ("{% for k in posts.items() %}{{ k.author }}{% endfor %}", set()),
        ("{% for a, b in posts %}{{ a.author }}{% endfor %}", set()),
        ("{% for p in posts %}{{ loop.index }}{{ p.title }}{% endfor %}", {"title"}),
        # After the loop, or shadowed by an inner loop of the same name.
        ("{% for p in posts %}{% endfor %}{{ p.author }}", set()),
        (
            "{% for p in posts %}{% for p in p.children %}{{ p.author }}{% endfor %}{% endfor %}",
            {"children"},
        ),
        # A method call is not an attribute read; a comment is no code.
        ("{% for p in posts %}{{ p.summary() }}{# p.author #}{% endfor %}", set()),
        ("{% for p in posts %}{{ x.p.author }}{% endfor %}", set()),
    ],
)
def test_attributes_read_of_each_element(text: str, expected: set[str]) -> None:
    assert set(_reads(text)) == expected
    jinja2.Environment().parse(text)  # (each case is a template Jinja accepts)


def test_reads_are_placed_on_their_line_and_template() -> None:
    page = "{% for p in posts %}\n  {% include 'card.html' %}\n  {{ p.author }}\n{% endfor %}"
    card = "<b>\n{{ p.tags }}</b>"
    assert _reads(page, {"card.html": card}) == {
        "tags": ("card.html", 2),
        "author": ("page.html", 3),
    }


def test_macros_read_what_they_are_handed() -> None:
    ui = "{% macro card(size, post) %}\n{{ post.tags }}{{ size.author }}\n{% endmacro %}"
    page = (
        "{% import 'ui.html' as ui %}{% from 'ui.html' import card as c %}\n"
        "{% for p in posts %}{{ c(1, p) }}{{ ui.card(post=p, size=2) }}{% endfor %}"
    )
    assert _reads(page, {"ui.html": ui}) == {"tags": ("ui.html", 2)}
    jinja2.Environment(loader=jinja2.DictLoader({"ui.html": ui})).parse(page)


def test_includes_that_include_each_other_end() -> None:
    page = "{% for p in posts %}{% include 'a.html' %}{% endfor %}"
    others = {
        "a.html": "{% include 'b.html' %}{{ p.author }}",
        "b.html": "{% include 'a.html' %}{{ p.tags }}",
    }
    assert set(_reads(page, others)) == {"author", "tags"}


def test_a_missing_include_reads_nothing() -> None:
    assert _reads("{% for p in posts %}{% include 'gone.html' %}{% endfor %}") == {}
