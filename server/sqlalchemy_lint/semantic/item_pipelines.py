"""Scrapy item pipelines: classes whose `process_item` Scrapy calls once per item a
crawl yields.

Scrapy makes one pipeline object per crawl: what it opens in `open_spider` (or
`__init__`, `from_crawler`) lives for the whole crawl. When `process_item` raises,
Scrapy logs the error, drops the item and goes on calling `process_item` with the
next one, so a failure inside the pipeline never stops the crawl: whatever state the
failure left behind (a session that needs `rollback()`) is what the next item meets.

A pipeline is known by its method, not by an import (pipeline modules often import
nothing from Scrapy): `process_item(self, item, spider)`, Scrapy's signature, or, in a
module that imports Scrapy or itemadapter, `process_item(self, item, _)` and
`process_item(self, item)` (Scrapy 2.13's).
"""

from __future__ import annotations

import libcst as cst

from .model import ClassInfo, ModuleModel, Scope

# Called by Scrapy once per crawl (or by the pipeline's own set-up), not per item.
LIFECYCLE_METHODS = frozenset(
    {
        "__init__",
        "from_crawler",
        "from_settings",
        "open_spider",
        "close_spider",
        "spider_opened",
        "spider_closed",
    }
)
_SCRAPY_MODULES = ("scrapy", "itemadapter")


def is_item_pipeline(info: ClassInfo, model: ModuleModel) -> bool:
    """Whether the class, of `model`, is a Scrapy item pipeline."""
    for statement in _methods(info):
        if statement.name.value != "process_item":
            continue
        params = statement.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params:
            return False
        names = [p.name.value for p in params.params]
        if names[:1] != ["self"]:
            return False
        if len(names) == 3 and names[2] == "spider":
            return True
        return len(names) in (2, 3) and any(model.imports_module(m) for m in _SCRAPY_MODULES)
    return False


def runs_per_item(scope: Scope, model: ModuleModel) -> bool:
    """Whether `scope` is a method of an item pipeline that runs for items:
    `process_item` and the methods it calls, not the crawl's set-up and tear-down."""
    info = scope.class_info
    return (
        info is not None
        and isinstance(scope.node, cst.FunctionDef)
        and scope.node.name.value not in LIFECYCLE_METHODS
        and is_item_pipeline(info, model)
    )


def opened_for_the_crawl(info: ClassInfo, attribute: str) -> str | None:
    """The method that keeps a value on `self.<attribute>` for the crawl (`open_spider`,
    `__init__`), when only such methods assign it; None when a per-item method assigns
    it too (a session per item) or nothing does."""
    keeping = None
    for _, scope in info.attributes.get(attribute, ()):
        node = scope.node
        if not isinstance(node, cst.FunctionDef) or node.name.value not in LIFECYCLE_METHODS:
            return None
        keeping = keeping or node.name.value
    return keeping


def _methods(info: ClassInfo) -> list[cst.FunctionDef]:
    body = info.node.body
    if not isinstance(body, cst.IndentedBlock):
        return []
    return [s for s in body.body if isinstance(s, cst.FunctionDef)]
