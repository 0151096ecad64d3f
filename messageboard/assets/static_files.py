"""Serving the published folder: WhiteNoise, hashed files cached for a year, small files from memory,
the folder indexed again whenever a build replaces its manifest, and a 404 for a file gone since."""

from __future__ import annotations

import copy
import os
import threading
from functools import partial
from pathlib import Path
from wsgiref.headers import Headers

from whitenoise import WhiteNoise

from messageboard.assets.build import HASHED_NAME
from messageboard.assets.manifest import file_identity

ONE_YEAR = 365 * 24 * 3600


class StaticFiles(WhiteNoise):
    """WhiteNoise serving the published folder: hashed files cached for a year, others briefly; what a
    build publishes while serving is indexed at once, and a file deleted since it was indexed is the
    site's 404."""

    # Files up to this size are answered from memory once read, where files cannot change.
    IN_MEMORY_LIMIT = 256 * 1024

    def __init__(self, application, *, root: str, prefix: str, manifest: Path, autorefresh: bool, max_age: int):
        # WhiteNoise's own Cache-Control is off (max_age=None): cache_control sets the one sent.
        super().__init__(
            application,
            autorefresh=autorefresh,
            max_age=None,
            add_headers_function=partial(cache_control, max_age=max_age),
        )
        self.root, self.prefix, self.manifest = root, prefix.rstrip("/") + "/", manifest
        self._contents: dict[str, bytes] = {}
        self._manifest_seen = file_identity(manifest)
        self._indexing = threading.Lock()
        self.add_files(root, prefix)

    def __call__(self, environ, start_response):
        if not self.autorefresh and environ.get("PATH_INFO", "").startswith(self.prefix):
            self.index_again_if_rebuilt()
        return super().__call__(environ, start_response)

    def index_again_if_rebuilt(self) -> None:
        """Index the folder again if a build wrote its manifest (last, in one rename) since the last look,
        or removed it: what is on disk is what is served, with its own headers."""
        seen = file_identity(self.manifest)
        if seen == self._manifest_seen:
            return
        with self._indexing:
            # Indexed into a copy and swapped in whole, so another thread never sees half an index.
            # pinned by tests/test_library_contracts.py::test_whitenoise_indexes_a_folder_into_files_through_add_files
            index = copy.copy(self)
            index.files = {}
            if os.path.isdir(self.root):
                index.add_files(self.root, self.prefix)
            self.files, self._contents, self._manifest_seen = index.files, {}, seen

    def serve(self, static_file, environ, start_response):
        """Answer an indexed file; one deleted since it was indexed goes on to the app, which answers 404."""
        try:
            return self._serve(static_file, environ, start_response)
        except FileNotFoundError:
            # WhiteNoise opens the file before it starts the response: raised here, gunicorn would
            # close the connection with no reply at all.
            # pinned by tests/test_library_contracts.py::test_whitenoise_opens_a_file_before_starting_its_response
            return self.application(environ, start_response)

    def _serve(self, static_file, environ, start_response):
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
                content = file.read()
            if str(len(content)) != dict(headers)["Content-Length"]:
                # Rewritten by a build that has not yet written its manifest: the app serves it as it is.
                return self.application(environ, start_response)
            self._contents[path] = content
        start_response("200 OK", list(headers))
        return [content]


def cache_control(headers: Headers, path: str, url: str, *, max_age: int) -> None:
    """Cache-Control: a year and immutable for content-hashed names, ``max_age`` seconds for the rest."""
    if HASHED_NAME.search(url):
        headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        headers["Cache-Control"] = f"public, max-age={max_age}"
