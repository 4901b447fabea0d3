"""The message catalogue: the Chinese of every message the service shows, and the two texts of
every error code. Chinese is what people see unless they ask for English (app/i18n.py).

gettext's model: a message's id is its English template, written where the message arises,
e.g. `Problem("TOO_LONG", field, "at most {maximum} characters", {"maximum": 100})`.

To add a message:
1. write the English as a literal template with {named} placeholders and pass the values as
   params (never an f-string: the text must be a key of this catalogue);
2. add `"<the English template>": "<its Chinese, with the same placeholders>"` to CHINESE;
3. a new error code also gets `"CODE": ("general English text", "通用中文说明")` in CODES.
tests/api/test_messages.py reads the source and fails, naming the file and line, until all of
this holds. Placeholder values that are enums are shown by their Chinese labels
(app/enums.py); Terms (a kind of record, a permission's object or action) through TERMS.
"""

from __future__ import annotations

from typing import Final

# English template → Chinese, grouped by where the messages arise.
CHINESE: Final[dict[str, str]] = {
    # Input checks (app/domain/validation.py, app/domain/idnumber.py)
    "this field is required": "此项为必填项",
    "at most {maximum} characters": "最多 {maximum} 个字符",
    "not a valid mobile or landline number": "不是有效的手机号码或固定电话号码",
    "the time needs a time zone offset": "时间须带时区（如 +08:00）",
    "the time is in the future": "时间不能晚于当前时间",
    "the date is in the future": "日期不能晚于今天",
    "the date is before {minimum}": "日期不能早于 {minimum}",
    "at most {maximum} items": "最多 {maximum} 项",
    "the birth date is in the future": "出生日期不能晚于今天",
    "the child is {age} or older": "该儿童已满 {age} 周岁",
    "the ID number does not match the birth date": "身份证号码与出生日期不符",
    "the ID number does not match the gender": "身份证号码与性别不符",
    "invalid ID number: an ID number has 18 characters, not {length}": (
        "身份证号码无效：应为 18 位，当前为 {length} 位"
    ),
    "invalid ID number: the first 17 characters must be digits": "身份证号码无效：前 17 位须为数字",
    "invalid ID number: the last character must be a digit or X": (
        "身份证号码无效：最后一位须为数字或 X"
    ),
    "invalid ID number: the check character does not match": "身份证号码无效：校验码不正确",
    "invalid ID number: the birth date does not exist": "身份证号码无效：出生日期不存在",
    "invalid ID number: the birth date is before 1900": "身份证号码无效：出生日期早于 1900 年",
    "invalid ID number: the birth date is in the future": "身份证号码无效：出生日期晚于今天",
    # Refused writes (app/errors.py, authz/guard.py, app/services/, schema/core/mutations.py)
    "no such {what}": "未找到该{what}",
    "the record is at version {current}, not {expected}: merge and retry": (
        "记录已被他人修改（当前版本 {current}，您提交的是版本 {expected}），请合并后重试"
    ),
    "you may not {act} {object} here": "您在本地区没有{object}的{act}权限",
    "this id was already used for other content": "该编号已用于其他内容",
    "this id cannot be used: make a new one": "该编号不能使用，请重新生成编号",
    "the record conflicts with one already on file": "该记录与已有记录冲突",
    "not a village code": "不是村（社区）代码",
    "use moveChild to move a family to another village": (
        "家庭迁往其他村（社区）请办理迁移（moveChild）"
    ),
    "use moveChild to change the household": "更换家庭请办理迁移（moveChild）",
    "an ID number, or noHouseholdRegistration": "请填写身份证号码；没有户籍的请注明无户籍",
    "{id_number} is already on file: child {child} in {area}": (
        "身份证号码 {id_number} 已建档：儿童 {child}，所在地区 {area}"
    ),
    "this ID number cannot be registered here now: it has been passed to the township "
    "supervisor to check": "该身份证号码暂不能在此登记，已转乡镇（街道）儿童督导员核查",
    "an NGO records NGO_SERVICE visits": "社会组织只能登记“社会组织服务”类走访",
    "the child's file is archived": "该儿童档案已归档",
    "the child's file is already archived": "该儿童档案已经归档",
    "the child is already in this village": "该儿童已在此村（社区）",
    "the current guardianship started on {starts_on}, later": (
        "现有委托照护始于 {starts_on}，晚于此日期"
    ),
    "the guardianship has ended": "该委托照护关系已终止",
    "the task is already closed": "该任务已办结或已撤销",
    # The staff register and passwords (app/services/staff.py, app/domain/staff.py,
    # app/domain/password_policy.py, authz/guard.py)
    "a {role} is appointed in a {level}": "{role}应在{level}一级任职",
    "at least {minimum} characters": "至少 {minimum} 个字符",
    "the password must not contain the username": "密码不能包含用户名",
    "the password is too common: choose another": "密码过于常见，请另设一个",
    "the current password is not right": "当前密码不正确",
    "the new password must differ from the current one": "新密码不能与当前密码相同",
    "the username is taken": "该用户名已被使用",
    "not an area on file": "没有这个地区",
    "{minimum} to {maximum} letters, digits, dots, dashes or underscores": (
        "须为 {minimum} 至 {maximum} 个字母、数字、点、短横线或下划线"
    ),
    "no organization serving this area has this id": "该地区没有此编号的单位",
    "only roles below yours": "只能授予或收回低于您本人角色的角色",
    "you may not manage {role} here": "您无权管理本地区的{role}",
    "the person has already left": "此人已离岗",
    "the person does not hold this role here": "此人在该地区未被授予该角色",
    "the person already holds this role here": "此人在该地区已被授予该角色",
    "the day they left is before the day they were appointed": "离岗日期早于任职日期",
    "no training passed on record: you may read, and may write once a passed training is "
    "recorded": "尚无培训合格记录：可以查看，登记培训合格后方可录入和修改",
    "change the one-time password first (changePassword)": "请先修改一次性密码（changePassword）",
    # Why a task is owed (app/services/tasks.py)
    "the child's file shows a situation that must be reported to the police at once: the "
    "service has reported it; the township supervisor responds": (
        "儿童档案显示须立即报告公安机关的情形，系统已自动报告，请乡镇儿童督导员响应"
    ),
    "the guardian cannot look after the child, or the entrustment ended with no one to take "
    "over: find the child a new guardian": (
        "监护人无监护能力，或委托监护已终止且无人接替，请另行确定监护人"
    ),
    "the parents working away never contact their left-behind child: urge them to call "
    "at least once a week": "外出务工父母从不联系留守子女，请督促其每周至少联系一次",
    "the child's visit is overdue past its grace days: visit the home soon": (
        "儿童的应走访日期已过且超过宽限期，请尽快入户走访"
    ),
    "the case has stayed in its stage past the stage's time limit: move it on": (
        "个案在当前阶段已超过办理时限，请尽快推进"
    ),
    "the body the case was referred to has neither accepted nor declined it in time: "
    "follow the referral up": "转介接收单位逾期未接收也未拒绝，请跟进转介",
    "the pupil has not returned to school at the end of the persuasion period: keep "
    "persuading and report in writing": "辍学儿童劝返期满仍未返校，请继续劝返并书面报告",
    "the person has no passed training on record and may not write until one is recorded: "
    "train them and record the training": (
        "此人尚无培训考核合格记录，登记合格前不能录入和修改，请组织培训并登记培训结果"
    ),
    "the person's yearly refresher training falls due: train them again and record the "
    "training": "此人的年度轮训即将到期，请组织轮训并登记培训结果",
    "the left-behind child has no entrusted guardian assessed and confirmed: guide the "
    "parents to entrust one and sign the confirmation": (
        "留守儿童尚无经评估、确认的委托监护人，请指导父母落实委托监护并签订确认书"
    ),
    "an assessment is CAPABLE or INCAPABLE": "评估结果只能是“有监护能力”或“无监护能力”",
    "the entrustment agreement must be signed": "须先签订委托照护协议",
    "a guardianship is confirmed by a person, not a key": (
        "委托照护须由工作人员确认，不能通过 API 密钥确认"
    ),
    "before the guardianship started": "早于委托照护开始日期",
    "the child already has an active guardian": "该儿童已有生效的委托照护人",
    "the case is closed": "个案已结案",
    "the case is closed (stage {stage}): {action} is not allowed": (
        "个案已结案（当前阶段：{stage}），不能{action}"
    ),
    "{action} is not allowed in stage {stage}": "个案当前处于“{stage}”阶段，不能{action}",
    "only dropout cases have a follow-up status": "只有辍学个案才有劝返状态",
    # NGO contracts (app/services/ngo_contracts.py)
    "at least one service type": "请至少选择一种服务类型",
    "at least one area": "请至少选择一个地区",
    "at most {maximum} areas": "最多 {maximum} 个地区",
    "a contract cannot end before it starts": "合同结束日期不能早于开始日期",
    "not a county, township or village code": "不是县（区）、乡镇（街道）或村（社区）的代码",
    "a contract serves areas of one county": "一份服务合同只能覆盖同一个县（区）内的地区",
    "the scope must stay in the contract's county": "服务范围须在合同所属县（区）内",
    "no such organization": "未找到该单位",
    "{name} is a {kind}, not an NGO": "{name}是{kind}，不是社会组织",
    "at least one child": "请至少选择一名儿童",
    "at most {maximum} children a call": "每次最多 {maximum} 名儿童",
    "no such child": "未找到该儿童",
    "you may not assign this child": "您无权分派该儿童",
    "the child lives outside the contract's areas": "该儿童不在合同服务范围内",
    "the contract ended on {ends_on}": "合同已于 {ends_on} 到期",
    # School absences (app/services/absences.py, app/domain/absences.py, app/web/integrations/)
    "absences are submitted by a school": "缺课记录须由学校报送",
    "1 to {maximum} printable characters": "批次号应为 1 至 {maximum} 个可打印字符",
    "at most {maximum} records per submission; split the file": (
        "每次报送最多 {maximum} 条记录，请拆分后再报送"
    ),
    "this batch id was already used for other records: use a new batch id": (
        "该批次号已用于其他记录，请使用新的批次号"
    ),
    "give a student number or an ID number": "请填写学籍号或身份证号码",
    "no pupil of this school has this student number or ID number": (
        "本校没有该学籍号或身份证号码对应的学生"
    ),
    "the child is on file, but not as this school's pupil": "该儿童已建档，但不是本校学生",
    "the ID number is not a valid 18-character number": "身份证号码无效，应为 18 位有效号码",
    "the ID number is not the one on file for this student number": (
        "身份证号码与该学籍号登记的不一致"
    ),
    "the date must be YYYY-MM-DD, not in the future, within the last year": (
        "日期格式应为 YYYY-MM-DD，不能晚于今天，且须在一年以内"
    ),
    "periods missed must be a whole number from 1 to {periods}": (
        "缺课节数应为 1 至 {periods} 之间的整数"
    ),
    "excused must be true or false (是/否)": "是否请假应填写“是”或“否”",
    "the student number has at most {student_number} characters and the reason at most "
    "{reason}": "学籍号最多 {student_number} 个字符，缺课原因最多 {reason} 个字符",
    "the same student and date appear earlier in this submission": (
        "本次报送中已有同一学生同一日期的记录"
    ),
    "send the school's key in the X-API-Key header": "请在 X-API-Key 请求头中提供学校的密钥",
    "add ?batchId=… to the URL": "请在网址中加上 ?batchId=…",
    "at most {maximum} records per file; split it": (
        "每个文件最多 {maximum} 条记录，请拆分后再报送"
    ),
    "the file is neither UTF-8 nor GBK text": "文件编码既不是 UTF-8 也不是 GBK",
    "the file is empty: the first line must name the columns": "文件为空：第一行应为列名",
    "not a CSV file: {error}": "不是有效的 CSV 文件：{error}",
    "the header must name the columns {missing}; known names: {known}": (
        "表头缺少以下列：{missing}；可用的列名：{known}"
    ),
    "line {line}: {error}": "第 {line} 行：{error}",
    "line {line} contains a NUL character": "第 {line} 行含有空字符（NUL）",
    # Credentials, limits and queries (app/auth/, authz/gate.py, app/web/ratelimit.py, schema/)
    "send either a bearer token or an API key, not both": (
        "请只使用一种凭证：访问令牌或 API 密钥，不能同时发送"
    ),
    "send one {header} header, not {count}": "{header} 请求头只能发送一个，本次收到 {count} 个",
    "the Authorization header must read: Bearer <token>": (
        "Authorization 请求头的格式应为：Bearer <令牌>"
    ),
    "too many failed logins: try again in {seconds} s": "登录失败次数过多，请 {seconds} 秒后重试",
    "authentication required": "请先登录",
    "the credentials were refused": "登录凭证无效，请重新登录",
    "too many requests for this key: retry in {seconds} s": (
        "该密钥请求过于频繁，请 {seconds} 秒后重试"
    ),
    "log in or send an API key": "请先登录或提供 API 密钥",
    "give the area: ?area=420702": "请指定地区，例如 ?area=420702",
    "{field} is a date: YYYY-MM-DD": "{field} 应为日期，格式为 YYYY-MM-DD",
    "{field} is a day from {earliest} to today": "{field} 应为 {earliest} 至今天之间的日期",
    "no statistics of area {area} for you": "没有可供您查看的地区 {area} 统计数据",
    "no staff work of area {area} for you": "没有可供您查看的地区 {area} 工作人员工作情况",
    "no task counts of area {area} for you": "没有可供您查看的地区 {area} 任务统计",
    "first must be between 1 and {maximum}": "first 应在 1 至 {maximum} 之间",
    "invalid cursor": "分页游标无效",
    "invalid sync cursor": "同步游标无效",
    "withinDays must be between 0 and 366": "withinDays 应在 0 至 366 之间",
    "you may not narrow or order children by {fields}: your view of them does not show it": (
        "您不能按 {fields} 筛选或排序儿童：您可查看的儿童信息中不包含这些内容"
    ),
    "not a UUID": "不是有效的 UUID",
    "give a childId or a userId": "请指定 childId 或 userId",
    "{name} must be between {minimum} and {maximum}": "{name} 应在 {minimum} 至 {maximum} 之间",
    "not a valid global id: {detail}": "不是有效的全局编号：{detail}",
    "invalid input: {detail}": "输入无效：{detail}",
    "{variable} holds a NUL character (U+0000) or an unpaired surrogate": (
        "{variable} 含有空字符（U+0000）或不成对的代理字符"
    ),
    "the text at line {line}, column {column} holds a NUL character (U+0000) "
    "or an unpaired surrogate": (
        "第 {line} 行第 {column} 列的文本含有空字符（U+0000）或不成对的代理字符"
    ),
    "Unexpected error.": "服务器内部错误，已记录",
    "'{operation}' exceeds maximum operation depth of {maximum}": (
        "“{operation}”的查询嵌套层数超过上限 {maximum}"
    ),
    "{count} aliases found. Allowed: {maximum}": "查询使用了 {count} 个别名，最多允许 {maximum} 个",
    "provided sha does not match query": "提供的 sha256 哈希值与查询内容不符",
    "only the app's persisted documents are accepted here": "此处只接受应用预置的查询",
    "the session has ended: log in again": "会话已结束，请重新登录",
    "a document sent with GET must be one of the app's persisted documents: send it with POST": (
        "用 GET 发送的查询只能是应用预置的查询,其他查询请用 POST 发送"
    ),
    "at most {maximum} operations per push": "每次同步最多 {maximum} 项操作",
    "not a mutation of the mobile contract": "不是移动端约定的修改操作",
    "{operation} cannot be queued: send it on its own": (
        "{operation} 不能放入离线同步队列，请单独发送"
    ),
    "{record} was not created: operation {operation} failed": (
        "{record} 未能创建：操作 {operation} 失败"
    ),
    # Rules of a child's file (app/domain/validation.py, app/domain/guardianship.py)
    "the date is before the child's birth": "日期早于儿童出生日期",
    "not a province code": "不是省级行政区代码",
    "the household already has this parent": "该家庭已登记此父（母）亲",
    "the child is too young for this school status": "儿童年龄与就学状态不符",
    "a child under 6 cannot live alone: report a concern instead": (
        "未满 6 周岁的儿童不能登记为独居，请立即报告"
    ),
    "only an NGO records NGO_SERVICE visits": "社会组织服务走访只能由社会组织登记",
    "a case follow-up visit names its case": "个案回访须注明所属个案",
    "the case is about another child": "该个案不属于这名儿童",
    "a child of this name, birth date and gender is already on file in the household": (
        "该家庭已登记同名、同出生日期、同性别的儿童"
    ),
    "an entrusted guardian must be 18 or older": "受委托监护人须年满 18 周岁",
    "assess the guardian's capacity before confirming": "请先评估监护能力再确认监护",
    "a guardian assessed incapable cannot be confirmed": "经评估不具备监护能力的监护人不能确认",
    "only a guardianship recorded today can be corrected: end it instead": (
        "只能更正当天登记的监护关系；其他情况请终止该监护关系"
    ),
    "not the child's active guardianship": "不是该儿童当前的监护关系",
    "the guardianship before this one started later": "前一监护关系的开始日期晚于本次",
    # Partial updates (app/services/common.py, schema/core/mutations.py)
    "this field cannot be empty": "此项不能为空",
    "the record was changed while this edit was written: read it again, merge and retry": (
        "保存时记录已被他人修改，请重新读取、合并后重试"
    ),
    # Requests refused before they run (app/web/graphql_request.py, app/web/service.py,
    # schema/core/admission.py, schema/core/cost.py, app/request_database.py)
    "the request body is larger than {maximum} bytes": "请求内容超过 {maximum} 字节的上限",
    "the body is not UTF-8 text": "请求内容不是 UTF-8 编码的文本",
    "{field} is not UTF-8 text": "{field} 不是 UTF-8 编码的文本",
    "the body is nested too deeply": "请求内容的 JSON 嵌套层数过多",
    "{field} is nested too deeply": "{field} 的 JSON 嵌套层数过多",
    "the body is not valid JSON": "请求内容不是有效的 JSON",
    "{field} is not valid JSON": "{field} 不是有效的 JSON",
    "{field} must be a JSON object": "{field} 应为 JSON 对象",
    "{field} must be a string": "{field} 应为字符串",
    "extensions.persistedQuery must be an object with a sha256Hash string": (
        "extensions.persistedQuery 应为含有 sha256Hash 字符串的对象"
    ),
    "send one operation per request: batches are not supported": (
        "每个请求只能包含一项操作，不支持批量请求"
    ),
    "the body must be a JSON object with a query": "请求内容应为包含查询（query）的 JSON 对象",
    "send the request as application/json": "请以 application/json 格式发送请求",
    "send a query or the persisted id of one": "请发送查询内容（query）或预置查询的编号",
    "the document has no operation": "查询文档中没有任何操作",
    "the document has no operation named {name}": "查询文档中没有名为 {name} 的操作",
    "a {operation} cannot be sent with GET: use POST": (
        "{operation} 操作不能用 GET 发送，请使用 POST"
    ),
    "GraphiQL is served in development only": "调试工具 GraphiQL 仅在开发环境中提供",
    "/metrics needs the metrics token: Authorization: Bearer …": (
        "/metrics 需要监控令牌：Authorization: Bearer …"
    ),
    "/metrics answers this host only: set SHOUHU_METRICS_TOKEN to scrape it from elsewhere": (
        "/metrics 仅对本机开放：如需从其他主机采集，请设置 SHOUHU_METRICS_TOKEN"
    ),
    "no such file of GraphiQL": "GraphiQL 没有这个文件",
    # The GraphiQL page and its login pane (app/web/graphiql/page.py)
    "Shouhu GraphiQL": "守护 GraphiQL 调试工具",
    "Username": "用户名",
    "Password": "密码",
    "Sign in": "登录",
    "Sign out": "退出登录",
    "Not signed in: until you sign in, only logging in and the schema's documentation work": (
        "未登录：登录前只能登录和查看接口文档"
    ),
    "Signed in as {username}": "已登录：{username}",
    "Signing in…": "正在登录…",
    "The service could not be reached": "无法连接服务",
    "Your login has expired: sign in again": "登录已过期，请重新登录",
    "Loading GraphiQL…": "正在加载 GraphiQL…",
    "# Sign in above, then run a query with Ctrl-Enter or the ▶ button, e.g.": (
        "# 请先在上方登录，然后按 Ctrl-Enter 或 ▶ 按钮运行查询，例如："
    ),
    "not a GraphQL request": "不是有效的 GraphQL 请求",
    "the document has {length} characters, more than the {maximum} allowed": (
        "查询文档有 {length} 个字符，超过上限 {maximum}"
    ),
    "the query costs {cost}, more than the {limit} allowed: ask for fewer items or fields": (
        "查询开销为 {cost}，超过上限 {limit}，请减少每页条数或查询字段"
    ),
    "the database took too long to answer: ask for less and retry": (
        "数据库响应超时，请减少查询的数据后重试"
    ),
    "the database took too long to answer: retry later": "数据库响应超时，请稍后重试",
    # A case's timeline, measures and hand-overs (app/domain/case_facts.py, app/services/cases.py)
    "these details are not those of a {measure}": "所填信息不属于“{measure}”",
    "this person may not work on this case": "该人员不能承办此个案",
    # The emergency response records only emergency measures (app/domain/workflow.py).
    "a {measure} follows an assessment: it is not an emergency measure": (
        "“{measure}”须在评估之后采取，不属于应急处置措施"
    ),
    # Dropout cases (app/domain/workflow.py): a written report needs its recipients on file
    "no {kind} is on file for the case's area": "个案所在地区没有登记{kind}",
    "a {kind} does not take referrals of {category} cases": "{kind}不接收“{category}”类个案的转介",
    "the organization does not serve the child's area": "该单位不负责儿童所在地区",
    "the case is already referred to this organization and the referral is open": (
        "该个案已转介给该单位，且转介尚未办结"
    ),
    "the referral is to another organization": "该转介的接收单位不是您所在的单位",
    "the referral is {status}: this step is not possible": "该转介{status}，不能进行此操作",
    "the household is not in the village moved to": "该住户不在迁入的村(社区)",
    "a sibling stays behind: name the child's household in the new village": (
        "该儿童的兄弟姐妹留在原住户：请指定其在迁入村(社区)的住户"
    ),
    "this move does not need that acceptance": "此次迁移无需该项同意",
    "that acceptance is already given": "该项同意已经给出",
    "the move request is no longer open": "该迁移申请已结束",
    "a move of this child is already requested": "该儿童已有待处理的迁移申请",
    "the receiving village names the household": "应由迁入地指定住户",
    "both counties accept before the receiving village": (
        "须先经迁出地和迁入地县级民政部门同意，再由迁入地接收"
    ),
    # Intake for any report (app/domain/intake.py)
    "give the child's file or a description of the child, not both": (
        "请填写儿童档案或描述儿童情况，二者只能选一"
    ),
    "give the child's file or a description of a child not on file": (
        "请填写儿童档案，或描述尚未建档的儿童"
    ),
    "a birth date or an approximate age": "请填写出生日期或大致年龄",
    "an age from 0 to 17 (a minor's)": "年龄须为 0 至 17 岁（未成年人）",
    "a village code or a township code": "请填写村（居）或乡镇代码",
    "a village code has 12 digits": "村（居）代码为 12 位数字",
    "a township code has 9 digits": "乡镇代码为 9 位数字",
    "the village is not in the township": "该村（居）不属于该乡镇",
    "not a {level} on file": "不是已登记的{level}",
    "the file is not provisional": "该档案不是待核实档案",
    "merge into a child's file on file": "只能并入在册的儿童档案",
    "an address starting with http:// or https://": "须为以 http:// 或 https:// 开头的网址",
    "not a school": "不是学校",
    "a school may name only itself as a pupil's school": "学校只能将本校登记为学生就读学校",
    # ledger exports (app/web/ledgers.py)
    "unknown parameter {name}: use {known}": "未知参数 {name}，可用参数：{known}",
    "{name} is true or false": "{name} 应为 true 或 false",
    "{name} is an age from 0 to {most}": "{name} 应为 0 至 {most} 之间的年龄",
    "unknown category {value}: use {known}": "未知儿童类别 {value}，可用类别：{known}",
    "the export would hold {count} rows, more than {most}: narrow it by area or filters": (
        "导出将包含 {count} 行，超过上限 {most} 行：请按地区或条件缩小范围"
    ),
    "the teacher's name with the phone": "填写帮扶教师电话时须填写教师姓名",
    "no school rates of area {area} for you": "没有可供您查看的地区 {area} 学校辍学率与缺课率",
    # merging two files of a child (app/domain/child_merges.py)
    "a file cannot be merged into itself": "档案不能并入自身",
    "the file has already been merged into another": "该档案已并入其他档案",
    "the two files hold different ID numbers: correct the wrong one before merging": (
        "两份档案的身份证号不同：请先更正错误的号码再并档"
    ),
    # ledger imports (app/domain/imports.py, app/services/imports.py, app/web/imports.py)
    "a mapping reads 源列=标准列: {line}": "列映射应写作 源列=标准列：{line}",
    "{column} is not a standard column": "{column} 不是标准列",
    "two columns are {column}": "有两列都是 {column}",
    "the ledger has no column {column}": "台账缺少 {column} 列",
    "the file is not an xlsx workbook that can be read": "文件不是可以读取的 xlsx 工作簿",
    "the workbook has no sheet": "工作簿中没有工作表",
    "{name} is neither an xlsx workbook nor csv text": "{name} 既不是 xlsx 工作簿也不是 csv 文本",
    "not a date: write it as 2015-03-04": "不是日期：请写成 2015-03-04",
    "the parent's name is missing": "缺少父母的姓名",
    "the guardian's relation to the child is missing": "缺少监护人与儿童的关系",
    "unknown value {value}": "无法识别的值：{value}",
    "the file has no rows": "文件中没有数据行",
    "a ledger holds at most {most} rows: split it": "一份台账最多 {most} 行：请拆分",
    "no single village named {name} in {area}": "{area} 内没有唯一名为 {name} 的村（社区）",
    "the row has no village: give 地区代码 or 村, or --area": (
        "该行没有所在村：请填写地区代码或村，或指定导入地区"
    ),
    "you may not write children's files in {area}": "你无权在 {area} 登记儿童档案",
    "you may not write children's files": "你无权登记儿童档案",
    "the same child as row {row}": "与第 {row} 行是同一名儿童",
    "no single school named {name}": "没有唯一名为 {name} 的学校",
    "the file is larger than {most} bytes: split the ledger": "文件超过 {most} 字节：请拆分台账",
    "send the ledger as the form's file part": "请将台账作为表单的 file 字段上传",
    "send the ledger as the request body": "请将台账作为请求正文上传",
    "a record of the ledger was written meanwhile: import it again": (
        "台账中的记录在导入期间被他人写入：请重新导入"
    ),
    # The embedded database (app/embedded_db.py)
    "{directory} holds the data of PostgreSQL {found}, which the embedded PostgreSQL "
    "{expected} cannot open. Nothing in it was changed. Move the directory aside and run "
    "again: a new, empty one is made. docs/database.md says how to carry the old data over.": (
        "{directory} 中是 PostgreSQL {found} 的数据，内置的 PostgreSQL {expected} 无法打开。"
        "目录中的内容未作任何改动。请将该目录移到别处后重新运行，将新建一个空的数据目录。"
        "如何迁移原有数据见 docs/database.md。"
    ),
}

