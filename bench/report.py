"""The printed result: tables of cases, the ratios between them, asset builds, page weight, export
speed and live reload, against their goals."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median, quantiles

from bench.build_times import REBUILD_GOAL_MS, BuildTimes
from bench.export_speed import REEXPORT_GOAL_SECONDS, SPEED_GOAL, ExportSpeed
from bench.history_cost import CHANGED_WORDS, REVISIONS, TEXT_LENGTH, HistoryCost
from bench.history_cost import GOAL_MS as HISTORY_GOAL_MS
from bench.live_reload import GOAL_MS as LIVE_RELOAD_GOAL_MS
from bench.live_reload import LiveReloadTimes
from bench.page_weight import ACCEPT_ENCODING, GOAL_BYTES, GOAL_REQUESTS, KB, PageWeight
from bench.search_cost import CACHED_P99_GOAL_MS, FLOOD_CLIENTS, SEARCH_GOAL_MS, SearchCost
from bench.search_cost import RUNS as SEARCH_RUNS


@dataclass(frozen=True)
class Case:
    """One measured URL: its letter in the ratios, what it is, the server, the path, a footnote;
    with a wrk Lua ``script`` making each request, the path only describes them."""

    letter: str
    title: str
    server: str
    path: str
    note: str = ""
    script: Path | None = None
    # Sent with every request, as (name, value) pairs: an editor's session cookie, say.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Ratio:
    """Median requests per second of one case over another, with an optional goal."""

    top: str
    bottom: str
    goal: float | None = None

    @property
    def name(self) -> str:
        """The ratio's name, like c/a."""
        return f"{self.top}/{self.bottom}"


RATIOS = (
    Ratio("c", "a", 0.5),
    Ratio("d", "a", 0.6),
    Ratio("e", "c", 0.9),
    Ratio("i", "a", 0.8),
    Ratio("b", "a"),
    Ratio("f", "a"),
    Ratio("g", "a"),
    Ratio("h", "f"),
    # PostgreSQL over SQLite: the list with and without the page cache, then adding a message.
    Ratio("j", "c"),
    Ratio("k", "f"),
    Ratio("l", "a"),
    Ratio("m", "a"),
    Ratio("m", "l"),
    # The front (make serve): nginx's static files over the ceiling and over WhiteNoise's, and a page
    # through nginx over the same page from bare gunicorn.
    Ratio("n", "a"),
    Ratio("n", "i"),
    Ratio("o", "c"),
    # A logged-in editor's page (its login checked in the database) over the same page rendered for
    # a visitor, and over the ceiling.
    Ratio("p", "g"),
    Ratio("p", "a"),
)


def render(cases: Sequence[Case], samples: Mapping[str, Sequence[float]]) -> str:
    """Return the results table followed by the ratios table."""
    return "\n".join([*case_lines(cases, samples), "", *ratio_lines(samples)])


def case_lines(cases: Sequence[Case], samples: Mapping[str, Sequence[float]]) -> list[str]:
    """Return one line per case: letter, title, path, median and range of requests per second."""
    title_width = max(len(case.title) for case in cases)
    path_width = max(len(case.path) for case in cases)
    lines = [f"   {'case':<{title_width}}  {'URL':<{path_width}}  {'median req/s':>12}  {'runs min-max':>15}"]
    for case in cases:
        runs = samples[case.letter]
        spread = f"{min(runs):,.0f}-{max(runs):,.0f}"
        lines.append(
            f"{case.letter}  {case.title:<{title_width}}  {case.path:<{path_width}}  "
            f"{median(runs):>12,.0f}  {spread:>15}"
        )
    lines += [f"{case.letter}: {case.note}" for case in cases if case.note]
    return lines


def ratio_lines(samples: Mapping[str, Sequence[float]]) -> list[str]:
    """Return one line per ratio: its value, its goal and whether the goal is met."""
    lines = [f"{'ratio':<6} {'value':>6}  {'goal':<8} result"]
    for ratio in RATIOS:
        value = median(samples[ratio.top]) / median(samples[ratio.bottom])
        if ratio.goal is None:
            lines.append(f"{ratio.name:<6} {value:>6.2f}  {'-':<8} (context only)")
        else:
            goal = f">= {ratio.goal:.2f}"
            lines.append(f"{ratio.name:<6} {value:>6.2f}  {goal:<8} {verdict(value >= ratio.goal)}")
    return lines


def verdict(met: bool) -> str:
    """Return "met" or "MISSED"."""
    return "met" if met else "MISSED"


