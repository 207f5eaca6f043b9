"""Settings of the lease service and the connection facts the infrastructure hands around."""

from __future__ import annotations

import functools
import socket
from dataclasses import dataclass
from datetime import date  # noqa: TC003  # pydantic needs it at runtime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresFactory
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import KmCapEndMode  # pydantic needs it at runtime
from infra.topics import TOPICS, topic_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

LOOPBACK = "127.0.0.1"
"""The only address the embedded PostgreSQL and broker listen on."""


if TYPE_CHECKING:
    _TopicNames = BaseSettings
else:
    _TopicNames = create_model(
        "_TopicNames",
        __base__=BaseSettings,
        __doc__="One field per registered topic: `<key>_topic`, env LEASE_<KEY>_TOPIC.",
        **{t.setting: (str, t.default) for t in TOPICS},
    )


class Settings(_TopicNames):
    """Where the service finds its event store and broker, and what it calls its topics."""

    model_config = SettingsConfigDict(
        env_prefix="LEASE_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    database_url: str | None = None
    """External PostgreSQL (postgresql://user:pw@host:5432/db); unset = embedded server."""
    kafka_bootstrap_servers: str | None = None
    """External Kafka bootstrap servers, comma separated; unset = embedded broker."""
    data_dir: Path = Path(".lease")
    """Local state: the embedded PostgreSQL data lives in data_dir/"pg" and survives runs."""
    pg_port: int = Field(default=0, ge=0, le=65535)
    """Port of the embedded PostgreSQL; 0 picks a free loopback port."""
    broker_port: int = Field(default=0, ge=0, le=65535)
    """Port of the embedded broker; 0 picks a free loopback port."""
    topic_partitions: int = Field(default=3, ge=1)
    """Partitions of each topic the service creates; the topics' names are the fields
    `<key>_topic` of infra/topics.py's registry (LEASE_PAYMENTS_TOPIC, ...)."""
    pool_size: int = Field(default=5, ge=1)
    """Connections per eventsourcing application pool."""
    audit_checkpoint_seconds: float = Field(default=300.0, gt=0)
    """Seconds between two published heads of the hash chain (lease.audit-checkpoints.v1)."""
    auto_dissolve_grounds: tuple[str, ...] = ()
    """K-02 Lessor policy: grounds the termination consumer dissolves on by itself
    (JSON list, e.g. LEASE_AUTO_DISSOLVE_GROUNDS='["18.3(ii)"]'); 18.3(iv) is refused (K-08)."""
    auto_suspend_grounds: tuple[str, ...] = ()
    paper_surcharge: Decimal = Field(default=Decimal("0.00"), ge=0)
    """M-36 Lessor policy: the supplement per document sent on paper at the Customer's request
    (LEASE_PAPER_SURCHARGE, EUR); the terms give no amount [GAP], so none by default."""
    """K-02 Lessor policy: grounds the termination consumer suspends the contract on."""
    km_cap_end_mode: KmCapEndMode = KmCapEndMode.BY_LAW
    """A-15(b) Lessor policy (LEASE_KM_CAP_END_MODE): BY_LAW ends a contract on the first
    reading at the km cap; LESSOR_DECISION records the cap reached for the Lessor to decide
    on (`end_on_km_cap`)."""
    business_date: date | None = None
    """Pins the workers' business clock to this date (demos, tests); unset = today in
    Brussels. The scheduler bills and the rules run on this date."""
    consumer_group_prefix: str = ""
    """Prepended to the consumer group ids (termination, payments, odometer): keeps runs
    that share a broker (tests, simulations) out of each other's groups."""
    consumer_fetch_max_wait_ms: int = Field(default=20, ge=1, le=10_000)
    """How long a consumer's fetch waits on the broker for new messages: lower is faster
    and busier when idle (BENCHMARKS.md, Pipeline: 20 beat 100 at every load measured)."""
    consumer_idle_fetch_wait_ms: int = Field(default=1000, ge=1, le=10_000)
    """That wait once a consumer saw no record for a few seconds (consumers/runner.py): an
    idle service asks the broker about once a second instead of fifty times."""
    consumer_session_timeout_ms: int = Field(default=6000, ge=1000, le=300_000)
    """How long the broker waits for a consumer's heartbeat (sent every sixth of it) before it
    hands the consumer's partitions to the others. The Tansu broker also holds a new
    member's join for half of it, so a short-lived run (`lease simulate --stack`) joins
    faster with less; a production consumer keeps the default so a busy machine does not
    cause needless rebalances."""

    api_host: str = LOOPBACK
    """Where the HTTP API listens (`lease dev`, `lease run api`)."""
    api_port: int = Field(default=8000, ge=0, le=65535)
    """Port of the HTTP API; `lease dev` takes a free one when it is taken (and prints it)."""
    api_workers: int = Field(default=1, ge=1, le=64)
    """uvicorn worker processes of `lease run api` (the app is stateless)."""
    api_jwks_url: str | None = None
    """The identity provider's JWKS URL the API verifies bearer tokens against."""
    api_public_key_file: Path | None = None
    """Or one PEM public key (RS256 or Ed25519); unset with no JWKS URL = the development
    key `lease dev` makes under the data directory."""
    api_consistency_wait_ms: int = Field(default=2000, ge=0, le=30_000)
    """How long a query with `?min_position=` waits for its read model before 503."""
    api_audience: str = "lease-lifecycle"
    """The `aud` a token must name."""
    api_issuer: str = "lease-dev"
    """The `iss` a token must name (the identity provider's issuer in production)."""

    portal_secret: SecretStr | None = None
    """The customer portal's server secret for its HMACs (authentication codes, login
    throttle); unset = a random one kept in `<data dir>/portal/` (infra/portal/secret.py)."""
    portal_dev_pages: bool = False
    """Serve /portal/dev/notifications (the notifications sent): `lease dev` only, never in
    production (LEASE_PORTAL_DEV_PAGES)."""

    lessor_name: str = "Lessor NV (set LEASE_LESSOR_NAME)"
    """Who issues the documents: printed on every invoice, debit and credit note."""
    lessor_address: str = "(set LEASE_LESSOR_ADDRESS)"
    lessor_vat: str = "(set LEASE_LESSOR_VAT)"
    lessor_iban: str = "(set LEASE_LESSOR_IBAN)"
    """The account customers pay to, printed with the structured communication."""

    def lessor_policy(self) -> LessorPolicy:
        """The Lessor policy (K-02) these settings give; K-08 refuses legal-review grounds."""
        return LessorPolicy(
            auto_dissolve_grounds=self.auto_dissolve_grounds,
            auto_suspend_grounds=self.auto_suspend_grounds,
            paper_surcharge=Money.of(self.paper_surcharge),
            km_cap_end_mode=self.km_cap_end_mode,
        )

    def topic(self, key: str) -> str:
        """The name of the topic registered under `key` (infra/topics.py), e.g. "payments"."""
        name: str = getattr(self, topic_spec(key).setting)
        return name

    def all_topics(self) -> list[str]:
        """Every topic the service produces to or consumes from."""
        return [self.topic(t.key) for t in TOPICS]

    def with_topics(self, names: Mapping[str, str], **update: Any) -> Settings:
        """A copy naming the topics `names` (topic key -> name) and with `update`'s values."""
        fields = {topic_spec(key).setting: name for key, name in names.items()}
        return self.model_copy(update=fields | update)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment (and .env) on first use."""
    return Settings()


@dataclass(frozen=True)
class PostgresInfo:
    """How to reach one PostgreSQL database."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PostgresInfo:
        """Parse an external database URL such as postgresql://user:pw@host:5432/db."""
        if url.startswith("postgresql+psycopg://"):
            url = "postgresql://" + url.removeprefix("postgresql+psycopg://")
        try:
            params = conninfo_to_dict(url)
        except psycopg.ProgrammingError as err:
            raise ValueError(f"database URL is not valid: {err}") from err
        host = params.get("host")
        if not host:
            raise ValueError("database URL has no host")
        user = params.get("user") or "postgres"
        return cls(
            host=str(host),
            port=int(params.get("port") or 5432),
            user=str(user),
            password=str(params.get("password") or ""),
            dbname=str(params.get("dbname") or user),
        )

    @property
    def dsn(self) -> str:
        """The libpq/psycopg connection URL."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{credentials}@{host}:{self.port}/{quote(self.dbname, safe='')}"

    def eventsourcing_env(self, *, schema: str | None = None, pool_size: int = 5) -> dict[str, str]:
        """The env mapping an eventsourcing Application needs to store its events here."""
        env = {
            # eventsourcing.postgres, its snapshot tables created one process at a time.
            InfrastructureFactory.PERSISTENCE_MODULE: PERSISTENCE_TOPIC,
            PostgresFactory.POSTGRES_DBNAME: self.dbname,
            PostgresFactory.POSTGRES_HOST: self.host,
            PostgresFactory.POSTGRES_PORT: str(self.port),
            PostgresFactory.POSTGRES_USER: self.user,
            PostgresFactory.POSTGRES_PASSWORD: self.password,
            PostgresFactory.POSTGRES_POOL_SIZE: str(pool_size),
            PostgresFactory.CREATE_TABLE: "y",
            # Stored functions stay off: 9.5.6's insert function takes no table lock (readers
            # could pass over gaps) and skips `_insert_events` (where tracking is written).
            PostgresFactory.POSTGRES_ENABLE_DB_FUNCTIONS: "n",
            # The library's recorder with its insert sent in one round trip (infra/recorder.py).
            InfrastructureFactory.APPLICATION_RECORDER_TOPIC: ONE_TRIP_RECORDER_TOPIC,
            # The consumers' tracked saves: refusing events too large to publish (issue 9).
            InfrastructureFactory.PROCESS_RECORDER_TOPIC: PROCESS_RECORDER_TOPIC,
        }
        if schema is not None:
            env[PostgresFactory.POSTGRES_SCHEMA] = schema
        return env


ONE_TRIP_RECORDER_TOPIC = "infra.recorder:OneTripApplicationRecorder"
PERSISTENCE_TOPIC = "infra.recorder:Factory"
PROCESS_RECORDER_TOPIC = "infra.tracked_recorder:PublishableProcessRecorder"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server already listens on host:port.

    SO_REUSEADDR mirrors what PostgreSQL and the broker set, so sockets of a
    just-stopped server lingering in TIME_WAIT do not count as "in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False
