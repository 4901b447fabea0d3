"""Referrals (转介): who may receive a case of which category, where, and what a receiver may
do with a referral.

Which bodies take which cases comes from the seeds: 004 §四 sends living alone, missing,
guardians incapable or not acting, and suspected violence, abuse or injury to the police at
once; guardianship intervention (protection orders, petitions to revoke guardianship) goes
through the courts, with the procuratorate supporting petitions and legal aid for the child
(002 att. 1 item 9); placement and temporary guardianship are for the protection centre and
child welfare institutions (002 §一); rescue stations take children with nobody to look
after them or who are missing; hospitals give medical care after violence, abuse or injury
(004 §四, assessment and assistance); the mass organisations (women's federation, youth
league, disabled persons' federation, 004 and 001) and NGOs under contract (002) give
counselling, day care, tutoring and assistance; a dropout goes to the county education bureau,
the township and the school (004: persuasion to return, then a written report). The child's
county civil-affairs bureau and the township lead whatever the case, and take every category.
"""

from __future__ import annotations

from enum import StrEnum

from app.enums import CaseCategory, OrganizationKind, ReferralStatus

_EVERY = frozenset(CaseCategory)
_POLICE = frozenset(
    {
        CaseCategory.LIVING_ALONE,
        CaseCategory.MISSING,
        CaseCategory.GUARDIAN_INCAPABLE,
        CaseCategory.GUARDIAN_NEGLECT,
        CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE,
        CaseCategory.SUSPECTED_ABUSE_OR_INJURY,
    }
)
# Guardianship intervention: a protection order, a petition to revoke guardianship.
_GUARDIANSHIP = frozenset(
    {
        CaseCategory.GUARDIAN_INCAPABLE,
        CaseCategory.GUARDIAN_NEGLECT,
        CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE,
        CaseCategory.SUSPECTED_ABUSE_OR_INJURY,
    }
)
# Placement and temporary guardianship: a child who cannot stay at home.
_PLACEMENT = _GUARDIANSHIP | {CaseCategory.LIVING_ALONE}
_CARE = _EVERY - {CaseCategory.MISSING}
_DROPOUT = frozenset({CaseCategory.DROPOUT})

RECEIVES: dict[OrganizationKind, frozenset[CaseCategory]] = {
    OrganizationKind.TOWNSHIP_OFFICE: _EVERY,
    OrganizationKind.CIVIL_AFFAIRS_BUREAU: _EVERY,
    OrganizationKind.PROTECTION_CENTRE: _EVERY - _DROPOUT,
    OrganizationKind.POLICE_STATION: _POLICE,
    OrganizationKind.PROCURATORATE: _GUARDIANSHIP,
    OrganizationKind.COURT: _GUARDIANSHIP,
    OrganizationKind.LEGAL_AID: _GUARDIANSHIP,
    OrganizationKind.CHILD_WELFARE_INSTITUTION: _PLACEMENT,
    OrganizationKind.RESCUE_STATION: frozenset({CaseCategory.LIVING_ALONE, CaseCategory.MISSING}),
    OrganizationKind.HOSPITAL: frozenset(
        {CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE, CaseCategory.SUSPECTED_ABUSE_OR_INJURY}
    ),
    OrganizationKind.WOMENS_FEDERATION: _CARE,
    OrganizationKind.YOUTH_LEAGUE: _CARE,
    OrganizationKind.DISABLED_PERSONS_FEDERATION: _CARE,
    OrganizationKind.NGO: _CARE,
    OrganizationKind.EDUCATION_BUREAU: _DROPOUT,
    OrganizationKind.SCHOOL: _DROPOUT,
}
# Village committees report and follow up; the city and province, and the system, do not
# handle cases: none of them receives one.

OPEN_STATUSES = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED})


def may_receive(kind: OrganizationKind, category: CaseCategory) -> bool:
    """Whether an organization of `kind` can take a referral of a case of `category`."""
    return category in RECEIVES.get(kind, frozenset())


def in_jurisdiction(organization_area: str, case_area: str) -> bool:
    """Whether a body placed in `organization_area` serves the child of a case in
    `case_area`: it sits in an area that contains the child's village (its township, its
    county, or the city or province above). A township body of another township, and any
    body of another county, serves other children (and its staff's grants do not reach this
    one)."""
    return case_area.startswith(organization_area)


class ReferralError(Exception):
    """A referral step its status does not allow (the service refuses it, naming `status`)."""

    def __init__(self, status: ReferralStatus) -> None:
        super().__init__(status.value)
        self.status = status


class ReferralAction(StrEnum):
    """What a receiver does with a referral."""

    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"


# From which statuses each action goes, and where to: a referral is accepted or declined when
# sent; an accepted one may still be declined (the receiver finds it cannot help) or completed.
_TRANSITIONS: dict[ReferralAction, tuple[frozenset[ReferralStatus], ReferralStatus]] = {
    ReferralAction.ACCEPT: (frozenset({ReferralStatus.SENT}), ReferralStatus.ACCEPTED),
    ReferralAction.DECLINE: (OPEN_STATUSES, ReferralStatus.DECLINED),
    ReferralAction.COMPLETE: (frozenset({ReferralStatus.ACCEPTED}), ReferralStatus.COMPLETED),
}


def next_status(status: ReferralStatus, action: ReferralAction) -> ReferralStatus:
    """The status after the receiver's `action`, or ReferralError."""
    allowed, to = _TRANSITIONS[action]
    if status not in allowed:
        raise ReferralError(status)
    return to
