"""The Complete Journey adapter shapes the package's data into a valid raw run."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.reference import read_complete_journey
from python_models.reference.complete_journey import sample_households


def test_the_reference_sample_is_deterministic_and_seeded():
    ids = np.arange(100, 200)
    first = sample_households(ids, 10, seed=3)
    assert np.array_equal(first, sample_households(ids[::-1], 10, seed=3))
    assert not np.array_equal(first, sample_households(ids, 10, seed=4))
    assert len(set(first)) == 10 and set(first) <= set(ids)


@pytest.mark.parametrize("size", [0, 101])
def test_the_reference_sample_size_is_checked(size):
    with pytest.raises(ValueError, match="reference_households must be between 1 and 100"):
        sample_households(np.arange(100), size, seed=0)


def test_sample_is_self_consistent():
    data = read_complete_journey(reference_households=40, sample_seed=1)
    t = {name: table.to_pandas() for name, table in data.tables.items()}

    households = set(t["households"]["household_id"])
    assert len(households) == 40
    assert set(t["transactions"]["household_id"]) <= households
    assert set(t["campaigns"]["household_id"]) <= households
    assert set(t["coupon_redemptions"]["household_id"]) <= households
    assert set(t["stores"]["store_id"]) == set(t["transactions"]["store_id"])
    # The promotions of the (product, store) pairs the sample bought.
    lines, promotions = t["transactions"], t["promotions"]
    bought = set(zip(lines["product_id"], lines["store_id"], strict=True))
    promoted = set(zip(promotions["product_id"], promotions["store_id"], strict=True))
    assert 0 < len(promoted) < len(bought) and promoted <= bought
    assert set(t["transactions"]["product_id"]) <= set(t["products"]["product_id"])
    assert not t["coupons"].duplicated().any()
    placeholders = t["products"][["department", "brand", "product_category"]].isna().all(axis=1)
    assert 0 < data.notes["placeholder_products"] == placeholders.sum()
    assert data.notes["duplicate_coupon_rows_dropped"] == 4872
