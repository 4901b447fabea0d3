"""Chinese names, places and phrases for generated data, sampled with a seeded Random."""

from __future__ import annotations

import random

# The most common surnames, weighted roughly by frequency.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
)
_SURNAME_WEIGHTS = [max(1.0, 8.0 - i * 0.08) for i in range(len(SURNAMES))]
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳晨博文轩睿泽昊然子豪天佑"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英红梅琳雪婷欣怡佳雨涵萱梓琪诗悦馨彤紫若思月颖蕾萌瑶妍雯洁"
# Where parents from Hubei villages go to work.
WORK_PLACES = (
    ("44", "广东省深圳市"),
    ("44", "广东省东莞市"),
    ("44", "广东省广州市"),
    ("33", "浙江省杭州市"),
    ("33", "浙江省宁波市"),
    ("32", "江苏省苏州市"),
    ("31", "上海市"),
    ("11", "北京市"),
    ("35", "福建省厦门市"),
    ("42", "湖北省武汉市"),
    ("50", "重庆市"),
    ("51", "四川省成都市"),
)
WORK_KINDS = ("电子厂", "建筑工地", "服装厂", "物流公司", "餐馆", "家具厂", "汽配厂", "快递站点")
ROAD_WORDS = ("东", "西", "南", "北", "中", "新", "前", "后")


def person_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    """A plausible full name; children usually share the father's surname."""
    family = surname or rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return family + given


def surname(rng: random.Random) -> str:
    """A surname drawn by frequency."""
    return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]


def mobile_phone(rng: random.Random) -> str:
    """A mainland mobile number (11 digits, 1[3-9]x)."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def address(rng: random.Random, village_name: str) -> str:
    """A house address inside a village."""
    group = rng.randint(1, 12)
    return f"{village_name}{group}组{rng.randint(1, 80)}号"


def work_place(rng: random.Random) -> tuple[str, str]:
    """(province code, description) of a parent's workplace away from home."""
    province, city = rng.choice(WORK_PLACES)
    return province, f"{city}{rng.choice(ROAD_WORDS)}区{rng.choice(WORK_KINDS)}"
