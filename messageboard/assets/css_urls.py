"""The url() references in stylesheets: checked against the static files, rewritten to hashed names."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from pathlib import Path

from messageboard.assets.tools import AssetBuildError

URL_REFERENCE = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<url>[^'")]*?)(?P=quote)\s*\)""")
NOT_A_FILE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)  # data:, https:, //host, #id


def local_reference(match: re.Match, folder: str) -> tuple[str, str, str] | None:
    """For a url() found in css in ``folder``: (url, static path it names, ?query or #fragment);
    None for what names no file of ours (data:, another site, an absolute path, a Sass variable)."""
    url = match.group("url").strip()
    if not url or NOT_A_FILE.match(url) or url.startswith("/") or "#{" in url or "$" in url:
        return None
    path, suffix = _split_suffix(url)
    return url, posixpath.normpath(posixpath.join(folder, path)), suffix


def rewrite_urls(css: str, output: str, files: dict[str, str]) -> str:
    """Point every url() in built CSS at the hashed file, relative to the CSS's own folder."""
    folder = posixpath.dirname(output)

    def hashed(match: re.Match) -> str:
        """The url() with the hashed name of the file it names, or as it was if it names none of ours."""
        reference = local_reference(match, folder)
        if reference is None:
            return match.group(0)
        url, target, suffix = reference
        if target not in files:
            raise AssetBuildError(f"{output}: url({url}) names {target}, which is not in the static folder")
        return f"url({posixpath.relpath(files[target], folder)}{suffix})"

    return URL_REFERENCE.sub(hashed, css)


def check_references(static_folder: Path, output: str, sources: Iterable[Path], files: dict[str, str]) -> None:
    """Fail, naming the source file and line, if a url() in the sources of stylesheet ``output``
    names a file that is not among the published ``files``."""
    folder = posixpath.dirname(output)
    for source in sorted(sources):
        lines = source.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            for match in URL_REFERENCE.finditer(line):
                reference = local_reference(match, folder)
                if reference is None:
                    continue
                url, target, _ = reference
                if target not in files:
                    where = source.relative_to(static_folder).as_posix()
                    raise AssetBuildError(
                        f"{where}:{number}: url({url}) names {target}, which is not in the static folder "
                        f"(url() paths are relative to the built stylesheet, {output})"
                    )


def _split_suffix(url: str) -> tuple[str, str]:
    """Split a url into its path and its ?query or #fragment (font URLs carry them)."""
    cut = min((index for index in (url.find("?"), url.find("#")) if index >= 0), default=len(url))
    return url[:cut], url[cut:]