def build_lines(times: BuildTimes) -> list[str]:
    """Return the build times table, median and range in milliseconds, and the rebuild's goal."""
    rows = (
        ("cold full build (empty build folder, force=True)", times.cold),
        ("rebuild after one SCSS change", times.rebuild),
    )
    title_width = max(len(title) for title, _ in rows)
    lines = [
        "Asset builds, in-process: SiteAssets.build() on a copy of static/",
        f"   {'build':<{title_width}}  {'runs':>4}  {'median ms':>9}  {'runs min-max':>12}",
    ]
    for title, runs in rows:
        spread = f"{min(runs):.0f}-{max(runs):.0f}"
        lines.append(f"   {title:<{title_width}}  {len(runs):>4}  {median(runs):>9.0f}  {spread:>12}")
    rebuild = median(times.rebuild)
    return [
        *lines,
        "",
        *goal_lines([("rebuild", f"{rebuild:.0f} ms", f"< {REBUILD_GOAL_MS} ms", rebuild < REBUILD_GOAL_MS)]),
    ]


def weight_lines(weight: PageWeight) -> list[str]:
    """Return each response's size and Content-Encoding, the total, and the total's goals."""
    path_width = max(len(transfer.path) for transfer in weight.transfers)
    lines = [
        f"Home page transfer, Accept-Encoding: {ACCEPT_ENCODING['Accept-Encoding']}: "
        "response bodies as sent, headers not counted (1 KB = 1,024 bytes)",
        f"   {'URL':<{path_width}}  {'Content-Encoding':<16}  {'bytes':>7}",
    ]
    lines += [
        f"   {transfer.path:<{path_width}}  {transfer.encoding:<16}  {transfer.size:>7,}"
        for transfer in weight.transfers
    ]
    requests = len(weight.transfers)
    lines.append(f"   {f'total, {requests} requests':<{path_width + 18}}  {weight.total:>7,}")
    return [
        *lines,
        "",
        *goal_lines(
            [
                ("total", f"{weight.total / KB:.1f} KB", f"<= {GOAL_BYTES // KB} KB", weight.total <= GOAL_BYTES),
                ("requests", f"{requests}", f"<= {GOAL_REQUESTS}", requests <= GOAL_REQUESTS),
            ]
        ),
    ]


def goal_lines(rows: Sequence[tuple[str, str, str, bool]]) -> list[str]:
    """Return one line per (figure, value, goal, met) row, under a header."""
    lines = [f"{'figure':<9} {'value':>8}  {'goal':<9} result"]
    lines += [f"{name:<9} {value:>8}  {goal:<9} {verdict(met)}" for name, value, goal, met in rows]
    return lines


def export_lines(speed: ExportSpeed) -> list[str]:
    """Return export speed against Frozen-Flask, re-export time, and their goals."""
    ours, theirs = median(speed.ours), median(speed.frozen_flask)
    reexport = median(speed.reexport)
    lines = [
        f"Static export, in-process, {speed.pages:,} pages (10,000 messages), median of {len(speed.ours)} runs each",
        f"   flask export, {os.cpu_count()} worker processes    {ours:>7,.0f} pages/s  "
        f"(runs {min(speed.ours):,.0f}-{max(speed.ours):,.0f})",
        f"   Frozen-Flask, same app, {speed.frozen_pages:,} pages  {theirs:>7,.0f} pages/s  "
        f"(runs {min(speed.frozen_flask):,.0f}-{max(speed.frozen_flask):,.0f})",
        f"   re-export after editing one message     {reexport:>7.2f} s        "
        f"(runs {min(speed.reexport):.2f}-{max(speed.reexport):.2f})",
    ]
    return [
        *lines,
        "",
        *goal_lines(
            [
                ("speed", f"{ours / theirs:.1f}x", f">= {SPEED_GOAL:.0f}x", ours / theirs >= SPEED_GOAL),
                (
                    "re-export",
                    f"{reexport:.2f} s",
                    f"< {REEXPORT_GOAL_SECONDS:.0f} s",
                    reexport < REEXPORT_GOAL_SECONDS,
                ),
            ]
        ),
    ]


def history_lines(cost: HistoryCost) -> list[str]:
    """Return the render times of the history page and the diff page, median and range, against the goal."""
    rows = (
        (f"history page of a message with {REVISIONS:,} revisions", cost.history),
        (f"diff of two {TEXT_LENGTH:,}-character revisions, {CHANGED_WORDS} words apart", cost.diff),
    )
    width = max(len(title) for title, _ in rows)
    lines = [
        f"History pages, in process, page cache off: median of {len(cost.history)} renders each",
        *(
            f"   {title:<{width}}  {median(runs):>6.1f} ms  (runs {min(runs):.1f}-{max(runs):.1f})"
            for title, runs in rows
        ),
        "",
    ]
    return lines + goal_lines(
        [
            (name, f"{median(runs):.1f} ms", f"< {HISTORY_GOAL_MS:.0f} ms", median(runs) < HISTORY_GOAL_MS)
            for name, runs in (("history page", cost.history), ("diff page", cost.diff))
        ]
    )


