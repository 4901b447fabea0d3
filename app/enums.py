"""Enumerations of the domain, each value with the Chinese label the app shows."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabeledEnum(StrEnum):
    """A string enum whose members carry a Chinese display label.

    Members are declared as ``NAME = "stored_value", "中文标签"``; the stored value is what
    the database and the API carry, the label is for people.
    """

    label: str

    def __new__(cls, value: str, label: str) -> LabeledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def of(cls, value: str) -> Self:
        """The member stored as `value` (ValueError if there is none)."""
        return cls(value)  # type: ignore[call-arg]


class AreaLevel(LabeledEnum):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县(区)"
    TOWNSHIP = "township", "乡镇(街道)"
    VILLAGE = "village", "村(社区)"


class OrganizationKind(LabeledEnum):
    VILLAGE_COMMITTEE = "village_committee", "村(居)委会"
    TOWNSHIP_OFFICE = "township_office", "乡镇人民政府(街道办事处)"
    CIVIL_AFFAIRS_BUREAU = "civil_affairs_bureau", "民政局"
    PROTECTION_CENTRE = "protection_centre", "未成年人救助保护机构"
    POLICE_STATION = "police_station", "公安派出所"
    SCHOOL = "school", "学校"
    EDUCATION_BUREAU = "education_bureau", "教育局"
    NGO = "ngo", "社会组织"
    CITY_CIVIL_AFFAIRS = "city_civil_affairs", "市民政局"
    PROVINCE_CIVIL_AFFAIRS = "province_civil_affairs", "省民政厅"
    SYSTEM = "system", "系统管理"
    PROCURATORATE = "procuratorate", "人民检察院"
    COURT = "court", "人民法院"
    LEGAL_AID = "legal_aid", "法律援助机构"
    HOSPITAL = "hospital", "医疗机构"
    DISABLED_PERSONS_FEDERATION = "disabled_persons_federation", "残疾人联合会"
    WOMENS_FEDERATION = "womens_federation", "妇女联合会"
    YOUTH_LEAGUE = "youth_league", "共青团"
    RESCUE_STATION = "rescue_station", "救助管理站"
    CHILD_WELFARE_INSTITUTION = "child_welfare_institution", "儿童福利机构"


class Role(LabeledEnum):
    VILLAGE_DIRECTOR = "village_director", "儿童主任"
    TOWNSHIP_SUPERVISOR = "township_supervisor", "儿童督导员"
    COUNTY_CIVIL_AFFAIRS = "county_civil_affairs", "县级民政部门"
    PROTECTION_CENTRE = "protection_centre", "未成年人救助保护机构"
    POLICE = "police", "公安机关"
    SCHOOL = "school", "学校"
    NGO = "ngo", "社会组织"
    CITY = "city", "市级民政部门"
    PROVINCE = "province", "省级民政部门"
    ADMIN = "admin", "系统管理员"
    # Staff of a body that receives referrals and has no role of its own in the files: a
    # court, procuratorate, legal-aid centre, hospital, federation, rescue station or welfare
    # institution. They see the cases referred to their organization, nothing else.
    PARTNER_AGENCY = "partner_agency", "协作单位"


class Gender(LabeledEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"


class ParentRelation(LabeledEnum):
    FATHER = "father", "父亲"
    MOTHER = "mother", "母亲"


class ParentStatus(LabeledEnum):
    AT_HOME = "at_home", "在家"
    WORKING_AWAY = "working_away", "外出务工"
    DECEASED = "deceased", "死亡"
    INCAPACITATED = "incapacitated", "重残、重病或无监护能力"
    IMPRISONED = "imprisoned", "服刑在押或强制隔离戒毒"
    MISSING = "missing", "失联"
    UNKNOWN = "unknown", "情况不明"


class ContactFrequency(LabeledEnum):
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    RARELY = "rarely", "很少联系"
    NEVER = "never", "从不联系"


class LivingArrangement(LabeledEnum):
    WITH_PARENTS = "with_parents", "与父母同住"
    WITH_ONE_PARENT = "with_one_parent", "与父母一方同住"
    WITH_GRANDPARENTS = "with_grandparents", "与祖辈同住"
    WITH_RELATIVES = "with_relatives", "与其他亲属同住"
    WITH_OTHERS = "with_others", "与其他人同住"
    BOARDING_SCHOOL = "boarding_school", "寄宿学校"
    INSTITUTION = "institution", "机构养育"
    ALONE = "alone", "独居"


class SchoolStatus(LabeledEnum):
    NOT_SCHOOL_AGE = "not_school_age", "未到入学年龄"
    KINDERGARTEN = "kindergarten", "幼儿园"
    IN_SCHOOL = "in_school", "在校"
    DROPPED_OUT = "dropped_out", "辍学"
    NOT_IN_SCHOOL = "not_in_school", "未在校(已完成义务教育)"


class DifficultyType(LabeledEnum):
    """The kinds of 困境儿童 (children in difficulty) of the Ezhou plan (seed 001)."""

    ECONOMIC = "economic", "家庭经济困难"
    DISABILITY = "disability", "残疾"
    SERIOUS_ILLNESS = "serious_illness", "重病"
    SAFETY = "safety", "人身安全受到威胁或侵害"


class ChildCategory(LabeledEnum):
    """Categories derived from a child's file; a child may be in several."""

    LEFT_BEHIND = "left_behind", "留守儿童"
    DIFFICULTY_ECONOMIC = "difficulty_economic", "困境儿童(经济困难)"
    DIFFICULTY_DISABILITY = "difficulty_disability", "困境儿童(残疾)"
    DIFFICULTY_ILLNESS = "difficulty_illness", "困境儿童(重病)"
    DIFFICULTY_SAFETY = "difficulty_safety", "困境儿童(安全风险)"
    SCATTERED_ORPHAN = "scattered_orphan", "散居孤儿"
    DE_FACTO_UNSUPPORTED = "de_facto_unsupported", "事实无人抚养儿童"