# Error code → (English, Chinese): what the code means in general. Every code the service
# answers has both; AuthError says this text, other errors usually something more specific.
CODES: Final[dict[str, tuple[str, str]]] = {
    "REQUIRED": ("this field is required", "此项为必填项"),
    "TOO_LONG": ("the text is too long", "内容过长"),
    "TOO_MANY": ("too many items", "数量超过上限"),
    "INVALID": ("the value is not valid", "取值无效"),
    "INVALID_ID": ("not a valid id", "编号无效"),
    "INVALID_PHONE": ("not a valid mobile or landline number", "不是有效的手机号码或固定电话号码"),
    "INVALID_ID_NUMBER": ("invalid ID number", "身份证号码无效"),
    "ID_NUMBER_MISMATCH": (
        "the ID number does not match the other details",
        "身份证号码与其他信息不符",
    ),
    "MISSING_TIMEZONE": ("the time needs a time zone offset", "时间须带时区"),
    "FUTURE_DATE": ("the date is in the future", "日期不能晚于今天"),
    "TOO_EARLY": ("the date is too long ago", "日期过早"),
    "NOT_A_MINOR": ("the child is 18 or older", "该儿童已满 18 周岁"),
    "INVALID_DATE": ("the date is not valid here", "日期不符合要求"),
    "INVALID_DATES": ("the dates are not valid", "起止日期不符合要求"),
    "INVALID_AREA": ("not a valid area for this", "地区不符合要求"),
    "NOT_FOUND": ("no such record", "未找到该记录"),
    "FORBIDDEN": ("you may not do this here", "您没有此项操作的权限"),
    "FORBIDDEN_FILTER": (
        "you may not filter by a field you cannot see",
        "您不能按自己无权查看的内容筛选",
    ),
    "VERSION_CONFLICT": (
        "the record was changed by someone else: merge and retry",
        "记录已被他人修改，请合并后重试",
    ),
    "IDEMPOTENCY_CONFLICT": ("this id was already used for other content", "该编号已用于其他内容"),
    "CONFLICT": ("the record conflicts with one already on file", "该记录与已有记录冲突"),
    "DUPLICATE_CHILD": (
        "a child with this ID number is already on file",
        "该身份证号码的儿童已建档",
    ),
    "ID_NUMBER_UNDER_REVIEW": (
        "the ID number is being checked by the township supervisor",
        "该身份证号码正由乡镇（街道）儿童督导员核查",
    ),
    "CHILD_ARCHIVED": ("the child's file is archived", "该儿童档案已归档"),
    "ALREADY_ARCHIVED": ("the file is already archived", "档案已经归档"),
    "CHILD_NOT_ACTIVE": ("the child's file is not active", "该儿童档案不在册"),
    "GUARDIAN_ALREADY_ACTIVE": (
        "the child already has an active guardian",
        "该儿童已有生效的委托照护人",
    ),
    "GUARDIANSHIP_ENDED": ("the guardianship has ended", "该委托照护关系已终止"),
    "TASK_CLOSED": ("the task is already closed", "该任务已办结或已撤销"),
    "AGREEMENT_NOT_SIGNED": ("the entrustment agreement is not signed", "委托照护协议尚未签订"),
    "INVALID_TRANSITION": (
        "this step is not allowed at the case's stage",
        "个案当前阶段不能进行此操作",
    ),
    "CASE_CLOSED": ("the case is closed", "个案已结案"),
    "NOT_A_DROPOUT_CASE": ("not a dropout case", "不是辍学个案"),
    "NOT_AN_NGO": ("the organization is not an NGO", "该单位不是社会组织"),
    "SCOPE_OUTSIDE_COUNTY": ("the areas must be in one county", "服务范围须在同一个县（区）内"),
    "OUTSIDE_CONTRACT_SCOPE": ("outside the contract's areas", "不在合同服务范围内"),
    "CONTRACT_ENDED": ("the contract has ended", "合同已到期"),
    "INVALID_BATCH_ID": ("the batch id is not valid", "批次号无效"),
    "TOO_MANY_RECORDS": ("too many records: split the file", "记录过多，请拆分后再报送"),
    "INVALID_CSV": ("the file cannot be read as CSV", "无法读取该 CSV 文件"),
    "BAD_REQUEST": ("the request's parameters are wrong", "请求参数有误"),
    "BAD_USER_INPUT": ("a value in the request is not valid", "请求中的取值无效"),
    "OUT_OF_RANGE": ("a number is out of range", "数值超出允许范围"),
    "INVALID_CURSOR": ("the cursor is not valid: start again", "分页游标无效，请从头开始"),
    "GRAPHQL_PARSE_FAILED": ("the document is not valid GraphQL", "查询语句不是有效的 GraphQL"),
    "GRAPHQL_VALIDATION_FAILED": (
        "the document does not fit the schema",
        "查询语句与接口定义不符",
    ),
    "INTERNAL_SERVER_ERROR": ("an unexpected error; it was logged", "服务器内部错误，已记录"),
    "UNKNOWN_DOCUMENT": ("not a mutation of the mobile contract", "不是移动端约定的修改操作"),
    "NOT_QUEUEABLE": (
        "this operation cannot be queued: send it on its own",
        "该操作不能放入离线同步队列，请单独发送",
    ),
    "DEPENDENCY_FAILED": (
        "an earlier operation this one depends on failed",
        "所依赖的前一项操作失败",
    ),
    "PERSISTED_QUERY_NOT_FOUND": (
        "the persisted query is unknown: send its text",
        "未找到该预置查询，请发送查询全文",
    ),
    "PERSISTED_QUERY_HASH_MISMATCH": ("the hash does not match the query", "哈希值与查询内容不符"),
    "PERSISTED_DOCUMENT_REQUIRED": (
        "only the app's persisted documents are accepted",
        "只接受应用预置的查询",
    ),
    "RATE_LIMITED": ("too many requests: retry later", "请求过于频繁，请稍后重试"),
    "UNAUTHENTICATED": ("authentication required", "请先登录"),
    "INVALID_CREDENTIALS": ("wrong username or password", "用户名或密码错误"),
    "ACCOUNT_INACTIVE": ("this account is disabled", "该账号已停用"),
    "TOKEN_EXPIRED": (
        "the access token has expired; refresh it or log in again",
        "访问令牌已过期，请刷新或重新登录",
    ),
    "TOKEN_INVALID": ("the access token is not valid", "访问令牌无效"),
    "REFRESH_TOKEN_INVALID": (
        "the refresh token is unknown or expired; log in again",
        "刷新令牌无效或已过期，请重新登录",
    ),
    "REFRESH_TOKEN_REUSED": (
        "the refresh token was already used; the session is ended, log in again",
        "刷新令牌已被使用过，会话已结束，请重新登录",
    ),
    "API_KEY_INVALID": ("the API key is not valid or was revoked", "API 密钥无效或已被吊销"),
    "AGE_MISMATCH": ("the child's age does not fit this", "与儿童年龄不符"),
    "BEFORE_BIRTH": ("the date is before the child's birth", "日期早于儿童出生日期"),
    "DUPLICATE_PARENT": ("the household already has this parent", "该家庭已登记此父（母）亲"),
    "GUARDIAN_INCAPABLE": ("the guardian was assessed incapable", "监护人经评估不具备监护能力"),
    "GUARDIAN_NOT_ADULT": ("an entrusted guardian must be an adult", "受委托监护人须为成年人"),
    "GUARDIAN_NOT_ASSESSED": ("the guardian's capacity is not assessed", "尚未评估监护能力"),
    "NOT_CORRECTABLE": ("the record can no longer be corrected", "该记录已不能更正"),
    "LOGIN_THROTTLED": (
        "too many failed logins: wait, then try again",
        "登录失败次数过多，请稍后再试",
    ),
    "DUPLICATE_CREDENTIALS": (
        "a credential header was sent more than once: send it once",
        "凭证请求头重复发送，请只发送一次",
    ),
    "REQUEST_TOO_LARGE": ("the request body is too large", "请求内容过大"),
    "INVALID_JSON": ("the request is not valid UTF-8 JSON", "请求不是有效的 UTF-8 JSON"),
    "BATCH_NOT_SUPPORTED": (
        "send one operation per request: batches are not supported",
        "每个请求只能包含一项操作，不支持批量请求",
    ),
    "UNSUPPORTED_MEDIA_TYPE": (
        "send the request as application/json",
        "请以 application/json 格式发送请求",
    ),
    "METHOD_NOT_ALLOWED": ("this request needs another HTTP method", "该请求须使用其他 HTTP 方法"),
    "DOCUMENT_TOO_LARGE": ("the GraphQL document is too long", "查询文档过长"),
    "QUERY_TIMEOUT": ("the database took too long to answer", "数据库响应超时"),
    "QUERY_TOO_COSTLY": (
        "the query asks for too much at once: ask for fewer items or fields",
        "查询一次请求的数据过多，请减少每页条数或查询字段",
    ),
    "DETAILS_NOT_FOR_MEASURE": (
        "the details are not those of the measure",
        "所填信息与干预措施不符",
    ),
    "ASSIGNEE_NOT_ELIGIBLE": ("this person may not work on this case", "该人员不能承办此个案"),
    "NOT_AN_EMERGENCY_MEASURE": (
        "the measure is not one for the emergency response",
        "该措施不属于应急处置措施",
    ),
    # Dropout cases (app/domain/workflow.py): a written report needs its recipients on file
    "RECIPIENT_MISSING": (
        "a body the step must address is not on file",
        "该步骤须报送的机构尚未登记",
    ),
    "RECEIVER_NOT_ALLOWED": (
        "the organization cannot take a referral of this kind of case",
        "该单位不能接收此类个案的转介",
    ),
    "OUTSIDE_JURISDICTION": (
        "the organization does not serve the child's area",
        "该单位不负责儿童所在地区",
    ),
    "ALREADY_REFERRED": (
        "the case is already referred to this organization",
        "该个案已转介给该单位",
    ),
    "NOT_THE_RECEIVER": (
        "the referral is to another organization",
        "该转介的接收单位不是您所在的单位",
    ),
    "INVALID_REFERRAL_STATUS": (
        "this step is not possible at the referral's status",
        "转介当前状态不能进行此操作",
    ),
    "INVALID_HOUSEHOLD": ("not a household for this", "住户不符合要求"),
    "HOUSEHOLD_REQUIRED": ("a household is needed", "需要指定住户"),
    "STEP_NOT_NEEDED": ("this acceptance is not needed", "无需此项同意"),
    "STEP_ALREADY_ACCEPTED": ("already accepted", "已同意"),
    "REQUEST_CLOSED": ("the request is no longer open", "申请已结束"),
    "MOVE_ALREADY_REQUESTED": ("a move is already requested", "已有待处理的迁移申请"),
    "COUNTIES_FIRST": ("the counties accept first", "需先经两地县级民政部门同意"),
    "CHILD_ID_OR_DESCRIPTION": (
        "a report names a child's file or describes a child not on file, exactly one",
        "报告须填写儿童档案或描述尚未建档的儿童，二者选一",
    ),
    "NOT_PROVISIONAL": ("the file is not provisional", "该档案不是待核实档案"),
    "INVALID_URL": ("not a web address this service can send to", "不是可推送的网址"),
    "EXPORT_TOO_LARGE": ("the export has more rows than allowed", "导出行数超过上限"),
    "MERGE_SAME_CHILD": ("a file cannot be merged into itself", "档案不能并入自身"),
    "ALREADY_MERGED": ("the file has already been merged", "该档案已并档"),
    "DIFFERENT_ID_NUMBERS": ("the files hold different ID numbers", "两份档案的身份证号不同"),
    "BAD_MAPPING": ("a column mapping that cannot be read", "无法识别的列映射"),
    "UNKNOWN_COLUMN": ("not a standard column of a ledger", "不是台账的标准列"),
    "DUPLICATE_COLUMN": ("a column is in the ledger twice", "台账中有重复的列"),
    "MISSING_COLUMN": ("the ledger lacks a column it needs", "台账缺少必需的列"),
    "UNREADABLE_FILE": ("the file is not a ledger that can be read", "文件不是可以读取的台账"),
    "UNKNOWN_VALUE": ("a value that is not recognized", "无法识别的值"),
    "EMPTY_FILE": ("the file has no rows", "文件中没有数据行"),
    "TOO_MANY_ROWS": ("the ledger has too many rows", "台账行数过多"),
    "UNKNOWN_VILLAGE": ("no such village", "没有这个村（社区）"),
    "DUPLICATE_ROW": ("the same child is in the ledger twice", "台账中同一名儿童出现两次"),
    "UNKNOWN_SCHOOL": ("no such school", "没有这所学校"),
    "PAYLOAD_TOO_LARGE": ("the upload is too large", "上传的文件过大"),
    # The staff register and passwords (docs/staff.md)
    "USERNAME_TAKEN": ("the username is taken", "用户名已被使用"),
    "INVALID_USERNAME": ("not a username that can be used", "用户名不符合要求"),
    "INVALID_ORGANIZATION": ("no such organization here", "该地区没有这个单位"),
    "ALREADY_GRANTED": ("the role is already held there", "已拥有该地区的该角色"),
    "NOT_GRANTED": ("the role was not granted there", "未被授予该地区的该角色"),
    "TRAINING_REQUIRED": ("no passed training on record", "尚无培训合格记录"),
    "PASSWORD_CHANGE_REQUIRED": ("the one-time password must be changed", "须先修改一次性密码"),
    "PASSWORD_TOO_SHORT": ("the password is too short", "密码过短"),
    "PASSWORD_HAS_USERNAME": ("the password contains the username", "密码包含用户名"),
    "PASSWORD_TOO_COMMON": ("the password is too common", "密码过于常见"),
    "PASSWORD_UNCHANGED": ("the new password is the current one", "新密码与当前密码相同"),
}

