"""The fictional demo cities (共同運営): みどり野市 (Midorino City) and its neighbour あおば台町
(Aobadai Town), served from one deployment on ``midorino.localhost`` and ``aobadai.localhost``;
municipality, 部・課, staff accounts, the 共同運営 operator.

All names and numbers here are invented; nothing is presented as a real statistic.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .codes import local_government_check_digit
from .models import Municipality, MunicipalityDomain, Section, StaffRole

DEMO_CODE5 = "13999"  # not assigned to any real municipality
DEMO_PASSWORD = "madoguchi-demo-2026"

# 部 → 課 (section, kana, location, is_information_policy)
ORGANISATION = {
    "総務部": [("情報政策課", "じょうほうせいさくか", "本庁舎3階", True), ("総務課", "そうむか", "本庁舎3階", False)],
    "市民部": [
        ("市民課", "しみんか", "本庁舎1階", False),
        ("市民税課", "しみんぜいか", "本庁舎2階", False),
        ("保険年金課", "ほけんねんきんか", "本庁舎1階", False),
    ],
    "子ども家庭部": [("子育て支援課", "こそだてしえんか", "本庁舎2階", False), ("保育課", "ほいくか", "本庁舎2階", False)],
    "健康福祉部": [("介護保険課", "かいごほけんか", "本庁舎1階", False), ("健康課", "けんこうか", "保健センター", False)],
    "環境部": [("ごみ対策課", "ごみたいさくか", "清掃事務所", False)],
    "防災安全部": [("防災安全課", "ぼうさいあんぜんか", "本庁舎4階", False)],
    "生涯学習部": [("生涯学習スポーツ課", "しょうがいがくしゅうすぽーつか", "本庁舎5階", False)],
    "都市整備部": [("道路管理課", "どうろかんりか", "本庁舎4階", False)],
}

# email local part, section, role, family, given
STAFF = [
    ("admin", "情報政策課", StaffRole.Role.MANAGER, "情報", "太郎"),
    ("shimin", "市民課", StaffRole.Role.CLERK, "市民", "花子"),
    ("shimin-boss", "市民課", StaffRole.Role.APPROVER, "窓口", "一郎"),
    ("kosodate", "子育て支援課", StaffRole.Role.CLERK, "子育", "由美"),
    ("hoiku", "保育課", StaffRole.Role.CLERK, "保育", "健"),
    ("kaigo", "介護保険課", StaffRole.Role.CLERK, "介護", "恵子"),
    ("gomi", "ごみ対策課", StaffRole.Role.CLERK, "環境", "修"),
    ("bousai", "防災安全課", StaffRole.Role.APPROVER, "防災", "誠"),
    ("sports", "生涯学習スポーツ課", StaffRole.Role.CLERK, "生涯", "学"),
]
STAFF_DOMAIN = "city.midorino.example.lg.jp"
DEMO_DOMAIN = "midorino.localhost"

# The neighbour town: a small organisation of its own, its own staff, its own host name.
NEIGHBOUR_CODE5 = "13998"  # not assigned to any real municipality
NEIGHBOUR_DOMAIN = "aobadai.localhost"
NEIGHBOUR_STAFF_DOMAIN = "town.aobadai.example.lg.jp"
# The town keeps the same 課 names as the city (the apps' demo data is written per 課 name);
# its own staff, host name and theme colour.
NEIGHBOUR_STAFF = [
    ("admin", "情報政策課", StaffRole.Role.MANAGER, "青葉", "翔"),
    ("shimin", "市民課", StaffRole.Role.CLERK, "台", "真理"),
    ("bousai", "防災安全課", StaffRole.Role.APPROVER, "防災", "守"),
    ("sports", "生涯学習スポーツ課", StaffRole.Role.CLERK, "学", "一"),
]
OPERATOR_EMAIL = "operator@kyodo.example.jp"
RESIDENT_EMAIL = "resident@example.jp"


def load() -> Municipality:
    code = DEMO_CODE5 + str(local_government_check_digit(DEMO_CODE5))
    municipality, _ = Municipality.objects.update_or_create(
        code=code,
        defaults=dict(
            name="みどり野市",
            name_kana="みどりのし",
            name_en="Midorino City (demo)",
            prefecture="東京都",
            postal_code="190-0000",
            address="東京都みどり野市中央一丁目1番1号（架空）",
            phone="0428-00-0000",
            is_fictional=True,
            is_default=True,
        ),
    )
    Municipality.objects.exclude(pk=municipality.pk).update(is_default=False)
    MunicipalityDomain.objects.update_or_create(domain=DEMO_DOMAIN, defaults={"municipality": municipality, "is_primary": True})
    _organisation(municipality, ORGANISATION, STAFF, STAFF_DOMAIN)
    load_resident()
    return municipality


def _organisation(municipality, organisation, staff, staff_domain) -> None:
    for dept_name, sections in organisation.items():
        dept, _ = Section.objects.update_or_create(municipality=municipality, name=dept_name, defaults={"kind": Section.Kind.DEPARTMENT})
        for name, kana, location, is_ip in sections:
            Section.objects.update_or_create(
                municipality=municipality,
                name=name,
                defaults=dict(
                    parent=dept, kind=Section.Kind.SECTION, name_kana=kana, location=location, is_information_policy=is_ip, email=f"{kana[:4]}@{staff_domain}"
                ),
            )
    User = get_user_model()
    from django.contrib.auth.hashers import make_password

    hashed = make_password(DEMO_PASSWORD)  # one Argon2 run for all demo accounts (seconds saved per test)
    for local, section_name, role, family, given in staff:
        user, created = User.objects.get_or_create(
            email=f"{local}@{staff_domain}",
            defaults=dict(family_name=family, given_name=given, is_staff=True, email_verified=True, is_platform_admin=(local == "admin")),
        )
        if created:
            user.password = hashed
            user.save()
        StaffRole.objects.update_or_create(user=user, section=Section.objects.get(municipality=municipality, name=section_name), defaults={"role": role})


def load_resident():
    """One resident account, used in both cities (one account across a 共同運営)."""
    User = get_user_model()
    from django.contrib.auth.hashers import make_password

    resident, created = User.objects.get_or_create(
        email=RESIDENT_EMAIL,
        defaults=dict(
            family_name="緑野",
            given_name="さくら",
            family_name_kana="みどりの",
            given_name_kana="さくら",
            postal_code="190-0000",
            address="東京都みどり野市中央二丁目3番4号",
            phone="090-0000-0000",
            email_verified=True,
        ),
    )
    if created:
        import datetime as dt

        resident.birth_date = dt.date(1990, 4, 1)
        resident.password = make_password(DEMO_PASSWORD)
        resident.save()
    return resident


def load_neighbour() -> Municipality:
    """あおば台町, the second city of the joint deployment, and the operator above both."""
    code = NEIGHBOUR_CODE5 + str(local_government_check_digit(NEIGHBOUR_CODE5))
    town, _ = Municipality.objects.update_or_create(
        code=code,
        defaults=dict(
            name="あおば台町",
            name_kana="あおばだいまち",
            name_en="Aobadai Town (demo)",
            prefecture="東京都",
            postal_code="190-0100",
            address="東京都あおば台町本町1番地（架空）",
            phone="0428-00-1111",
            is_fictional=True,
            is_default=False,
            theme=Municipality.Theme.GREEN,
        ),
    )
    MunicipalityDomain.objects.update_or_create(domain=NEIGHBOUR_DOMAIN, defaults={"municipality": town, "is_primary": True})
    _organisation(town, ORGANISATION, NEIGHBOUR_STAFF, NEIGHBOUR_STAFF_DOMAIN)
    User = get_user_model()
    from django.contrib.auth.hashers import make_password

    operator, created = User.objects.get_or_create(
        email=OPERATOR_EMAIL, defaults=dict(family_name="共同", given_name="運営", is_staff=True, is_operator=True, email_verified=True)
    )
    if created:
        operator.password = make_password(DEMO_PASSWORD)
        operator.save()
    return town
