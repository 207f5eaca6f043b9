"""Outbox relay throughput beside a bare kafka-python producer sending the same messages.

    python bench/relay.py [--events 50000] [--rounds 3] [--quick]

Starts the embedded PostgreSQL and broker in a temporary directory (or uses
LEASE_DATABASE_URL / LEASE_KAFKA_BOOTSTRAP_SERVERS) and puts the event store in a fresh
schema. Generation (not timed): contracts are set up and driven by the command mix of
bench/commands.py (monthly billing, payments, odometer reports) in an in-memory
ContractsApplication; their stored events go into PostgreSQL in large transactions.

Then, in alternating rounds on fresh topics of the same broker:
- bare: one KafkaProducer with the relay's settings (acks=all, idempotence, linger, batch
  size) sends the very messages the relay sends (key, envelope value, headers - built
  beforehand, not timed), then flushes. Producer construction to flush.
- relay: `KafkaRelay.catch_up()` from position zero as `build_relay` makes it: a child
  process reads and encodes each batch while the relay sends the previous one, waits for
  every batch's acknowledgements and records the tracking (the broker check and the child's
  start are done before the clock starts).
- inline: the same relay reading and encoding in its own thread (`child_process=False`).
The headline is the relay's events/s over the bare producer's, the median of the rounds'
ratios (issue 4 target: >= 0.8x).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/relay.py` from a checkout
    sys.path.insert(0, str(ROOT))

from kafka import KafkaProducer  # noqa: E402

from bench.commands import Mix, database, fresh_schema, set_up  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from infra.embedded.broker import EmbeddedBroker  # noqa: E402
from infra.kafka import cluster_id, create_topics  # noqa: E402
from infra.relay.outbox import KafkaRelay, RelayConfig, producer_settings  # noqa: E402
from infra.relay.reader import ProcessReader  # noqa: E402
from infra.relay.tracking import BrokerState, relay_tracking  # noqa: E402
from infra.schemas.envelope import message  # noqa: E402
from infra.settings import Settings  # noqa: E402
from infra.simulate.in_process import IN_MEMORY_ENV  # noqa: E402

if TYPE_CHECKING:
    from infra.schemas.envelope import Message
    from infra.settings import PostgresInfo

TARGET_RATIO = 0.8
"""Issue 4: the relay publishes at >= 0.8x the rate of a bare producer."""
EVENTS_PER_CONTRACT = 60
STORE_CHUNK = 5_000
PARTITIONS = 3


def generate(target: int, rng: random.Random) -> ContractsApplication:
    """An in-memory application holding about `target` events of lived contracts."""
    app = ContractsApplication(env=IN_MEMORY_ENV)
    mix = Mix(set_up(app, max(10, target // EVENTS_PER_CONTRACT), rng), rng)
    while (app.recorder.max_notification_id() or 0) < target:
        for _ in range(200):
            with suppress(ContractError):  # a refused command changes nothing
                mix.next_command(app)()
    return app


def store(source: ContractsApplication, target: ContractsApplication) -> int:
    """Copy the source's stored events, in order, into the target's recorder."""
    start, count = 1, 0
    while notifications := source.recorder.select_notifications(start, STORE_CHUNK):
        target.recorder.insert_events(notifications)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count


def messages(app: ContractsApplication) -> tuple[list[Message], float]:
    """The messages the relay sends for every stored event (built the relay's way, in its
    batches), and the seconds that reading and encoding took: the relay's own work."""
    out: list[Message] = []
    start, started = 1, time.perf_counter()
    while notifications := app.recorder.select_notifications(start, RelayConfig.batch_size):
        out.extend(message(n, app.mapper) for n in notifications)
        start = notifications[-1].id + 1
    return out, time.perf_counter() - started


def fresh_topic(bootstrap: str, label: str) -> str:
    topic = f"bench.relay.{label}.{secrets.token_hex(3)}"
    create_topics(bootstrap, [topic], PARTITIONS)
    return topic


