"""Referrals: which body may receive which case, where, and how a receiver answers."""

from __future__ import annotations

import pytest

from app.domain.referrals import (
    ReferralAction,
    ReferralError,
    in_jurisdiction,
    may_receive,
    next_status,
)
from app.enums import CaseCategory, OrganizationKind, ReferralStatus

K = OrganizationKind
# Columns of the table, in this order (written out rather than taken from the enum).
ALONE, MISSING, INCAPABLE, NEGLECT, VIOLENCE, ABUSE, DROPOUT, OTHER = (
    CaseCategory.LIVING_ALONE,
    CaseCategory.MISSING,
    CaseCategory.GUARDIAN_INCAPABLE,
    CaseCategory.GUARDIAN_NEGLECT,
    CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE,
    CaseCategory.SUSPECTED_ABUSE_OR_INJURY,
    CaseCategory.DROPOUT,
    CaseCategory.OTHER,
)
COLUMNS = (ALONE, MISSING, INCAPABLE, NEGLECT, VIOLENCE, ABUSE, DROPOUT, OTHER)
# kind → may it receive a case of each column's category (1) or not (0).
TABLE = {
    K.TOWNSHIP_OFFICE:             "11111111",
    K.CIVIL_AFFAIRS_BUREAU:        "11111111",
    K.PROTECTION_CENTRE:           "11111101",
    K.POLICE_STATION:              "11111100",
    K.PROCURATORATE:               "00111100",
    K.COURT:                       "00111100",
    K.LEGAL_AID:                   "00111100",
    K.CHILD_WELFARE_INSTITUTION:   "10111100",
    K.RESCUE_STATION:              "11000000",
    K.HOSPITAL:                    "00001100",
    K.WOMENS_FEDERATION:           "10111111",
    K.YOUTH_LEAGUE:                "10111111",
    K.DISABLED_PERSONS_FEDERATION: "10111111",
    K.NGO:                         "10111111",
    K.EDUCATION_BUREAU:            "00000010",
    K.SCHOOL:                      "00000010",
    K.VILLAGE_COMMITTEE:           "00000000",
    K.CITY_CIVIL_AFFAIRS:          "00000000",
    K.PROVINCE_CIVIL_AFFAIRS:      "00000000",
    K.SYSTEM:                      "00000000",
}  # fmt: skip


def test_the_table_covers_every_kind() -> None:
    assert set(TABLE) == set(OrganizationKind)
    assert set(COLUMNS) == set(CaseCategory)


@pytest.mark.parametrize("kind", list(TABLE))
def test_who_may_receive_what(kind: OrganizationKind) -> None:
    got = "".join("1" if may_receive(kind, category) else "0" for category in COLUMNS)
    assert got == TABLE[kind], kind


CASE = "420702100201"  # a village of 梁子湖区, township 太和镇


@pytest.mark.parametrize(
    ("organization_area", "expected"),
    [
        ("42", True),  # the province
        ("4207", True),  # the city: its court, its welfare institution
        ("420702", True),  # the child's county
        ("420702100", True),  # the child's township: its police station, its school
        ("420702100201", True),  # the child's village
        ("420702101", False),  # another township of the county
        ("420703", False),  # another county of the city
        ("420703100", False),  # a police station of another county
        ("4208", False),  # another city
        ("43", False),  # another province
    ],
)
def test_jurisdiction(organization_area: str, expected: bool) -> None:
    assert in_jurisdiction(organization_area, CASE) is expected


R = ReferralStatus
A = ReferralAction


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (R.SENT, A.ACCEPT, R.ACCEPTED),
        (R.SENT, A.DECLINE, R.DECLINED),
        (R.SENT, A.COMPLETE, None),
        (R.ACCEPTED, A.ACCEPT, None),
        (R.ACCEPTED, A.DECLINE, R.DECLINED),
        (R.ACCEPTED, A.COMPLETE, R.COMPLETED),
        (R.DECLINED, A.ACCEPT, None),
        (R.DECLINED, A.DECLINE, None),
        (R.DECLINED, A.COMPLETE, None),
        (R.COMPLETED, A.ACCEPT, None),
        (R.COMPLETED, A.DECLINE, None),
        (R.COMPLETED, A.COMPLETE, None),
    ],
)
def test_answers(status: ReferralStatus, action: ReferralAction, expected: R | None) -> None:
    if expected is None:
        with pytest.raises(ReferralError) as refused:
            next_status(status, action)
        assert refused.value.status is status
    else:
        assert next_status(status, action) is expected
