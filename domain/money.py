"""Money in EUR: Decimal amounts, lines rounded half-up to cents (RULES 0.5, A-34)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

CENT = Decimal("0.01")
ZERO = Decimal(0)


def check_amount(amount: object) -> None:
    """What an amount of Money must be: a finite Decimal."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money.amount must be Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError("Money.amount must be finite")


def round2(value: Decimal) -> Decimal:
    """Round a charge or credit line to cents, half away from zero (RULES 0.5)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of euro. Arithmetic keeps full precision; `rounded()` makes a line."""

    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        check_amount(self.amount)
        if self.currency != "EUR":
            raise ValueError(f"Money.currency must be EUR, got {self.currency!r}")

    @classmethod
    def of(cls, value: str | int | Decimal) -> Money:
        """Money from a decimal string, an int or a Decimal (never a float)."""
        if isinstance(value, float):  # pragma: no cover - defensive, typed out
            raise TypeError("Money never comes from a float")
        return cls(Decimal(value))

    @classmethod
    def zero(cls) -> Money:
        return cls(ZERO)

    def rounded(self) -> Money:
        return _exact(round2(self.amount))

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money:
            self._check(other)
        return _exact(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money:
            self._check(other)
        return _exact(self.amount - other.amount)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, Money | float):
            raise TypeError("Money can only be multiplied by a Decimal or int")
        return Money(self.amount * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return _exact(-self.amount)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    @property
    def is_zero(self) -> bool:
        return self.amount == ZERO

    @property
    def is_positive(self) -> bool:
        return self.amount > ZERO

    def __str__(self) -> str:
        """The decimal string used on the wire and in scenario output, e.g. '419.35'."""
        return f"{round2(self.amount):f}"


def money_min(a: Money, b: Money) -> Money:
    return min(a, b)


def money_max(a: Money, b: Money) -> Money:
    return max(a, b)


_SET_AMOUNT: Callable[[Money, Decimal], None] = Money.__dict__["amount"].__set__
_SET_CURRENCY: Callable[[Money, str], None] = Money.__dict__["currency"].__set__


def _exact(amount: Decimal) -> Money:
    """The Money of a Decimal that arithmetic on Money gave, built without `__post_init__`:
    it is a Decimal, finite (the default context raises on an overflow) and in EUR, since
    both operands were. Half the cost of `Money(...)`, which sums over a ledger pay for."""
    money = object.__new__(Money)
    _SET_AMOUNT(money, amount)
    _SET_CURRENCY(money, "EUR")
    return money


def parsed(text: str) -> Money:
    """The Money a decimal string stands for (a stored amount), checked as `Money(...)` checks
    it but built as arithmetic builds its results: a snapshot's documents hold a hundred."""
    amount = Decimal(text)
    if not amount.is_finite():
        check_amount(amount)  # raises
    return _exact(amount)


def total(items: list[Money] | tuple[Money, ...]) -> Money:
    """Sum of Money lines (an empty sum is zero): the same additions, in the same order, as
    adding the lines one by one, without a Money for each partial sum."""
    amount = ZERO
    for item in items:
        if type(item) is not Money:
            Money.zero()._check(item)  # raises, naming the type
        amount = amount + item.amount
    return _exact(amount)