# Words put into messages (app/i18n.Term): kinds of records (NOT_FOUND) and the objects and
# actions of the authorization policy (FORBIDDEN, authz/policy.csv).
TERMS: Final[dict[str, str]] = {
    # records
    "child": "儿童",
    "household": "家庭",
    "parent": "父母信息",
    "guardianship": "委托照护关系",
    "case": "个案",
    "contract": "服务合同",
    "organization": "单位",
    # policy objects
    "child file": "儿童档案",
    "id number": "身份证号码",
    "referred case": "转介个案",
    "police case": "涉警个案",
    "student": "学生",
    "dropout status": "劝返状态",
    "absence": "缺课记录",
    "contracted child": "服务对象儿童",
    "duplicate report": "重复建档核查",
    "audit": "访问记录",
    "service visit": "服务走访",
    "statistics": "统计数据",
    "account": "账号",
    "policy": "权限策略",
    "graphql ide": "调试工具",
    "child move": "儿童档案迁移",
    "task": "任务",
    # policy actions
    "read": "查看",
    "write": "编辑",
    "report": "报告",
    "respond": "应急处置",
    "assess": "评估",
    "refer": "转介",
    "intervene": "监护干预",
    "place": "临时安置",
    "follow_up": "跟踪回访",
    "close": "结案",
    "request": "申请",
    "accept": "接收",
    "approve": "同意",
    "assign": "分派",
    "manage": "管理",
    "use": "使用",
    # a case's reporter (authz/fields.py)
    "reporter": "报告人",
    "public reporter": "群众报告人",
    # referrals: the record, its policy object and action
    "referral": "转介",
    "receive": "接收",
    # intake for any report: its policy actions
    "intake": "受理",
    "merge": "并档",
    # tasks: their policy action
    "complete": "办理",
    "count": "统计",
    # webhooks: their policy object and the record
    "webhook": "数据推送",
    "webhook subscriber": "推送订阅方",
    # schools: a pupil's teacher in charge, the schools' rates (policy objects)
    "teacher in charge": "帮扶教师",
    "school rates": "学校辍学率与缺课率",
    # the staff register: the record, its policy objects (the roles a manager manages)
    "staff": "工作人员",
    "staff work": "工作人员工作情况",
    "village director": "儿童主任",
    "township supervisor": "儿童督导员",
    "county civil affairs": "县级民政部门人员",
    "city": "市级民政部门人员",
    "province": "省级民政部门人员",
    "protection centre": "未成年人救助保护机构人员",
    "police": "公安机关人员",
    "school": "学校人员",
    "ngo": "社会组织人员",
    "partner agency": "协作单位人员",
}
