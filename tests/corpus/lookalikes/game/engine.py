"""A toy game engine. Its Engine and Session classes have nothing to do with databases."""
import time
from typing import Callable, Dict, List, Optional


class Scene:
    def __init__(self, name: str) -> None:
        self.name = name
        self.entities: List[object] = []

    def update(self, dt: float) -> None:
        for entity in self.entities:
            tick = getattr(entity, "tick", None)
            if tick:
                tick(dt)


class Engine:
    def __init__(self, fps: int = 60, headless: bool = False) -> None:
        self.fps = fps
        self.headless = headless
        self.scene: Optional[Scene] = None
        self.running = False
        self._peers: Dict[str, "Session"] = {}

    def load(self, scene: Scene) -> None:
        self.scene = scene

    def connect(self, address: str) -> "Session":
        """Join a multiplayer server and return the network session."""
        session = Session(address, self)
        self._peers[address] = session
        return session

    def run(self, frames: Optional[int] = None) -> None:
        self.running = True
        frame = 0
        last = time.perf_counter()
        while self.running and (frames is None or frame < frames):
            now = time.perf_counter()
            if self.scene:
                self.scene.update(now - last)
            last = now
            frame += 1
            time.sleep(max(0.0, 1 / self.fps - (time.perf_counter() - now)))

    def dispose(self) -> None:
        self.running = False
        for peer in self._peers.values():
            peer.close()


class Session:
    """A multiplayer network session."""

    def __init__(self, address: str, engine: Engine) -> None:
        self.address = address
        self.engine = engine
        self.handlers: List[Callable[[bytes], None]] = []
        self.open = True

    def begin(self) -> "Session":
        return self

    def send(self, payload: bytes) -> None:
        if not self.open:
            raise RuntimeError("session closed")

    def close(self) -> None:
        self.open = False


def create_engine(fps: int = 60) -> Engine:
    return Engine(fps=fps)
