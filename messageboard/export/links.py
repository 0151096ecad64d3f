"""Links in exported pages: each site link pointed at its file in the export, as each way of viewing links it."""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from messageboard.export.urls import NOT_FOUND_PAGE, PAGE, STATIC, ExportFile, ExportUrls

# Jinja writes every attribute in double quotes; these are the ones that name a URL.
LINKING_ATTRIBUTE = re.compile(rb'\b(href|src|action|data-href-template)="([^"]*)"')
PLACEHOLDER_ATTRIBUTE = b"data-href-template"  # a pattern for scripts, not a link to check
# Pages every export holds (and the styleguide's, in an export that has its preview pages).
ALWAYS_EXPORTED = frozenset({"index.html", "search-index.js"})
PREVIEW_ENDPOINTS = frozenset({"styleguide.index", "styleguide.state"})


@dataclass
class RewrittenPage:
    """A page with its links pointed at exported files, and what those links need."""

    body: bytes
    static_files: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkStyle:
    """How exported pages link each other: from the domain root, under a base path, or relatively."""

    urls: ExportUrls
    base_path: str = "/"
    relative: bool = False
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def link(self, target: str, from_page: str) -> str:
        """The URL by which the page at ``from_page`` links the exported file ``target``."""
        if self.relative:
            return quote(posixpath.relpath(target, posixpath.dirname(from_page) or "."))
        return self.base_path + ("" if target == "index.html" else quote(target))

    def rewrite(self, body: bytes, page: str, *, preview: bool = False) -> RewrittenPage:
        """Point every site link in an exported page at its file, collecting what they name.

        A ``preview`` page (the styleguide's, made of sample data) may link pages that no export holds,
        such as a sample message or a form's action: those links lead to the 404 page, as on a static host.
        """
        result = RewrittenPage(b"")
        folder = posixpath.dirname(page)

        def rewritten(match: re.Match) -> bytes:
            # Most links (nav, static files, neighbours) recur on every page of a folder.
            memo_key = (match.group(0), folder, preview)
            if memo_key in self._memo:
                replacement, kind, target = self._memo[memo_key]
                if kind:
                    (result.static_files if kind == STATIC else result.pages).add(target)
                return replacement
            attribute, value = match.group(1), html.unescape(match.group(2).decode())
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:  # another site, or a #fragment
                self._memo[memo_key] = (match.group(0), None, None)
                return match.group(0)
            found = self.urls.file_for(value.split("#")[0])
            if preview and attribute in (b"href", b"action") and not _always_exported(found):
                found = ExportFile(PAGE, NOT_FOUND_PAGE, "")
            if found is None:
                result.unknown.append(value)
                return match.group(0)
            kind, target = (found.kind if attribute != PLACEHOLDER_ATTRIBUTE else None), found.path
            if kind:
                (result.static_files if kind == STATIC else result.pages).add(target)
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            replacement = b'%s="%s"' % (attribute, html.escape(self.link(target, page) + fragment).encode())
            self._memo[memo_key] = (replacement, kind, target)
            return replacement

        result.body = LINKING_ATTRIBUTE.sub(rewritten, body)
        return result


def _always_exported(found: ExportFile | None) -> bool:
    """Whether every export (with the styleguide) holds the file ``found``."""
    return found is not None and (
        found.kind == STATIC or found.path in ALWAYS_EXPORTED or found.endpoint in PREVIEW_ENDPOINTS
    )