class KeyChildReason(LabeledEnum):
    """Reasons that make a child a key child (重点儿童), seeds 001 and 002 att. 3."""

    POOR_GUARDIANSHIP = "poor_guardianship", "监护缺失或监护不当"
    LIVING_ALONE = "living_alone", "独居"
    DROPPED_OUT = "dropped_out", "辍学"
    NO_HOUSEHOLD_REGISTRATION = "no_household_registration", "无户籍"
    ILL_OR_DISABLED = "ill_or_disabled", "患病或残疾"
    PARENT_IMPRISONED = "parent_imprisoned", "父母服刑在押或强制隔离戒毒"
    PARENT_SUBSTANCE_ABUSE = "parent_substance_abuse", "父母吸毒或酗酒"
    DOMESTIC_VIOLENCE = "domestic_violence", "遭受家庭暴力"
    BEGGING = "begging", "流浪乞讨"


class ChildStatus(LabeledEnum):
    ACTIVE = "active", "在册"
    ARCHIVED = "archived", "已归档"
    # Opened by a report about a child not on file (intake): the village completes it (an
    # update makes it ACTIVE) or merges it into the child's file. Not a child on file: no
    # statistics count it.
    PROVISIONAL = "provisional", "待核实"


class ArchiveReason(LabeledEnum):
    TURNED_18 = "turned_18", "年满18周岁"
    MOVED_AWAY = "moved_away", "迁出本地"
    PARENTS_RETURNED = "parents_returned", "父母返乡"
    DECEASED = "deceased", "死亡"
    DUPLICATE = "duplicate", "重复登记"
    OTHER = "other", "其他"


class GuardianRelation(LabeledEnum):
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄姐"
    UNCLE_AUNT = "uncle_aunt", "叔伯姑舅姨"
    OTHER_RELATIVE = "other_relative", "其他亲属"
    FRIEND = "friend", "亲友"
    DESIGNATED = "designated", "村(居)委会指定人员"


class GuardianCapacity(LabeledEnum):
    CAPABLE = "capable", "有监护能力"
    INCAPABLE = "incapable", "无监护能力"
    UNASSESSED = "unassessed", "未评估"


class GuardianshipStatus(LabeledEnum):
    ACTIVE = "active", "有效"
    ENDED = "ended", "已终止"


class VisitKind(LabeledEnum):
    ROUTINE = "routine", "日常走访"
    KEY_CHILD_FOLLOW_UP = "key_child_follow_up", "重点儿童随访"
    QUARTERLY_CHECK = "quarterly_check", "季度排查"
    RISK_ASSESSMENT = "risk_assessment", "风险评估"
    NGO_SERVICE = "ngo_service", "社会组织服务"
    CASE_FOLLOW_UP = "case_follow_up", "个案回访"


