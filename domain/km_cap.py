"""The km cap (P-31, M-12): by fuel type, or as agreed in the Special Conditions (A-15).

Art. 2.2 lists a cap for petrol, diesel, plug-in hybrid and electric cars. A-15(d) reads the
list for the types it leaves out: a hybrid that is not charged from the grid is a petrol or
diesel car with help from a battery, so it has their cap; any other type (hydrogen, LPG, CNG)
needs the cap written into its Special Conditions, and without one the combustion cap applies
and the contract says so at conclusion (`KmCapDefaulted`), for the back office to confirm.

The Special Conditions, signed for each contract (Art. 1.1), may agree a cap for any type.
For a type that has one, Art. 2.2 says the km may "in no case" exceed it (the absolute
maximum the glossary gives it), so an agreed cap can only be lower; for the others it is the cap.
"""

from __future__ import annotations

from domain.values import FuelType

KM_CAPS: dict[FuelType, int] = {  # P-31 / M-12: the types Art. 2.2 lists
    FuelType.PETROL: 200_000,
    FuelType.DIESEL: 200_000,
    FuelType.PHEV: 200_000,
    FuelType.BEV: 140_000,
}
COMBUSTION_CAP = KM_CAPS[FuelType.PETROL]
"""Petrol and diesel share it, so a hybrid's cap does not depend on which one it burns."""
HYBRIDS = frozenset({FuelType.MILD_HYBRID, FuelType.FULL_HYBRID})
"""A-15(d): not charged from the grid, so they follow their combustion fuel."""


def km_cap(fuel: FuelType, agreed: int | None = None) -> int:
    """M-12: the cap agreed in the Special Conditions, else the fuel type's (P-31, A-15)."""
    if agreed is not None:
        return agreed
    own = own_cap(fuel)
    return COMBUSTION_CAP if own is None else own


def own_cap(fuel: FuelType) -> int | None:
    """The cap Art. 2.2 sets for the type (a hybrid's is its combustion fuel's), else None."""
    return COMBUSTION_CAP if fuel in HYBRIDS else KM_CAPS.get(fuel)


def km_cap_defaulted(fuel: FuelType, agreed: int | None = None) -> bool:
    """A-15(d): the type has no cap of its own and none was agreed, so the combustion cap is
    assumed (a warning at conclusion)."""
    return agreed is None and own_cap(fuel) is None


def km_cap_reached(odometer: int, fuel: FuelType, agreed: int | None = None) -> bool:
    """M-12: the Vehicle's odometer reached the cap (>=, A-15)."""
    return odometer >= km_cap(fuel, agreed)
