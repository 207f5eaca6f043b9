"""The rule registry (domain/catalogue): its entries, and that every cited rule ID is declared.

Citations are checked where they are made: rule ID literals in the service's source, the
`rule_ids` of every event the pinned scenarios record, and the rule of every refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.catalogue import (
    RULE_ID_PATTERN,
    RULES,
    Family,
    RegistryError,
    RuleEntry,
    UnknownRuleError,
    family_of,
    is_registered,
    lookup,
    validate,
)
from domain.contract.grounds import rule_id_of
from infra import rule_lookup
from infra.simulate.in_process import simulate
from infra.simulate.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("domain", "projections", "consumers", "infra", "api")
CATALOGUE = ROOT / "domain" / "catalogue"
SCENARIO_DIR = ROOT / "tests" / "scenarios"
SCENARIOS = sorted(p for p in SCENARIO_DIR.glob("*.json") if not p.name.endswith(".expected.json"))


def source_citations() -> dict[str, list[str]]:
    """Rule ID literal -> the `path:line`s citing it in the service's packages."""
    found: dict[str, list[str]] = {}
    for name in SOURCE_DIRS:
        for path in sorted((ROOT / name).rglob("*.py")):
            if path.is_relative_to(CATALOGUE):
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, text in enumerate(lines, 1):
                for match in RULE_ID_PATTERN.finditer(text):
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.setdefault(match.group(0), []).append(where)
    return found


# --- the entries ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_entry_has_its_family_prefix_a_title_and_an_article(rule_id: str) -> None:
    entry = RULES[rule_id]
    assert entry.rule_id == rule_id
    assert family_of(rule_id) == entry.family.value
    assert RULE_ID_PATTERN.fullmatch(rule_id)
    assert entry.title.strip()
    assert len(entry.title) <= 90
    assert entry.article.strip()


def test_the_registry_spans_the_cited_families() -> None:
    families = {entry.family for entry in RULES.values()}
    assert families >= {Family.PARAMETER, Family.LIFECYCLE, Family.MONEY, Family.DEADLINE}
    assert families >= {Family.ARTICLE_18, Family.ENGINE, Family.AMBIGUITY, Family.PORTAL}
    assert len(RULES) >= 190


def test_lookup_returns_the_entry_and_is_registered_agrees() -> None:
    entry = lookup("M-22")
    assert entry.family is Family.MONEY
    assert "18.7" in entry.article
    assert is_registered("M-22")
    assert not is_registered("X-99")


def test_lookup_of_an_unknown_id_raises_naming_the_id() -> None:
    with pytest.raises(UnknownRuleError) as raised:
        lookup("X-99")
    assert isinstance(raised.value, KeyError)
    assert "X-99" in str(raised.value)


def test_the_validator_refuses_a_duplicate_id() -> None:
    first = RuleEntry("M-01", "One", "Art. 1.2", Family.MONEY)
    again = RuleEntry("M-01", "Two", "Art. 1.2", Family.MONEY)
    with pytest.raises(RegistryError, match="M-01"):
        validate((first, again))


def test_the_validator_refuses_an_id_filed_under_another_family() -> None:
    with pytest.raises(RegistryError, match="D-10"):
        validate((RuleEntry("D-10", "Eight days", "Art. 5.3", Family.MONEY),))
    with pytest.raises(RegistryError, match="PT-15"):
        validate((RuleEntry("PT-15", "Documents", "Portal Art. 2.2", Family.PARAMETER),))


def test_the_validator_refuses_a_blank_title_or_article_and_a_malformed_id() -> None:
    with pytest.raises(RegistryError, match="P-07"):
        validate((RuleEntry("P-07", " ", "Art. 2.2", Family.PARAMETER),))
    with pytest.raises(RegistryError, match="L-1"):
        validate((RuleEntry("L-1", "Concluded", "Art. 1.1", Family.LIFECYCLE),))


def test_the_validator_accepts_well_formed_entries() -> None:
    entries = (
        RuleEntry("T-18.3-ii", "Arrears", "Art. 18.3(ii)", Family.ARTICLE_18),
        RuleEntry("T-18.10", "Services stop", "Art. 18.10", Family.ARTICLE_18),
    )
    assert list(validate(entries)) == ["T-18.3-ii", "T-18.10"]


def test_the_citation_pattern_takes_whole_ids_only() -> None:
    text = "T-18.3-ii/iii, P-49..P-53, T-18.3-* and T-18.10; not A-1, T-1 or C-2024-0001"
    found = [m.group(0) for m in RULE_ID_PATTERN.finditer(text)]
    assert found == ["T-18.3-ii", "P-49", "P-53", "T-18.10"]


# --- citations -----------------------------------------------------------------------------


def test_every_rule_id_cited_in_the_service_source_is_registered() -> None:
    citations = source_citations()
    assert len(citations) > 150, "the scan found too few citations; is the pattern broken?"
    unregistered = {
        rule_id: places[:3] for rule_id, places in citations.items() if not is_registered(rule_id)
    }
    assert not unregistered, f"add these to domain/catalogue (if RULES.md has them): {unregistered}"


def test_every_ground_a_recorded_or_lessor_ground_can_cite_is_registered() -> None:
    # record_ground and dissolve_against_lessor cite the ground's own rule (rule_id_of), which
    # the source scan cannot see: every ground of Art. 18.3 and 18.8 must have its entry.
    numerals = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii")
    grounds = [f"18.3({n})" for n in (*numerals, "xiv")] + [f"18.8({n})" for n in numerals[:5]]
    assert [g for g in grounds if not is_registered(rule_id_of(g))] == []


def test_scenarios_are_found() -> None:
    assert len(SCENARIOS) >= 9


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_event_and_refusal_of_a_pinned_scenario_cites_registered_rules(path: Path) -> None:
    output = simulate(load_scenario(path))
    events = output["events"]
    assert events, f"{path.name} recorded no events"
    unregistered = sorted(
        {
            (event["type"], rule_id)
            for event in events
            for rule_id in event["rule_ids"]
            if not is_registered(rule_id)
        }
    )
    assert not unregistered, f"{path.name}: events cite unregistered rules {unregistered}"
    refused = [r["rule_id"] for r in output["refusals"] if not is_registered(r["rule_id"])]
    assert not refused, f"{path.name}: refusals cite unregistered rules {refused}"


def test_a_scenario_with_an_expected_refusal_records_it_with_a_registered_rule() -> None:
    output = simulate(load_scenario(SCENARIO_DIR / "early-termination.json"))
    assert output["refusals"]
    assert all(is_registered(refusal["rule_id"]) for refusal in output["refusals"])


# --- docs ----------------------------------------------------------------------------------


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rule_lookup.markdown(), (
        f"docs/rules.md is stale: regenerate it with `{rule_lookup.REGENERATE}`"
    )


def test_the_markdown_has_one_table_row_per_rule() -> None:
    rows = [line for line in rule_lookup.markdown().splitlines() if line.startswith("| ")]
    ids = [row.split("|")[1].strip() for row in rows if row != "| ID | Article | Title |"]
    assert ids == [
        rule_id for family in Family for rule_id in RULES if family_of(rule_id) == family
    ]
