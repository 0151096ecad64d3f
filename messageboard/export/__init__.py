"""Static export: ``flask export`` writes the site, read-only, as files for any static host or disk.

``bp`` mounts it (the search index its pages load, its session rule, the command); ``export_site``
exports from code, with ``ExportOptions``.
"""

from messageboard.export.exporter import ExportError, ExportOptions, ExportReport, export_site
from messageboard.export.views import bp, is_export_request

__all__ = ["ExportError", "ExportOptions", "ExportReport", "bp", "export_site", "is_export_request"]
