"""`lease rules`: what a rule ID means and where the code applies and tests it.

The entries come from the registry (`domain/catalogue`); the "applied in" and "tested in"
lists come from reading the source tree next to the installed `domain` package, so they are
only as complete as the checkout is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import domain
from domain.catalogue import RULE_ID_PATTERN, RULES, Family, RuleEntry, lookup

SOURCE_DIRS = ("domain", "projections", "consumers", "infra", "api")
"""Where rules are applied: the service's packages (domain/catalogue itself excluded)."""
CATALOGUE_DIR = Path("domain", "catalogue")
TESTS_DIR = "tests"
DOCS_FILE = Path("docs", "rules.md")
REGENERATE = "lease rules --markdown > docs/rules.md"

FAMILY_HEADINGS: dict[Family, str] = {
    Family.GLOSSARY: "Defined terms",
    Family.PARAMETER: "Contract parameters, constants and formation checks",
    Family.LIFECYCLE: "Lifecycle transitions and invariants",
    Family.OBLIGATION: "Operational obligations",
    Family.MONEY: "Money",
    Family.EXCLUSION: "Protection exclusions (Art. 10.2, M-15)",
    Family.MAINTENANCE_EXCLUSION: "Maintenance & Repair exclusions (Art. 12.3, O-12)",
    Family.DEADLINE: "Deadlines and timers",
    Family.ARTICLE_18: "Article 18: ends, dissolution, suspension, termination",
    Family.ENGINE: "Rules engine and consumers",
    Family.PORTAL: "Portal",
    Family.AMBIGUITY: "Ambiguities and the reading the code follows",
}

_TEST_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)")


@dataclass(frozen=True)
class Place:
    """One line of a file that cites a rule (path relative to the source root)."""

    path: str
    line: int
    test: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where} {self.test}" if self.test else where


def source_root() -> Path:
    """The checkout the installed `domain` package lives in."""
    return Path(domain.__file__).resolve().parent.parent


def cites(text: str, rule_id: str) -> bool:
    """Whether `text` cites `rule_id` as a whole ID, not as the start of a longer one."""
    return any(m.group(0) == rule_id for m in RULE_ID_PATTERN.finditer(text))


def test_name_token(rule_id: str) -> re.Pattern[str]:
    """How a test function's name cites a rule: dashes and dots become underscores (`M_22`)."""
    token = re.sub(r"[-.]", "_", rule_id)
    return re.compile(rf"(?:^|_){re.escape(token)}(?:_|$)")


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def applied_in(rule_id: str, root: Path) -> list[Place]:
    """Every line of the service's packages that cites `rule_id`."""
    places: list[Place] = []
    for name in SOURCE_DIRS:
        for path in _python_files(root / name):
            relative = path.relative_to(root)
            if relative.is_relative_to(CATALOGUE_DIR):
                continue
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if cites(text, rule_id):
                    places.append(Place(relative.as_posix(), number))
    return places


def tested_in(rule_id: str, root: Path) -> list[Place]:
    """Each test function under tests/ citing `rule_id` in its name or body, then pinned files."""
    name_token = test_name_token(rule_id)
    places: list[Place] = []
    for path in _python_files(root / TESTS_DIR):
        relative = path.relative_to(root).as_posix()
        current: str | None = None
        seen: set[str | None] = set()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _TEST_DEF.match(text)
            if match:
                current = match.group(1)
            named = match is not None and name_token.search(current or "") is not None
            if (named or cites(text, rule_id)) and current not in seen:
                seen.add(current)
                places.append(Place(relative, number, current))
    for path in sorted((root / TESTS_DIR).rglob("*.json")):
        # Pinned outputs (scenario events): the first citing line of each file is enough.
        lines = path.read_text(encoding="utf-8").splitlines()
        first = next((n for n, text in enumerate(lines, 1) if cites(text, rule_id)), None)
        if first is not None:
            places.append(Place(path.relative_to(root).as_posix(), first))
    return places


def _entry_line(entry: RuleEntry) -> str:
    return f"{entry.rule_id}  {entry.title}"


def _indented(places: list[Place]) -> list[str]:
    return [f"  {place}" for place in places] or ["  (nowhere)"]


def describe(rule_id: str) -> str:
    """The entry, where the code applies it and where it is tested (UnknownRuleError if none)."""
    entry = lookup(rule_id)
    root = source_root()
    lines = [
        _entry_line(entry),
        f"family: {entry.family.name} ({entry.family.value})",
        f"article: {entry.article}",
    ]
    if entry.informational:
        lines.append(f"informational (no behaviour): {entry.informational}")
    present = [name for name in SOURCE_DIRS if (root / name).is_dir()]
    if present:
        lines.append("applied in:")
        lines.extend(_indented(applied_in(rule_id, root)))
    else:
        lines.append(f"applied in: no source tree at {root}")
    if (root / TESTS_DIR).is_dir():
        lines.append("tested in:")
        lines.extend(_indented(tested_in(rule_id, root)))
    else:
        lines.append(f"tested in: no {TESTS_DIR}/ folder at {root}")
    return "\n".join(lines)


def listing() -> str:
    """Every registered rule, one line each: ID, family, article, title."""
    width = max(len(rule_id) for rule_id in RULES)
    family_width = max(len(family.name) for family in Family)
    article_width = max(len(entry.article) for entry in RULES.values())
    return "\n".join(
        f"{e.rule_id:<{width}}  {e.family.name:<{family_width}}  "
        f"{e.article:<{article_width}}  {e.title}"
        for e in RULES.values()
    )


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def _title(entry: RuleEntry) -> str:
    if not entry.informational:
        return entry.title
    return f"{entry.title}. *Informational:* {entry.informational}"


def markdown() -> str:
    """The content of docs/rules.md: an introduction, then one table per family."""
    parts = [
        "# Rule registry",
        "",
        "Every rule ID that the code, events, refusals and tests cite, with a short title and",
        "the article of the General Terms it comes from (portal rules cite the portal terms).",
        "The titles are brief summaries; the rule catalogue (RULES.md, kept outside this",
        "repository) remains the reference for the full rule.",
        "",
        "This file is generated from `domain/catalogue`, where each ID is declared once. Do",
        f"not edit it by hand: change the registry, then run `{REGENERATE}`.",
        "`lease rules ID` shows one rule with the places that apply and test it.",
        "A rule marked *informational* has no behaviour in the service; its note says why.",
    ]
    for family in Family:
        entries = [e for e in RULES.values() if e.family is family]
        if not entries:
            continue
        heading = FAMILY_HEADINGS[family]
        parts += ["", f"## {family.value}: {heading} ({len(entries)})", ""]
        parts += ["| ID | Article | Title |", "|---|---|---|"]
        parts += [f"| {e.rule_id} | {_cell(e.article)} | {_cell(_title(e))} |" for e in entries]
    return "\n".join(parts) + "\n"
