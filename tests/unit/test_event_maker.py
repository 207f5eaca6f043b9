"""`event_maker` makes every contract event as calling its class does (base_events.py)."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any, cast
from uuid import uuid4

import pytest

import domain
from domain.contract.base_events import ContractConcluded, ContractEvent, event_maker


def event_classes() -> list[type[ContractEvent]]:
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    found: list[type[ContractEvent]] = []
    pending = [ContractEvent]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            found.append(sub)
    return sorted(set(found) - {ContractConcluded}, key=lambda cls: cls.__qualname__)


CLASSES = event_classes()


def arguments(cls: type[ContractEvent], *, with_defaults: bool) -> dict[str, Any]:
    """A distinct value for each field (a UUID for the originator): what the constructor
    copies, whatever its type."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        has_default = f.default is not dataclasses.MISSING
        if not with_defaults and (has_default or f.default_factory is not dataclasses.MISSING):
            continue
        values[f.name] = uuid4() if f.name == "originator_id" else object()
    return values


def test_every_contract_event_is_found() -> None:
    assert len(CLASSES) > 100
    assert {"InstalmentInvoiced", "PaymentReceived", "OdometerReported"} <= {
        cls.__name__ for cls in CLASSES
    }


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_made_as_the_class_makes_it(cls: type[ContractEvent]) -> None:
    for with_defaults in (True, False):
        given = arguments(cls, with_defaults=with_defaults)
        made, called = event_maker(cls)(**given), cls(**given)
        assert type(made) is cls
        assert list(vars(made).items()) == list(vars(called).items())  # values and key order
        assert made == called


def test_a_default_factory_makes_a_new_value_each_time() -> None:
    with_factory = [
        (cls, f.name)
        for cls in CLASSES
        for f in dataclasses.fields(cls)
        if f.default_factory is not dataclasses.MISSING
    ]
    assert with_factory
    for cls, name in with_factory:
        given = arguments(cls, with_defaults=False)
        first, second = event_maker(cls)(**given), event_maker(cls)(**given)
        assert getattr(first, name) == getattr(cls(**given), name)
        assert getattr(first, name) is not getattr(second, name)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_refused_as_the_class_refuses(cls: type[ContractEvent]) -> None:
    make, given = event_maker(cls), arguments(cls, with_defaults=True)
    missing = dict(given)
    del missing["causation_id"]
    for wrong in (missing, {**given, "not_a_field": 1}, {**given, "originator_id": "C-1"}):
        with pytest.raises(TypeError):
            cls(**wrong)
        with pytest.raises(TypeError):
            make(**wrong)


def test_keyword_only_fields_are_refused_by_position() -> None:
    cls = next(c for c in CLASSES if any(f.kw_only for f in dataclasses.fields(c)))
    positional = [
        arguments(cls, with_defaults=False)[f.name]
        for f in dataclasses.fields(cls)
        if not f.kw_only
    ]
    extra = object()
    with pytest.raises(TypeError):
        cast("Any", cls)(*positional, extra)
    with pytest.raises(TypeError):
        event_maker(cls)(*positional, extra)


def test_a_field_named_like_the_makers_own_names_is_made() -> None:
    @dataclasses.dataclass(frozen=True)
    class Odd:  # not a ContractEvent: it would register its topic for every later test
        cls: str
        event: str
        new: str
        make: str = "d"

    given = {"cls": "a", "event": "b", "new": "c"}
    assert vars(event_maker(Odd)(**given)) == vars(Odd(**given))
    assert vars(event_maker(Odd)(**given, make="e")) == vars(Odd(**given, make="e"))


def test_a_field_named_like_the_makers_hidden_names_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Shadowing:
        _m_put: str

    with pytest.raises(TypeError, match="_m_put"):
        event_maker(Shadowing)
