"""Reconnection delays: 1, 2, 4, 8, 16, 32, 60, 60... seconds with +-20% jitter and a retry cap."""

from __future__ import annotations

import itertools
import random

import pytest

from sentinel.runtime.cloud.backoff import Backoff

EXPECTED = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]


def test_without_jitter_the_delays_double_from_1_s_and_stay_at_60_s() -> None:
    delays = list(itertools.islice(Backoff(jitter=0).delays(), 10))
    assert delays == EXPECTED


@pytest.mark.parametrize("seed", range(50))
def test_each_jittered_delay_stays_within_20_percent_of_its_base(seed: int) -> None:
    delays = list(itertools.islice(Backoff(rng=random.Random(seed)).delays(), 10))
    for base, delay in zip(EXPECTED, delays, strict=True):
        assert base * 0.8 <= delay <= base * 1.2


def test_jitter_spreads_agents_that_retry_at_the_same_moment() -> None:
    firsts = {next(Backoff(rng=random.Random(seed)).delays()) for seed in range(20)}
    assert len(firsts) == 20
    assert min(firsts) < 0.95 and max(firsts) > 1.05


def test_the_retry_cap_bounds_the_number_of_delays() -> None:
    assert len(list(Backoff(max_retries=4).delays())) == 4


def test_a_cap_of_zero_never_retries() -> None:
    assert list(Backoff(max_retries=0).delays()) == []


def test_without_a_cap_the_delays_never_end() -> None:
    assert len(list(itertools.islice(Backoff().delays(), 1000))) == 1000


def test_a_negative_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Backoff(max_retries=-1)