def live_reload_lines(times: LiveReloadTimes) -> list[str]:
    """Return save-to-updated-page times against a manual reload, and their goals."""
    baseline = median(times.manual)
    rows = (
        ("save _base.scss: new stylesheet swapped in, style applied", times.css),
        ("save base.html: page reloaded, to DOMContentLoaded", times.template),
        ("manual reload, nothing saved (the baseline)", times.manual),
    )
    title_width = max(len(title) for title, _ in rows)
    lines = [
        "Live reload, `flask run --debug` and headless chromium: from writing a theme file to the open page",
        f"updated, median of {len(times.css)} runs each; x reload: over a manual reload of the same page "
        "(page.reload() to",
        "DOMContentLoaded), timed the same way in the same rounds",
        f"   {'change':<{title_width}}  {'runs':>4}  {'median ms':>9}  {'p90 ms':>6}  "
        f"{'runs min-max':>12}  {'x reload':>8}",
    ]
    for title, runs in rows:
        spread = f"{min(runs):.0f}-{max(runs):.0f}"
        lines.append(
            f"   {title:<{title_width}}  {len(runs):>4}  {median(runs):>9.0f}  {p90(runs):>6.0f}  "
            f"{spread:>12}  {median(runs) / baseline:>7.1f}x"
        )
    css, template = median(times.css), median(times.template)
    goal = f"< {LIVE_RELOAD_GOAL_MS} ms"
    return [
        *lines,
        "",
        *goal_lines(
            [
                ("css", f"{css:.0f} ms", goal, css < LIVE_RELOAD_GOAL_MS),
                ("template", f"{template:.0f} ms", goal, template < LIVE_RELOAD_GOAL_MS),
            ]
        ),
    ]


def p90(runs: Sequence[float]) -> float:
    """Return the 90th percentile of the runs, interpolated between them."""
    return quantiles(runs, n=10, method="inclusive")[-1] if len(runs) > 1 else runs[0]


def search_cost_lines(cost: SearchCost) -> list[str]:
    """Return the slowest search on each site, the cached page alone and under a search flood on bare
    gunicorn and through the front, and goals."""
    hello = median(cost.hello_ms)
    lines = [
        f"Costly requests: gunicorn, production settings, {cost.workers} workers, SQLite; each search "
        f"{SEARCH_RUNS} times, a new URL each; x hello: over one raw WSGI request ({hello:.1f} ms)",
        f"   {'site':<18}  {'slowest search':<32}  {'median ms':>9}  {'runs min-max':>12}  {'x hello':>7}",
    ]
    for site in cost.sites:
        runs = site.runs[site.worst]
        spread = f"{min(runs):.1f}-{max(runs):.1f}"
        lines.append(
            f"   {site.label:<18}  {shown_query(site.worst):<32}  {median(runs):>9.1f}  {spread:>12}  "
            f"{median(runs) / hello:>6.1f}x"
        )
    alone, ceiling = cost.cached_alone, cost.hello_flooded
    lines += [
        f"GET / from the page cache, one client, p50/p99 ms: alone {alone.p50:.1f}/{alone.p99:.1f}; the raw WSGI "
        f"app while {FLOOD_CLIENTS} clients ask it too {ceiling.p50:.1f}/{ceiling.p99:.1f}",
        *(
            f"   while {FLOOD_CLIENTS} clients send distinct short searches, {label}: {flood.p50:.1f}/{flood.p99:.1f} "
            f"(p99 {flood.p99 / ceiling.p99:.1f}x the raw WSGI app's; {flood.flood_per_second:,.0f} searches/s answered)"
            for label, flood in cost.cached_flooded.items()
        ),
        f"   while they ask for distinct list pages instead, {cost.sites[0].label}: "
        f"{cost.cached_paged.p50:.1f}/{cost.cached_paged.p99:.1f} (p99 {cost.cached_paged.p99 / ceiling.p99:.1f}x; "
        f"{cost.cached_paged.flood_per_second:,.0f} pages/s)",
        *(
            f"   searches and page through the front (make serve's nginx), {label}: {flood.p50:.1f}/{flood.p99:.1f} "
            f"(p99 {flood.p99 / ceiling.p99:.1f}x; {flood.flood_per_second:,.0f} searches/s answered, "
            f"{flood.refused_per_second:,.0f}/s refused with 429)"
            for label, flood in cost.front_flooded.items()
        ),
    ]
    slowest = max(max(site.runs[site.worst]) for site in cost.sites)
    # The site as served (make serve, production): bare gunicorn's figures above are context.
    p99 = max(flood.p99 for flood in cost.front_flooded.values())
    return [
        *lines,
        "",
        *goal_lines(
            [
                ("search", f"{slowest:.1f} ms", f"<= {SEARCH_GOAL_MS} ms", slowest <= SEARCH_GOAL_MS),
                ("p99 front", f"{p99:.1f} ms", f"< {CACHED_P99_GOAL_MS} ms", p99 < CACHED_P99_GOAL_MS),
            ]
        ),
    ]


def shown_query(query: str, width: int = 32) -> str:
    """Return the query quoted, its middle cut if it is longer than ``width``, with its length."""
    if len(query) + 2 <= width:
        return repr(query)
    return f"{query[: width - 18]!r}... ({len(query)} chars)"
