"""The service's topics (DESIGN 6): one entry each, and everything about a topic follows from it.

`TOPICS` drives the settings (`<key>_topic`, env `LEASE_<KEY>_TOPIC`, and `all_topics()`),
the topics `lease dev` creates, the published JSON Schemas and the AsyncAPI document
(infra/schemas/), and the topics of a `lease simulate --stack` run. Which worker reads or
writes a topic is said by the worker registry (infra/workers.py, `WORKERS`).

Adding a topic: one `TopicSpec` here, the consumer module that reads it (with the message
dataclass beside its parser) and, for a new consumer group, a `WorkerSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from consumers import external_agreements, odometer_readings, payments
from consumers.dead_letters import DeadLetter
from consumers.termination import DeadlineReached
from infra.audit.checkpoints import AuditCheckpoint
from infra.portal.notifications import Notification

if TYPE_CHECKING:
    from collections.abc import Mapping

    from consumers.base import Handler


@dataclass(frozen=True)
class MessageKey:
    """What a topic's Kafka message key holds (a string)."""

    description: str
    format: str | None = None
    """A JSON Schema string format, e.g. uuid."""

    def schema(self) -> dict[str, Any]:
        """The key's JSON Schema."""
        formatted = {"format": self.format} if self.format is not None else {}
        return {"type": "string", **formatted, "description": self.description}


CONTRACT_ID_KEY = MessageKey("The contract id", format="uuid")
CONTRACT_KEY = MessageKey("The contract id or number")
CUSTOMER_KEY = MessageKey("The customer number")


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its names, its wire contract and how the service takes part in it."""

    key: str
    """The topic's name in the code: settings field `<key>_topic`, env `LEASE_<KEY>_TOPIC`."""
    default: str
    """The topic's default name, `lease.<slug>.v<N>`."""
    action: Literal["send", "receive", "both"]
    """What the service does on the topic, as the AsyncAPI document publishes it."""
    description: str
    """The AsyncAPI channel's description."""
    message: type[Any] | None
    """The message dataclass (its published schema); None: the contract events, one schema
    per event type (infra/schemas/envelope.py)."""
    message_key: MessageKey = CONTRACT_KEY
    """What the Kafka message key holds."""
    handler: Handler | None = None
    """How a consumer group applies one message, for a topic read by a plain feed worker
    (None: nobody, or a worker that brings its own handler, like termination)."""

    @property
    def setting(self) -> str:
        """The Settings field that names the topic (env LEASE_<KEY>_TOPIC)."""
        return f"{self.key}_topic"

    @property
    def slug(self) -> str:
        """`payments` of `lease.payments.v1`: the schema folder, the simulation topic suffix."""
        return self.default.removeprefix("lease.").rpartition(".v")[0]

    @property
    def channel(self) -> str:
        """The AsyncAPI channel id: the slug in camelCase (`odometerReadings`)."""
        head, *rest = self.slug.split("-")
        return head + "".join(word.capitalize() for word in rest)


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        key="contract_events",
        default="lease.contract-events.v1",
        action="send",
        description="Every contract event, in order",
        message=None,
        message_key=CONTRACT_ID_KEY,
    ),
    TopicSpec(
        key="deadlines",
        default="lease.deadlines.v1",
        action="both",
        description="Deadlines fallen due",
        message=DeadlineReached,
        message_key=CONTRACT_ID_KEY,
    ),
    TopicSpec(
        key="payments",
        default="lease.payments.v1",
        action="receive",
        description="Payments from the bank",
        message=payments.BankPayment,
        handler=payments.handle,
    ),
    TopicSpec(
        key="odometer",
        default="lease.odometer-readings.v1",
        action="receive",
        description="Readings",
        message=odometer_readings.OdometerReading,
        handler=odometer_readings.handle,
    ),
    TopicSpec(
        key="dead_letter",
        default="lease.dead-letter.v1",
        action="send",
        description="Messages not handled",
        message=DeadLetter,
    ),
    TopicSpec(
        key="notifications",
        default="lease.notifications.v1",
        action="send",
        description="SMS and e-mail for the Lessor's notification service (customer portal)",
        message=Notification,
        message_key=CUSTOMER_KEY,
    ),
    TopicSpec(
        key="external_agreements",
        default="lease.external-agreements.v1",
        action="receive",
        description="Financing and lease agreements of the Lessor's other systems",
        message=external_agreements.ExternalAgreementMessage,
        message_key=CUSTOMER_KEY,
    ),
    TopicSpec(
        key="audit_checkpoints",
        default="lease.audit-checkpoints.v1",
        action="send",
        description="Heads of the hash chain over the stored events, for auditors",
        message=AuditCheckpoint,
        message_key=MessageKey("The events table and the checkpoint id, `table:id`"),
    ),
)
"""Every topic the service produces to or consumes from, in the order they are published."""

TOPIC_BY_KEY: Mapping[str, TopicSpec] = MappingProxyType({t.key: t for t in TOPICS})


def topic_spec(key: str) -> TopicSpec:
    """The topic registered under `key`; KeyError names the known ones."""
    try:
        return TOPIC_BY_KEY[key]
    except KeyError:
        raise KeyError(f"no topic {key!r}; topics are {', '.join(TOPIC_BY_KEY)}") from None
