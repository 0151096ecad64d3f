"""Watch what designers edit and tell open pages what to do: swap the stylesheet, or reload."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from messageboard.assets import SiteAssets
from messageboard.core import PROJECT_ROOT

STYLE_SUFFIXES = frozenset({".scss", ".sass", ".css"})
# How long an open stream stays silent before a comment line keeps proxies and browsers from closing it.
KEEPALIVE_SECONDS = 10
# Events a stream that fell behind can still catch up on; beyond this it is told to reload.
EVENTS_KEPT = 64


@dataclass(frozen=True)
class Event:
    """One server-sent event: its sequence number, type and JSON data."""

    number: int
    kind: str
    data: dict

    def encode(self) -> bytes:
        """The event in the text/event-stream format."""
        return f"id: {self.number}\nevent: {self.kind}\ndata: {json.dumps(self.data)}\n\n".encode()


class Broadcaster:
    """Hands each event to every open stream, which waits for the next one."""

    def __init__(self):
        self._changed = threading.Condition()
        self._events: deque[Event] = deque(maxlen=EVENTS_KEPT)
        self._count = 0

    def publish(self, kind: str, data: dict) -> None:
        """Send an event to every open stream."""
        with self._changed:
            self._count += 1
            self._events.append(Event(self._count, kind, data))
            self._changed.notify_all()

    def latest(self) -> int:
        """The number of the last event sent; a new stream starts after it."""
        with self._changed:
            return self._count

    def events_after(self, number: int, timeout: float) -> list[Event]:
        """The events after ``number``, waiting up to ``timeout`` seconds for one; [] if none came."""
        with self._changed:
            self._changed.wait_for(lambda: self._count > number, timeout=timeout)
            missed = [event for event in self._events if event.number > number]
            if missed and missed[0].number != number + 1:
                return [Event(self._count, "reload", {"reason": "missed changes"})]
            return missed


class FileWatcher:
    """A thread that turns saved files into events: css for stylesheets, reload for the rest."""

    def __init__(self, assets: SiteAssets, template_folders: list[Path], template_cache):
        self.assets = assets
        self.template_folders = template_folders
        self.template_cache = template_cache
        self.broadcaster = Broadcaster()
        # Identifies this server process: a stream reconnecting to a new one (after a restart for
        # a Python change) reloads the page.
        self.boot = uuid.uuid4().hex
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # What open pages were last told of, not what the build holds now: a page request may
        # rebuild between a save and its announcement (a browser asking for /favicon.ico on the
        # error page, say), and comparing with that build would announce nothing.
        self._announced_stylesheets = self._stylesheets()
        self._announced_failure = assets.build_error is not None
        self._handled_a_change = False

    def watched_paths(self) -> list[Path]:
        """Templates, static sources (theme first), assets.yml and package.json."""
        paths = self.assets.paths
        candidates = [*self.template_folders, *paths.source_layers, paths.bundles_file, PROJECT_ROOT / "package.json"]
        return [path for path in dict.fromkeys(candidates) if path.exists()]

    def start(self) -> None:
        """Start watching, once per process, from an up-to-date build; the first request calls this."""
        with self._started:
            if self._thread is None:
                # Making the app builds nothing: until pages are told of a change, they show the
                # build the first one is served with, made here.
                self.assets.rebuild_if_changed()
                if not self._handled_a_change:
                    self._announced_stylesheets = self._stylesheets()
                    self._announced_failure = self.assets.build_error is not None
                self._thread = threading.Thread(target=self._run, name="live-reload-watcher", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Stop watching (tests call this; a server just exits)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def stream(self, since: int) -> Iterator[bytes]:
        """The text/event-stream an open page listens to: every event after number ``since``."""
        self.start()
        seen = min(since, self.broadcaster.latest())
        # retry: reconnect quickly when the development server restarts.
        yield f"retry: 250\nevent: hello\ndata: {json.dumps({'boot': self.boot})}\n\n".encode()
        while not self._stop.is_set():
            events = self.broadcaster.events_after(seen, timeout=KEEPALIVE_SECONDS)
            if not events:
                yield b": keepalive\n\n"
                continue
            for event in events:
                yield event.encode()
            seen = events[-1].number

    def _run(self) -> None:
        # step: how long a burst of saves (an editor writing a temporary file, then renaming it)
        # is gathered into one event; small, because the goal is under 300 ms from save to page.
        for changes in watchfiles.watch(
            *self.watched_paths(), stop_event=self._stop, step=20, debounce=400, raise_interrupt=False
        ):
            self.handle({Path(path) for _, path in changes})

    def handle(self, changed: set[Path]) -> None:
        """Rebuild the assets if an input of theirs changed, then publish css or reload."""
        self.assets.rebuild_if_changed()  # a no-op unless a build input changed
        if any(path.is_relative_to(folder) for path in changed for folder in self.template_folders):
            # Jinja re-reads a cached template only when its own file changes, so a theme file that
            # now overrides a built-in template would go unseen.
            # pinned by tests/test_library_contracts.py::test_jinja_environment_cache_can_be_cleared
            self.template_cache.clear()
        failed, failed_before = self.assets.build_error is not None, self._announced_failure
        stylesheets, stylesheets_before = self._stylesheets(), self._announced_stylesheets
        self._announced_failure, self._announced_stylesheets = failed, stylesheets
        self._handled_a_change = True
        if not failed and not failed_before and all(self._is_stylesheet(path) for path in changed):
            swaps = [
                {"path": path, "hashed": hashed}
                for path, hashed in stylesheets.items()
                if stylesheets_before.get(path) != hashed
            ]
            if swaps:
                self.broadcaster.publish("css", {"stylesheets": swaps})
            return
        self.broadcaster.publish("reload", {"changed": sorted({path.name for path in changed})})

    def _in_static_layers(self, path: Path) -> bool:
        return any(path.is_relative_to(layer) for layer in self.assets.paths.source_layers)

    def _is_stylesheet(self, path: Path) -> bool:
        return path.suffix in STYLE_SUFFIXES and self._in_static_layers(path)

    def _stylesheets(self) -> dict[str, str]:
        """Each published stylesheet's static path and its current hashed path."""
        return {path: hashed for path, hashed in self.assets.published.files.items() if path.endswith(".css")}
