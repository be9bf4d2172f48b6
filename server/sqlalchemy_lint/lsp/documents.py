"""Documents whose lines break where the editor's do.

LSP positions count lines separated by `\\n`, `\\r\\n` or `\\r` only (as Python's
tokenizer does). pygls splits with `str.splitlines()`, which also breaks at form
feeds (PEP 8's page break), `\\x1c`-`\\x1e`, `\\x85`, U+2028 and U+2029: after one of
them every incremental edit would land a line off and the server's copy of the
text would silently drift from the editor's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pygls.workspace import TextDocument

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lsp_lines(text: str) -> tuple[str, ...]:
    """`text` split into lines, each keeping its line break, as LSP counts them."""
    return tuple(_LINE.findall(text))


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return lsp_lines(self.source)
