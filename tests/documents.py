"""GraphQL documents and inputs that test modules of several features send.

A document used by one module stays in that module; one used by more lives here, so that no
test module imports another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient

from app.domain.idnumber import make_id_number
from app.seed.demo import DEMO_VILLAGE
from tests.graphql import query_data

REGISTER_HOUSEHOLD = """
mutation($input: RegisterHouseholdInput!) {
  registerHousehold(input: $input) {
    household { id areaCode address version parents { id name status } }
    errors { code field message }
  }
}
"""
REGISTER_CHILD = """
mutation($input: RegisterChildInput!) {
  registerChild(input: $input) {
    child { id name categories isKeyChild idNumber version nextVisitDue }
    errors { code field message }
    current { id }
  }
}
"""
UPDATE_PARENT = """
mutation($input: UpdateParentInput!) {
  updateParent(input: $input) {
    parent { id status version }
    errors { code field message }
    current { id version status }
  }
}
"""
RECORD_VISIT = """
mutation($input: RecordVisitInput!) {
  recordVisit(input: $input) { visit { id nextVisitDue } errors { code field message } }
}
"""


def household_input(**overrides: Any) -> dict[str, Any]:
    """A valid registerHousehold input in the demo village: two parents, the mother away."""
    return {
        "areaCode": DEMO_VILLAGE,
        "address": "伯浩村3组12号",
        "phone": "13900001111",
        "parents": [
            {"relation": "FATHER", "name": "张伟", "status": "AT_HOME"},
            {"relation": "MOTHER", "name": "李芳", "status": "WORKING_AWAY",
             "workPlace": "广东省东莞市", "awaySince": "2025-03-01"},
        ],
        **overrides,
    }  # fmt: skip


def child_input(household_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid registerChild input for the household: a boy of 2016 with one parent at home."""
    birth = date(2016, 5, 20)
    return {
        "householdId": household_id,
        "name": "张小明",
        "gender": "MALE",
        "birthDate": birth.isoformat(),
        "idNumber": make_id_number("420702", birth, 901),
        "livingArrangement": "WITH_ONE_PARENT",
        "schoolStatus": "IN_SCHOOL",
        **overrides,
    }


async def register_household(client: AsyncClient, token: str) -> dict[str, Any]:
    """Register household_input() as the token's holder; the household, asserting no errors."""
    data = await query_data(client, token, REGISTER_HOUSEHOLD, input=household_input())
    assert data["registerHousehold"]["errors"] == []
    household: dict[str, Any] = data["registerHousehold"]["household"]
    return household


GUARDIANSHIP = (
    "id status capacity agreementSigned confirmedAt capacityAssessedAt startsOn endsOn version"
)


def mutation(name: str, input_type: str, payload: str) -> str:
    """The document of mutation `name` selecting `payload` and the payload's errors."""
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{ {payload} errors {{ code field message }} }}
}}
"""


ENTRUST = mutation(
    "entrustGuardian", "EntrustGuardianInput", f"guardianship {{ {GUARDIANSHIP} }} current {{ id }}"
)
ASSESS = mutation(
    "assessGuardian",
    "AssessGuardianInput",
    f"guardianship {{ {GUARDIANSHIP} }} current {{ id version capacity }}",
)
CONFIRM = mutation(
    "confirmGuardianship",
    "ConfirmGuardianshipInput",
    f"guardianship {{ {GUARDIANSHIP} }} current {{ id version }}",
)
END = mutation(
    "endGuardianship",
    "EndGuardianshipInput",
    f"guardianship {{ {GUARDIANSHIP} }} current {{ id version }}",
)
