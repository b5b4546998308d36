import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def city(db):
    from madoguchi.core import demo

    return demo.load()


@pytest.fixture
def staff(city):
    from django.contrib.auth import get_user_model

    from madoguchi.core.models import Section, StaffRole

    User = get_user_model()
    own = Section.objects.get(municipality=city, name="情報政策課")
    other = Section.objects.get(municipality=city, name="市民課")

    def make(local, section):
        u = User.objects.create_user(email=f"{local}@test.example", password="x" * 12, is_staff=True)
        StaffRole.objects.create(user=u, section=section, role="clerk")
        return u

    return {"section": own, "clerk": make("pc-clerk", own), "other": make("pc-other", other)}


@pytest.fixture
def consultation(city, staff):
    from madoguchi.participation import services
    from madoguchi.participation.models import Consultation

    today = timezone.localdate()
    c = Consultation(
        municipality=city,
        section=staff["section"],
        title="DX推進計画（案）",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
        required_fields=["name", "address"],
        is_published=True,
    )
    return services.save_consultation(c, draft="# 第1章 計画の位置付け\n本文1\n# 第2章 施策\n本文2", plan_item_ids=[7], staff=staff["clerk"])
