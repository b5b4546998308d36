from pathlib import Path

import pytest

from madoguchi.accounts.testing import login_staff

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed(prefix: str) -> bytes:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


@pytest.fixture
def city(db):
    from madoguchi.core.factories import MunicipalityFactory

    return MunicipalityFactory(name="武蔵野市", name_kana="", code="132039", is_fictional=False, is_default=False)


staff_login = login_staff  # one way to sign staff in with a verified second factor


@pytest.fixture
def org(db):
    """A municipality with 情報政策課 and two sections, a reviewer and two section clerks."""
    from madoguchi.core.factories import InformationPolicySectionFactory, MunicipalityFactory, SectionFactory, StaffFactory

    muni = MunicipalityFactory(name="みどり野市", code="139998", is_default=True)
    ip = InformationPolicySectionFactory(municipality=muni)
    shimin = SectionFactory(municipality=muni, name="市民課")
    sports = SectionFactory(municipality=muni, name="生涯学習スポーツ課")
    users = {key: StaffFactory(email=f"{key}@example.lg.jp", section=section) for key, section in [("ip", ip), ("shimin", shimin), ("sports", sports)]}
    return {"muni": muni, "ip": ip, "shimin": shimin, "sports": sports, "users": users}
