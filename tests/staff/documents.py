"""The staff register's documents, as a county's web client and the mobile app send them."""

from __future__ import annotations

STAFF_FIELDS = """
id username displayName role areaCode phone appointedOn leftOn active mustChangePassword
trainedOn mayWrite refresherDueOn version
trainings { trainedOn course result }
grants { role areaCode }
"""
CREATE_STAFF = f"""
mutation($input: CreateStaffInput!) {{
  createStaff(input: $input) {{
    staff {{ {STAFF_FIELDS} }} oneTimePassword errors {{ code field message }}
  }}
}}
"""
UPDATE_STAFF = f"""
mutation($input: UpdateStaffInput!) {{
  updateStaff(input: $input) {{
    staff {{ {STAFF_FIELDS} }} current {{ version }} errors {{ code field message }}
  }}
}}
"""
RECORD_TRAINING = f"""
mutation($input: RecordTrainingInput!) {{
  recordTraining(input: $input) {{ staff {{ {STAFF_FIELDS} }} errors {{ code field message }} }}
}}
"""
DEACTIVATE_STAFF = f"""
mutation($input: DeactivateStaffInput!) {{
  deactivateStaff(input: $input) {{
    staff {{ {STAFF_FIELDS} }} endedLogins revokedApiKeys revokedGrants
    errors {{ code field message }}
  }}
}}
"""
RESET_PASSWORD = f"""
mutation($input: StaffInput!) {{
  resetPassword(input: $input) {{
    staff {{ {STAFF_FIELDS} }} oneTimePassword errors {{ code field message }}
  }}
}}
"""
GRANT_ROLE = f"""
mutation($input: RoleGrantInput!) {{
  grantRole(input: $input) {{ staff {{ {STAFF_FIELDS} }} errors {{ code field message }} }}
}}
"""
REVOKE_ROLE = f"""
mutation($input: RoleGrantInput!) {{
  revokeRole(input: $input) {{ staff {{ {STAFF_FIELDS} }} errors {{ code field message }} }}
}}
"""
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) { ok errors { code field message } }
}
"""
STAFF = f"""
query($areaCode: String, $role: Role, $active: Boolean, $first: Int, $after: String) {{
  staff(areaCode: $areaCode, role: $role, active: $active, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {STAFF_FIELDS} }} }}
  }}
}}
"""
ME = "{ me { username role areaCode mustChangePassword mayWrite refresherDueOn } }"
