"""The bytes stored for the pinned scenarios' commands do not change (issue 14).

The command path is tuned for speed (the transcoder, event construction); what it stores
must stay byte for byte what it was, so that readers of the store, the audit hash chain and
older code agree. Each scenario of tests/scenarios is lived in memory, and every stored event
and snapshot (topic, id, version, state) is hashed, with the wall-clock timestamps masked:
they are the only part that differs from run to run. The digests in stored_bytes.json were
taken before the change; regenerate them (`python -m tests.unit.test_stored_bytes`) only for
a deliberate change of the stored format, which also needs an upcast (STYLE, DESIGN 4).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from domain.application import ContractsApplication
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario

HERE = Path(__file__).parent
PINNED = HERE / "stored_bytes.json"
SCENARIOS = sorted(
    p for p in (HERE.parent / "scenarios").glob("*.json") if not p.name.endswith(".expected.json")
)
WALL_CLOCK = re.compile(rb'\{"_type_":"datetime_iso","_data_":"[^"]*"\}')
"""The library's event timestamps and an aggregate's created/modified times: wall clock."""


def stored_digest(path: Path) -> str:
    """SHA-256 of every event, then every snapshot, the scenario stored, timestamps masked."""
    app = ContractsApplication(env=IN_MEMORY_ENV)
    simulate(load_scenario(path), app)
    events = app.recorder.select_notifications(start=1, limit=1_000_000)
    assert app.snapshots is not None
    originators = dict.fromkeys(stored.originator_id for stored in events)
    snapshots = [s for i in originators for s in app.snapshots.recorder.select_events(i)]
    digest = hashlib.sha256()
    for stored in [*events, *snapshots]:
        head = f"{stored.originator_id}|{stored.originator_version}|{stored.topic}|"
        digest.update(head.encode() + WALL_CLOCK.sub(b"<wall clock>", stored.state) + b"\n")
    assert events, path.name
    return digest.hexdigest()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_stored_events_and_snapshots_are_byte_identical(path: Path) -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert stored_digest(path) == pinned[path.stem]


def test_every_scenario_is_pinned() -> None:
    assert set(json.loads(PINNED.read_text(encoding="utf-8"))) == {p.stem for p in SCENARIOS}


if __name__ == "__main__":  # regenerate the digests (a deliberate change of the format only)
    digests = {p.stem: stored_digest(p) for p in SCENARIOS}
    PINNED.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"pinned {len(digests)} scenarios in {PINNED}\n")
