"""The domain's enums, registered with strawberry once so types can use them directly."""

from __future__ import annotations

from functools import cache

import strawberry

from app import enums

# Every enum the API shows, with what it is (each value's description is its Chinese label).
GRAPHQL_ENUMS: tuple[tuple[type[enums.LabeledEnum], str], ...] = (
    (enums.AreaLevel, "行政区划级别"),
    (enums.ArchiveReason, "归档原因"),
    (enums.CaseCategory, "个案类别"),
    (enums.CaseEventKind, "个案记录类型"),
    (enums.CaseMeasure, "干预措施"),
    (enums.CaseStage, "个案阶段"),
    (enums.ChildCategory, "儿童类别"),
    (enums.ChildStatus, "档案状态"),
    (enums.ContactFrequency, "联系频率"),
    (enums.DropoutFollowUp, "劝返状态"),
    (enums.Finding, "走访评价"),
    (enums.Gender, "性别"),
    (enums.GuardianCapacity, "监护能力"),
    (enums.GuardianRelation, "与儿童关系"),
    (enums.GuardianshipStatus, "委托监护状态"),
    (enums.KeyChildReason, "重点儿童原因"),
    (enums.LivingArrangement, "居住情况"),
    (enums.MoveRequestStatus, "迁移申请状态"),
    (enums.MoveStep, "迁移同意环节"),
    (enums.NgoServiceType, "购买服务类型"),
    (enums.ParentRelation, "父母关系"),
    (enums.ParentStatus, "父母状况"),
    (enums.PetitionOutcome, "申请结果"),
    (enums.ReportSource, "报告来源"),
    (enums.Role, "角色: what an account or API key acts as"),
    (enums.SchoolStatus, "就学状况"),
    (enums.TaskKind, "任务类型"),
    (enums.TaskPriority, "任务优先级"),
    (enums.TaskStatus, "任务状态"),
    (enums.TaskSubject, "任务对象"),
    (enums.VisitKind, "走访类型"),
    (enums.OrganizationKind, "单位类型"),
    (enums.ReferralStatus, "转介状态"),
    (enums.OutboxEventKind, "推送事件类型"),
    (enums.SchoolLevel, "学段"),
)


@cache
def register_enums() -> None:
    """Make the enums GraphQL enums (strawberry marks the classes themselves), each value
    described by its Chinese label so the app can show it."""
    for enum, description in GRAPHQL_ENUMS:
        strawberry.enum(enum, description=description)
        labels = {member.value: member.label for member in enum}
        for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
            value.description = labels[value.value]
