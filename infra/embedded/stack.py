"""The infrastructure of one process: PostgreSQL and a Kafka broker, embedded or external."""

from __future__ import annotations

import logging
from typing import Self

from kafka.errors import KafkaError

from infra.embedded.broker import EmbeddedBroker
from infra.embedded.postgres import EmbeddedPostgres, PostgresStartError
from infra.embedded.postgres import wait_until_ready as wait_for_postgres
from infra.kafka import BrokerStartError, create_topics
from infra.kafka import wait_until_ready as wait_for_kafka
from infra.settings import PostgresInfo, Settings, free_port, get_settings

__all__ = ["Stack", "StackStartError", "free_port"]

logger = logging.getLogger(__name__)


class StackStartError(RuntimeError):
    """PostgreSQL or the broker could not be started or reached; the message is one line."""


class Stack:
    """PostgreSQL and the broker for the service: external ones when configured, else embedded.

    `close()` stops only what this stack started.
    """

    def __init__(self, settings: Settings | None = None, *, ready_timeout: float = 30.0) -> None:
        self.settings = settings if settings is not None else get_settings()
        self.ready_timeout = ready_timeout
        self._postgres: PostgresInfo | None = None
        self._bootstrap_servers: str | None = None
        self._embedded_pg: EmbeddedPostgres | None = None
        self._embedded_broker: EmbeddedBroker | None = None

    @property
    def postgres(self) -> PostgresInfo:
        """Connection facts of the application database."""
        if self._postgres is None:
            raise RuntimeError("stack is not started")
        return self._postgres

    @property
    def bootstrap_servers(self) -> str:
        """Kafka bootstrap servers, comma separated."""
        if self._bootstrap_servers is None:
            raise RuntimeError("stack is not started")
        return self._bootstrap_servers

    @property
    def embedded_postgres(self) -> bool:
        """Whether this stack runs its own PostgreSQL (no LEASE_DATABASE_URL)."""
        return self._embedded_pg is not None

    @property
    def embedded_broker(self) -> bool:
        """Whether this stack runs its own broker (no LEASE_KAFKA_BOOTSTRAP_SERVERS)."""
        return self._embedded_broker is not None

    @property
    def broker(self) -> EmbeddedBroker | None:
        """The embedded broker, for restarting it in tests and in `lease dev`."""
        return self._embedded_broker

    def eventsourcing_env(self, *, schema: str | None = None) -> dict[str, str]:
        """The eventsourcing env for the application database, pool sized from settings."""
        return self.postgres.eventsourcing_env(schema=schema, pool_size=self.settings.pool_size)

    def start(self) -> Self:
        """Start or reach PostgreSQL and the broker, then create the service's topics."""
        if self._postgres is not None:
            return self
        try:
            self._postgres = self._start_postgres()
            self._bootstrap_servers = self._start_broker()
            create_topics(
                self._bootstrap_servers,
                self.settings.all_topics(),
                self.settings.topic_partitions,
            )
        except (PostgresStartError, BrokerStartError) as err:
            self.close()
            raise StackStartError(str(err)) from err
        except KafkaError as err:
            self.close()
            raise StackStartError(
                f"could not create topics on {self._bootstrap_servers}: {type(err).__name__}"
            ) from err
        return self

    def close(self) -> None:
        """Stop the embedded broker and PostgreSQL, if this stack started them."""
        if self._embedded_broker is not None:
            self._embedded_broker.stop()
            self._embedded_broker = None
        if self._embedded_pg is not None:
            self._embedded_pg.stop()
            self._embedded_pg = None
        self._postgres = None
        self._bootstrap_servers = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start_postgres(self) -> PostgresInfo:
        url = self.settings.database_url
        if url:
            try:
                info = PostgresInfo.from_url(url)
            except ValueError as err:
                raise StackStartError(f"LEASE_DATABASE_URL is not usable: {err}") from err
            wait_for_postgres(info, self.ready_timeout)
            logger.info("using external PostgreSQL at %s:%d/%s", info.host, info.port, info.dbname)
            return info
        pg_dir = self.settings.data_dir / "pg"
        self._embedded_pg = EmbeddedPostgres(
            pg_dir, self.settings.pg_port, start_timeout=self.ready_timeout
        )
        return self._embedded_pg.start()

    def _start_broker(self) -> str:
        bootstrap = self.settings.kafka_bootstrap_servers
        if bootstrap:
            wait_for_kafka(bootstrap, self.ready_timeout)
            logger.info("using external Kafka at %s", bootstrap)
            return bootstrap
        self._embedded_broker = EmbeddedBroker(
            self.settings.broker_port,
            log_dir=self.settings.data_dir,
            start_timeout=self.ready_timeout,
        )
        return self._embedded_broker.start()
