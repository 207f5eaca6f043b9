"""`GET /v1/rules/{rule_id}`: a rule of the catalogue, its title and article (API.md 4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from api.deps import Staff
from api.problems import ProblemError
from domain.catalogue import UnknownRuleError, lookup

router = APIRouter(prefix="/v1/rules", tags=["rules"])

RULE_ID = r"^(?:(?:PT|PX|G|P|L|O|M|D|K|A)-[0-9]{2}|T-[0-9]{1,2}\.[0-9]{1,2}(?:-(?:[ivx]{1,5}|S))?)$"
"""A rule ID as the catalogue writes it (`M-03`, `T-18.3-ii`)."""


class Rule(BaseModel):
    """One entry of the rule registry."""

    rule_id: str
    title: str
    article: str
    family: str


@router.get("/{rule_id}", summary="One rule of the catalogue")
def get_rule(
    rule_id: Annotated[str, Path(max_length=24, pattern=RULE_ID, examples=["M-03"])],
    _: Staff,
) -> Rule:
    try:
        entry = lookup(rule_id)
    except UnknownRuleError:
        raise ProblemError(404, f"no rule {rule_id} in the catalogue") from None
    return Rule(
        rule_id=entry.rule_id, title=entry.title, article=entry.article, family=entry.family.name
    )
