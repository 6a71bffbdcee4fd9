"""What the contribution tests share: a month's budget and an adopted scheme, made through the
services, and governance rows for adoption by a decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from community.money.models import Budget, ContributionScheme
from community.money.services.budgets import budget_set
from community.money.services.schemes import scheme_adopt, scheme_create
from members.models import HousingProject

JAN_2025 = dt.date(2025, 1, 1)
JUNE = dt.date(2025, 6, 1)  # 30 days
JULY = dt.date(2025, 7, 1)


def set_budget(project: HousingProject, month: dt.date = JUNE, *amounts: int) -> Budget:
    """A budget with one loan line per amount (300 000 cents by default)."""
    return budget_set(
        project=project,
        month=month,
        lines=[
            {"category": "loan", "label": f"Line {index}", "amount_cents": amount}
            for index, amount in enumerate(amounts or (300_000,))
        ],
    )


def adopted_scheme(
    project: HousingProject,
    method: str = "flat",
    parameters: Mapping | None = None,
    valid_from: dt.date = JAN_2025,
    valid_to: dt.date | None = None,
    name: str = "Scheme",
) -> ContributionScheme:
    scheme = scheme_create(
        project=project,
        name=name,
        method=method,
        parameters={"basis": "equal"} if parameters is None and method == "flat" else parameters,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return scheme_adopt(scheme=scheme)


def proposal_and_decision(project: HousingProject, *, passed: bool = True):
    """A closed proposal of the project and its decision (governance rows, made directly)."""
    from governance.models import Decision, DecisionClass, Proposal, ProposalStatus

    decision_class, _ = DecisionClass.objects.get_or_create(
        project=project,
        name="Contributions",
        defaults={"method": "yes_no", "electorate": "household"},
    )
    now = timezone.now()
    proposal = Proposal.objects.create(
        project=project,
        decision_class=decision_class,
        title="Adopt the solidarity scheme",
        text="…",
        opens_at=now - dt.timedelta(days=8),
        closes_at=now - dt.timedelta(days=1),
        status=ProposalStatus.OPEN,
    )

    def decide() -> Decision:
        proposal.status = ProposalStatus.CLOSED
        proposal.save(update_fields=["status"])
        return Decision.objects.create(
            proposal=proposal,
            project=project,
            tally={"yes": 5, "no": 1},
            rules={},
            electorate_size=8,
            turnout="0.7500",
            quorum_met=True,
            passed=passed,
        )

    return proposal, decide
