from pathlib import Path

import pytest

from madoguchi.accounts.testing import login_staff

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed(prefix: str) -> bytes:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


@pytest.fixture
def city(db):
    from madoguchi.core.models import Municipality

    return Municipality.objects.create(name="武蔵野市", code="132039", prefecture="東京都")


staff_login = login_staff  # one way to sign staff in with a verified second factor


@pytest.fixture
def org(db):
    """A municipality with 情報政策課 and two sections, a reviewer and two section clerks."""
    from django.contrib.auth import get_user_model

    from madoguchi.core.models import Municipality, Section, StaffRole

    muni = Municipality.objects.create(name="みどり野市", code="139998", is_default=True, is_fictional=True)
    ip = Section.objects.create(municipality=muni, name="情報政策課", is_information_policy=True)
    shimin = Section.objects.create(municipality=muni, name="市民課")
    sports = Section.objects.create(municipality=muni, name="生涯学習スポーツ課")
    User = get_user_model()
    users = {}
    for key, section, role in [("ip", ip, "clerk"), ("shimin", shimin, "clerk"), ("sports", sports, "clerk")]:
        u = User.objects.create_user(email=f"{key}@example.lg.jp", password="x-pass-12345", is_staff=True)
        StaffRole.objects.create(user=u, section=section, role=role)
        users[key] = u
    return {"muni": muni, "ip": ip, "shimin": shimin, "sports": sports, "users": users}
