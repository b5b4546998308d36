from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed(prefix: str) -> bytes:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


@pytest.fixture
def city(db):
    from madoguchi.core.models import Municipality

    return Municipality.objects.create(name="武蔵野市", code="132039", prefecture="東京都")
