"""Test factories (factory_boy) for the shared domain: municipality (自治体), 部・課, residents and
staff with roles and a verified second factor.

    from madoguchi.core.factories import MunicipalityFactory, SectionFactory, ResidentFactory, StaffFactory

    city = MunicipalityFactory()                           # the site's city (the first one is the default)
    shimin = SectionFactory(name="市民課")                   # in the current city unless given one
    clerk = StaffFactory(section=shimin)                    # 担当者 of 市民課
    boss = StaffFactory(section=shimin, role="manager", verified=True)   # with a confirmed TOTP device
    resident = ResidentFactory()                            # profile filled in (氏名, 住所, 電話 …)

Every record belongs to a municipality: a section made without one joins the current city
(``Municipality.current()``), or a new one if there is none yet, so a test's records form one
consistent graph unless it asks for a second city. Each user's password is ``PASSWORD``, hashed
once per process and hasher setting (hashing is most of the cost of making a user).
"""

from __future__ import annotations

import datetime as dt
import functools

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from .codes import local_government_check_digit
from .models import Municipality, Section, StaffRole

PASSWORD = "correct-horse-battery-9"


@functools.lru_cache(maxsize=32)
def _hashed(password: str, hashers: tuple) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)


def hashed_password(password: str | None) -> str:
    """``password`` hashed with the first configured hasher, computed once per process."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    if password is None:
        return make_password(None)  # unusable
    return _hashed(password, tuple(settings.PASSWORD_HASHERS))


def local_government_code(n: int) -> str:
    """A valid 6-digit 全国地方公共団体コード outside the real range (prefecture 90)."""
    first5 = f"90{n % 1000:03d}"
    return first5 + str(local_government_check_digit(first5))


def current_municipality() -> Municipality:
    return Municipality.current() or MunicipalityFactory()


class CityOwnedFactory(DjangoModelFactory):
    """Base of the factories of rows that belong to a city (core.models.CityOwned): a row made
    without a municipality takes its parent's (the model's ``tenant_parent``) or, without one,
    the current city's."""

    class Meta:
        abstract = True

    @classmethod
    def _city_kwargs(cls, model_class, kwargs):
        if kwargs.get("municipality") is None and "municipality" in {f.name for f in model_class._meta.get_fields()}:
            parent = kwargs.get(getattr(model_class, "tenant_parent", "") or "municipality")
            kwargs["municipality"] = parent.municipality if parent is not None else current_municipality()
        return kwargs

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return super()._create(model_class, *args, **cls._city_kwargs(model_class, kwargs))


class MunicipalityFactory(DjangoModelFactory):
    """自治体. The first one made in a test is the site's own (``is_default``)."""

    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"テスト市{n}")
    name_kana = "てすとし"
    code = factory.Sequence(local_government_code)
    prefecture = "東京都"
    postal_code = "190-0000"
    address = "東京都テスト市中央一丁目1番1号（架空）"
    phone = "0428-00-0000"
    is_fictional = True
    is_default = factory.LazyFunction(lambda: not Municipality.objects.filter(is_default=True).exists())


class SectionFactory(DjangoModelFactory):
    """課 (or 部 with ``kind=Section.Kind.DEPARTMENT``); a 課 under a 部 shares its municipality."""

    class Meta:
        model = Section
        django_get_or_create = ("municipality", "name")

    parent = None
    municipality = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.municipality"),
        no_declaration=factory.LazyFunction(current_municipality),
    )
    kind = Section.Kind.SECTION
    name = factory.Sequence(lambda n: f"テスト課{n}")
    location = "本庁舎1階"

    class Params:
        # A contact address (連絡先メール) for the section's emails; none by default, as in
        # the model.
        with_email = factory.Trait(email=factory.Sequence(lambda n: f"section{n}@city.example.lg.jp"))


class DepartmentFactory(SectionFactory):
    kind = Section.Kind.DEPARTMENT
    name = factory.Sequence(lambda n: f"テスト部{n}")


class InformationPolicySectionFactory(SectionFactory):
    """情報政策課: the section that administers the platform."""

    name = "情報政策課"
    is_information_policy = True


class UserFactory(DjangoModelFactory):
    """利用者 with password ``PASSWORD`` (``raw_password=`` another one, or None for an unusable one)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    class Params:
        raw_password = PASSWORD

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    email_verified = True
    password = factory.LazyAttribute(lambda o: hashed_password(o.raw_password))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs["email"] = kwargs["email"].lower()
        return kwargs


class ResidentFactory(UserFactory):
    """A resident (住民) whose profile is complete enough for every form's prefill."""

    email = factory.Sequence(lambda n: f"resident{n}@example.jp")
    family_name = "緑野"
    given_name = "さくら"
    family_name_kana = "みどりの"
    given_name_kana = "さくら"
    birth_date = dt.date(1990, 4, 1)
    postal_code = "190-0000"
    address = "東京都みどり野市中央二丁目3番4号"
    phone = "090-0000-0000"


class StaffRoleFactory(CityOwnedFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory("madoguchi.core.factories.StaffFactory")
    section = factory.SubFactory(SectionFactory)
    role = StaffRole.Role.CLERK


class StaffFactory(UserFactory):
    """職員. ``section=`` gives a role there (``role=``, 担当者 by default; ``sections=[…]`` for
    several); ``verified=True`` adds a confirmed TOTP device (``accounts.testing.login_staff``
    signs in with it); ``admin=True`` makes a platform administrator (``is_platform_admin``; give
    ``section=InformationPolicySectionFactory()`` too when the test needs 情報政策課's role)."""

    class Params:
        admin = factory.Trait(is_platform_admin=True)

    email = factory.Sequence(lambda n: f"staff{n}@city.example.lg.jp")
    is_staff = True
    family_name = "職員"
    given_name = factory.Sequence(lambda n: f"{n}号")

    @classmethod
    def _pop_staff_options(cls, kwargs):
        section = kwargs.pop("section", None)
        sections = list(kwargs.pop("sections", None) or ([section] if section is not None else []))
        return sections, kwargs.pop("role", StaffRole.Role.CLERK), kwargs.pop("verified", False)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        cls._pop_staff_options(kwargs)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        sections, role, verified = cls._pop_staff_options(kwargs)
        user = super()._create(model_class, *args, **kwargs)
        for section in sections:
            StaffRole.objects.update_or_create(user=user, section=section, defaults={"role": role})
        if verified:
            from madoguchi.accounts.testing import verified_device

            verified_device(user)
        return user