class Finding(LabeledEnum):
    """How one aspect of a child's life looked at a visit."""

    GOOD = "good", "良好"
    FAIR = "fair", "一般"
    POOR = "poor", "较差"
    NOT_ASSESSED = "not_assessed", "未了解"


class CaseCategory(LabeledEnum):
    LIVING_ALONE = "living_alone", "独居"
    MISSING = "missing", "失踪"
    GUARDIAN_INCAPABLE = "guardian_incapable", "监护人无监护能力"
    GUARDIAN_NEGLECT = "guardian_neglect", "监护人不履行监护职责"
    SUSPECTED_DOMESTIC_VIOLENCE = "suspected_domestic_violence", "疑似遭受家庭暴力"
    SUSPECTED_ABUSE_OR_INJURY = "suspected_abuse_or_injury", "疑似遭受虐待或意外伤害"
    DROPOUT = "dropout", "辍学"
    OTHER = "other", "其他"


class ReportSource(LabeledEnum):
    SCHOOL = "school", "学校"
    KINDERGARTEN = "kindergarten", "幼儿园"
    CLINIC = "clinic", "医疗机构"
    VILLAGE = "village", "村(居)委会"
    NGO = "ngo", "社会组织"
    POLICE = "police", "公安机关"
    PUBLIC = "public", "群众"
    HOTLINE = "hotline", "热线"


class CaseStage(LabeledEnum):
    REPORTED = "reported", "强制报告"
    EMERGENCY_RESPONSE = "emergency_response", "应急处置"
    ASSESSMENT = "assessment", "评估"
    ASSISTANCE = "assistance", "帮扶"
    INTERVENTION = "intervention", "监护干预"
    FOLLOW_UP = "follow_up", "跟踪回访"
    CLOSED = "closed", "结案"
    # The dropout path (seed 004: 劝返, and a written report when it fails).
    PERSUASION = "persuasion", "劝返"
    PERSUASION_FAILED = "persuasion_failed", "劝返无效"


class CaseEventKind(LabeledEnum):
    REPORTED = "reported", "报告"
    STAGE_CHANGE = "stage_change", "阶段变更"
    NOTE = "note", "记录"
    REFERRAL = "referral", "转介"
    STAFF = "staff", "工作人员"
    MEASURE = "measure", "干预措施"
    ABSENCE = "absence", "缺勤记录"
    HANDOVER = "handover", "移交"
    WRITTEN_REPORT = "written_report", "书面报告"
    REFERRAL_ACCEPTED = "referral_accepted", "接收转介"
    REFERRAL_DECLINED = "referral_declined", "拒绝转介"
    REFERRAL_COMPLETED = "referral_completed", "转介办结"
    # A provisional file merged into the child's file: the case moved with it.
    MERGED = "merged", "并档"


class CaseMeasure(LabeledEnum):
    WARNING_LETTER = "warning_letter", "告诫书"
    PROTECTION_ORDER = "protection_order", "人身安全保护令"
    PLACEMENT = "placement", "临时安置"
    REVOCATION_PETITION = "revocation_petition", "撤销监护资格申请"
    ADMONITION = "admonition", "训诫"
    ORDER_TO_RETURN = "order_to_return", "责令父母返回"


class NgoServiceType(LabeledEnum):
    VISIT_VERIFICATION = "visit_verification", "走访核查"
    GUARDIANSHIP_ASSESSMENT = "guardianship_assessment", "监护评估"
    COUNSELLING = "counselling", "心理疏导"
    ASSISTANCE = "assistance", "帮扶救助"
    TRAINING = "training", "培训"


class DropoutFollowUp(LabeledEnum):
    """What a school may see of a dropout case: the follow-up status only."""

    PERSUASION_UNDER_WAY = "persuasion_under_way", "劝返中"
    RETURNED = "returned", "已返校"
    NOT_RETURNED = "not_returned", "未返校"


class PetitionOutcome(LabeledEnum):
    """Where a petition to the court stands (撤销监护资格申请)."""

    PENDING = "pending", "审理中"
    GRANTED = "granted", "准许"
    REFUSED = "refused", "驳回"


