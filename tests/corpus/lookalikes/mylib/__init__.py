"""In-house helpers. Nothing here is SQLAlchemy, despite the familiar names."""
import threading
from typing import Any, Callable, Dict, List, Optional


class Engine:
    """Tiny rules engine: evaluates registered predicates against a fact dict."""

    def __init__(self, name: str, strict: bool = False) -> None:
        self.name = name
        self.strict = strict
        self._rules: List[Callable[[Dict[str, Any]], bool]] = []
        self._listeners: Dict[str, List[Callable[..., None]]] = {}

    def add_rule(self, rule: Callable[[Dict[str, Any]], bool]) -> None:
        self._rules.append(rule)

    def connect(self, signal: str, handler: Callable[..., None]) -> None:
        self._listeners.setdefault(signal, []).append(handler)

    def evaluate(self, facts: Dict[str, Any]) -> bool:
        ok = all(rule(facts) for rule in self._rules)
        for handler in self._listeners.get("evaluated", []):
            handler(self.name, ok)
        return ok


def create_engine(name: str, **options: Any) -> Engine:
    return Engine(name, strict=bool(options.get("strict")))


class _Session:
    def __init__(self, user: Optional[str] = None) -> None:
        self.user = user
        self.data: Dict[str, Any] = {}
        self._lock = threading.Lock()

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self.data[key] = value

    def close(self) -> None:
        self.data.clear()


def sessionmaker(**defaults: Any) -> Callable[..., _Session]:
    def factory(**kw: Any) -> _Session:
        return _Session(**{**defaults, **kw})

    return factory
