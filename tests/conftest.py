import sys
from pathlib import Path

# Test helpers (expectations.py) import each other by module name.
sys.path.insert(0, str(Path(__file__).parent))

import pytest


@pytest.fixture(autouse=True)
def _cache_outside_the_checkout(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line caches in the project it checks by default; the tests' runs
    # (in-process and in subprocesses, which inherit the environment) cache here.
    monkeypatch.setenv("SQLALCHEMY_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def _answer_registrations() -> None:
    """Editors answer the server's `client/registerCapability` (it asks them to watch
    templates and project files); pytest-lsp's client does not, and fails the test on
    the request. Every test client answers it as an editor does."""
    import pytest_lsp
    from lsprotocol import types

    original = pytest_lsp.LanguageClient.__init__

    def __init__(self: pytest_lsp.LanguageClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]

        @self.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            return None

        @self.feature(types.CLIENT_UNREGISTER_CAPABILITY)
        def unregister(params: types.UnregistrationParams) -> None:
            return None

    pytest_lsp.LanguageClient.__init__ = __init__  # type: ignore[method-assign]


_answer_registrations()