class ReferralStatus(LabeledEnum):
    """Where a referral (转介) of a case to an organization stands."""

    SENT = "sent", "已转介"
    ACCEPTED = "accepted", "已接收"
    DECLINED = "declined", "已拒绝"
    COMPLETED = "completed", "已办结"


class MoveStep(LabeledEnum):
    """An acceptance a requested move of a child's file needs."""

    SENDING_COUNTY = "sending_county", "迁出地县级民政部门同意"
    RECEIVING_COUNTY = "receiving_county", "迁入地县级民政部门同意"
    RECEIVING_VILLAGE = "receiving_village", "迁入地村(社区)或乡镇接收"


class MoveRequestStatus(LabeledEnum):
    REQUESTED = "requested", "待接收"
    ACCEPTED = "accepted", "已接收"
    DECLINED = "declined", "已拒绝"
    CANCELLED = "cancelled", "已撤回"


class TaskKind(LabeledEnum):
    """Work a rule found owed (app/domain/tasks.py)."""

    # The township supervisor responds to a mandatory report the rules made themselves.
    RESPOND_TO_REPORT = "respond_to_report", "响应强制报告"
    # The village finds a child a new guardian (the last one incapable, or gone).
    FIND_GUARDIAN = "find_guardian", "另行确定监护人"
    # The village reaches a left-behind child's parents, who never call (seed 001).
    CONTACT_PARENTS = "contact_parents", "督促父母联系子女"
    # The village gets a left-behind child's entrusted guardian assessed and confirmed.
    CONFIRM_GUARDIAN = "confirm_guardian", "落实委托监护确认"
    # The daily job's deadline rules (app/domain/task_deadlines.py): each escalates a level
    # (village, township, county) when it is itself overdue.
    VISIT_OVERDUE = "visit_overdue", "走访逾期"
    CASE_OVERDUE = "case_overdue", "个案阶段逾期"
    REFERRAL_UNANSWERED = "referral_unanswered", "转介未获接收"
    DROPOUT_NOT_RETURNED = "dropout_not_returned", "辍学未返校"
    # The county trains a director or supervisor who has no passed training on record, or
    # whose yearly refresher falls due (seed 002).
    STAFF_TRAINING = "staff_training", "儿童主任(督导员)培训"


class TaskSubject(LabeledEnum):
    """What kind of record a task is about."""

    CHILD = "child", "儿童"
    CASE = "case", "个案"
    GUARDIANSHIP = "guardianship", "委托监护"
    REFERRAL = "referral", "转介"
    STAFF = "staff", "工作人员"


class TaskPriority(LabeledEnum):
    URGENT = "urgent", "紧急"
    HIGH = "high", "高"
    NORMAL = "normal", "一般"


class TaskStatus(LabeledEnum):
    OPEN = "open", "待办"
    DONE = "done", "已完成"
    DISMISSED = "dismissed", "已撤销"


class OutboxEventKind(LabeledEnum):
    """What happened, as the outbox tells partner systems (app/services/outbox.py)."""

    CASE_REPORTED = "case_reported", "个案报告"
    CASE_STAGE_CHANGED = "case_stage_changed", "个案阶段变更"
    CASE_CLOSED = "case_closed", "个案结案"
    TASK_OPENED = "task_opened", "任务生成"
    # A deadline task still open past its due day, opened again one level up (daily job).
    TASK_ESCALATED = "task_escalated", "任务升级"
    # Two files of a child merged: the duplicate's cases are the kept file's now.
    CHILD_MERGED = "child_merged", "儿童档案并档"


class WebhookDeliveryStatus(LabeledEnum):
    """Where one event's delivery to one subscriber stands."""

    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已投递"
    # Failed as often as the settings allow: waits for `shouhu webhooks replay`.
    DEAD = "dead", "投递失败"


class SchoolLevel(LabeledEnum):
    """The stage of compulsory education a school teaches: its dropout target (seed 001)."""

    PRIMARY = "primary", "小学"
    JUNIOR_SECONDARY = "junior_secondary", "初中"


class TrainingResult(LabeledEnum):
    """The outcome of a staff member's training (seed 002: start work after passing it)."""

    PASSED = "passed", "合格"
    FAILED = "failed", "不合格"