def bare(bootstrap: str, config: RelayConfig, batch: list[Message]) -> float:
    """Seconds for a bare producer to send and flush the messages; checks they all landed."""
    topic = fresh_topic(bootstrap, "bare")
    started = time.perf_counter()
    producer = KafkaProducer(bootstrap_servers=bootstrap, **producer_settings(config))
    futures = [producer.send(topic, value=v, key=k, headers=h) for k, v, h in batch]
    producer.flush(config.ack_timeout)
    seconds = time.perf_counter() - started
    producer.close()
    failed = [f for f in futures if not f.succeeded()]
    assert not failed, f"{len(failed)} messages not acknowledged"
    return seconds


def relay(
    app: ContractsApplication, env: dict[str, str], bootstrap: str, events: int, *, child: bool
) -> float:
    """Seconds for a relay at position zero to publish the whole log."""
    config = RelayConfig(topic=fresh_topic(bootstrap, "relay"), partitions=PARTITIONS)
    tracking = relay_tracking(env)
    tracking.reset(app.name, BrokerState(config.topic, cluster_id(bootstrap), 0))
    reader = ProcessReader(type(app), env, config.batch_size) if child else None
    with KafkaRelay(app, tracking, bootstrap, config, reader) as publisher:
        publisher.check_broker()
        publisher.reader.request(0)  # the child has started and opened the event store
        publisher.reader.receive()
        started = time.perf_counter()
        sent = publisher.catch_up()
        seconds = time.perf_counter() - started
    assert sent == events, f"relay sent {sent} of {events}"
    return seconds


def rate_line(label: str, count: int, seconds: list[float]) -> str:
    rates = ", ".join(f"{count / s:,.0f}" for s in seconds)
    return f"  {label:<6} {count / statistics.median(seconds):>9,.0f} events/s  (rounds: {rates})"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="3,000 events, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.rounds = 3_000, 1
    return args


def bootstrap_servers(stack: ExitStack, data_root: Path) -> str:
    external = Settings().kafka_bootstrap_servers
    if external:
        return external
    return stack.enter_context(EmbeddedBroker(log_dir=data_root)).bootstrap_servers


def run(args: argparse.Namespace, info: PostgresInfo, schema: str, bootstrap: str) -> int:
    started = time.perf_counter()
    env = info.eventsourcing_env(schema=schema)
    target = ContractsApplication(env=env)
    events = store(generate(args.events, random.Random(args.seed)), target)
    batch, encoding = messages(target)
    size = sum(len(v) for _, v, _ in batch) / len(batch)
    print(f"  generated and stored {events:,} events in {time.perf_counter() - started:.1f} s")
    print(f"  messages: {size:.0f} bytes of envelope on average, {PARTITIONS} partitions")
    each = encoding / events * 1e6
    print(f"  read + encode alone: {events / encoding:,.0f} events/s, {each:.1f} us each")
    bare_s: list[float] = []
    sides: dict[str, list[float]] = {"relay": [], "inline": []}
    for _ in range(args.rounds):
        bare_s.append(bare(bootstrap, RelayConfig(), batch))
        sides["relay"].append(relay(target, env, bootstrap, events, child=True))
        sides["inline"].append(relay(target, env, bootstrap, events, child=False))
    target.close()
    report(events, bare_s, sides)
    return 0


def report(events: int, bare_s: list[float], sides: dict[str, list[float]]) -> None:
    print(rate_line("bare", events, bare_s))
    ratios = {}
    for label, seconds in sides.items():
        print(rate_line(label, events, seconds))
        paired = [b / r for b, r in zip(bare_s, seconds, strict=True)]
        ratios[label] = statistics.median(paired)
        rounds = ", ".join(f"{p:.2f}" for p in paired)
        print(f"  {label}/bare {ratios[label]:.2f}x, median of rounds ({rounds})")
    verdict = "meets" if ratios["relay"] >= TARGET_RATIO else "misses"
    print(f"  headline: relay {ratios['relay']:.2f}x bare ({verdict} the {TARGET_RATIO}x target)")
    print(f"  load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"bench/relay.py: {args.events:,} events, {args.rounds} round(s), "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    with ExitStack() as stack:
        data_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lease-bench-")))
        info, _ = stack.enter_context(database(data_root))
        schema = stack.enter_context(fresh_schema(info))
        return run(args, info, schema, bootstrap_servers(stack, data_root))


if __name__ == "__main__":
    sys.exit(main())
