"""Serving the published folder: WhiteNoise, hashed files cached for a year, small files from memory."""

from __future__ import annotations

import os
from functools import partial
from wsgiref.headers import Headers

from whitenoise import WhiteNoise

from messageboard.assets.build import HASHED_NAME

ONE_YEAR = 365 * 24 * 3600


class StaticFiles(WhiteNoise):
    """WhiteNoise serving the published folder: hashed files cached for a year, others briefly."""

    # Files up to this size are answered from memory once read, where files cannot change.
    IN_MEMORY_LIMIT = 256 * 1024

    def __init__(self, application, *, root: str, prefix: str, autorefresh: bool, max_age: int):
        # WhiteNoise's own Cache-Control is off (max_age=None): cache_control sets the one sent.
        super().__init__(
            application,
            root=root,
            prefix=prefix,
            autorefresh=autorefresh,
            max_age=None,
            add_headers_function=partial(cache_control, max_age=max_age),
        )
        self._contents: dict[str, bytes] = {}

    def serve(self, static_file, environ, start_response):
        """Answer a plain GET of a small file from memory: no open(), no sendfile, per request."""
        # WhiteNoise has no public hook for this; it is here for speed (see bench/).
        # pinned by tests/test_library_contracts.py::test_whitenoise_answers_each_file_through_serve
        # and ::test_whitenoise_static_file_exposes_get_path_and_headers_and_is_not_modified
        if (
            self.autorefresh
            or environ["REQUEST_METHOD"] != "GET"
            or "HTTP_RANGE" in environ
            or static_file.is_not_modified(environ)
        ):
            return super().serve(static_file, environ, start_response)
        path, headers = static_file.get_path_and_headers(environ)
        content = self._contents.get(path)
        if content is None:
            if os.path.getsize(path) > self.IN_MEMORY_LIMIT:
                return super().serve(static_file, environ, start_response)
            with open(path, "rb") as file:
                content = self._contents[path] = file.read()
        start_response("200 OK", list(headers))
        return [content]


def cache_control(headers: Headers, path: str, url: str, *, max_age: int) -> None:
    """Cache-Control: a year and immutable for content-hashed names, ``max_age`` seconds for the rest."""
    if HASHED_NAME.search(url):
        headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        headers["Cache-Control"] = f"public, max-age={max_age}"
