"""Text-to-speech assistant built on pyttsx3."""
import logging
import queue
import threading

import pyttsx3

log = logging.getLogger(__name__)


def _on_start(name):
    log.debug("utterance %s started", name)


def _on_end(name, completed):
    log.debug("utterance %s finished (completed=%s)", name, completed)


def say(text: str, rate: int = 170) -> None:
    engine = pyttsx3.init()
    engine.setProperty("rate", rate)
    engine.connect("started-utterance", _on_start)
    engine.connect("finished-utterance", _on_end)
    engine.say(text)
    engine.runAndWait()


class Speaker(threading.Thread):
    """Background thread that speaks everything put on its queue."""

    def __init__(self, voice_id=None):
        super().__init__(daemon=True)
        self.queue = queue.Queue()
        self.voice_id = voice_id

    def run(self):
        while True:
            text = self.queue.get()
            if text is None:
                break
            engine = pyttsx3.init()
            if self.voice_id:
                engine.setProperty("voice", self.voice_id)
            token = engine.connect("finished-utterance", _on_end)
            engine.say(text)
            engine.runAndWait()
            engine.disconnect(token)

    def stop(self):
        self.queue.put(None)


def list_voices():
    engine = pyttsx3.init()
    return [(v.id, v.name) for v in engine.getProperty("voices")]
