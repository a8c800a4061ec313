"""The Ray adapter's plain-task map: results in job order, and only a window of tasks in flight (the driver must not
hold every unit's task and result at once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import offline_guard

pytestmark = pytest.mark.ray


def square(x: int) -> int:
    return x * x


def test_remote_map_keeps_order_and_submits_a_window_at_a_time() -> None:
    offline_guard()
    import ray

    from audioflan_ray.pipeline.ray_adapter import remote_map

    pulled: list[int] = []

    def jobs() -> Iterator[tuple[int]]:
        for i in range(40):
            pulled.append(i)
            yield (i,)

    ray.init(num_cpus=1, include_dashboard=False)
    try:
        results = remote_map(square, jobs(), retries=0, window=3)
        assert pulled == []  # nothing is submitted before the first result is asked for
        assert next(results) == 0
        assert len(pulled) == 4  # the window of 3, and one more once the first result was read
        assert next(results) == 1
        assert len(pulled) == 5
        assert list(results) == [i * i for i in range(2, 40)]
        assert len(pulled) == 40
        # the default window follows the cluster's CPUs and still covers every job
        assert list(remote_map(square, [(i,) for i in range(100)])) == [i * i for i in range(100)]
    finally:
        ray.shutdown()
