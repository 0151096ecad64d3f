"""The printed result: a table of cases and the ratios between them, against their goals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median


@dataclass(frozen=True)
class Case:
    """One measured URL: its letter in the ratios, what it is, the server and the path."""

    letter: str
    title: str
    server: str
    path: str


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
    Ratio("b", "a"),
    Ratio("f", "a"),
    Ratio("g", "a"),
    Ratio("h", "f"),
)


def render(cases: Sequence[Case], samples: Mapping[str, Sequence[float]]) -> str:
    """Return the results table followed by the ratios table."""
    return "\n".join([*case_lines(cases, samples), "", *ratio_lines(samples)])


def case_lines(cases: Sequence[Case], samples: Mapping[str, Sequence[float]]) -> list[str]:
    """Return one line per case: letter, title, path, median and range of requests per second."""
    title_width = max(len(case.title) for case in cases)
    path_width = max(len(case.path) for case in cases)
    lines = [f"   {'case':<{title_width}}  {'URL':<{path_width}}  "
             f"{'median req/s':>12}  {'runs min-max':>15}"]
    for case in cases:
        runs = samples[case.letter]
        spread = f"{min(runs):,.0f}-{max(runs):,.0f}"
        lines.append(f"{case.letter}  {case.title:<{title_width}}  {case.path:<{path_width}}  "
                     f"{median(runs):>12,.0f}  {spread:>15}")
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
            verdict = "met" if value >= ratio.goal else "MISSED"
            lines.append(f"{ratio.name:<6} {value:>6.2f}  {goal:<8} {verdict}")
    return lines
