"""Worker processes only where they pay: many inputs that are also big."""

from __future__ import annotations

import os
from pathlib import Path

from sentinel.runner.evaluate import PARALLEL_MIN_BYTES, PARALLEL_THRESHOLD, _Job, worker_count


def jobs(folder: Path, count: int, size: int) -> list[_Job]:
    out = []
    for i in range(count):
        path = folder / f"{i}.json"
        with path.open("wb") as handle:
            handle.truncate(size)  # sparse: the size is what counts
        out.append(_Job(name=str(path), path=str(path)))
    return out


def test_many_small_inputs_use_one_worker(tmp_path: Path) -> None:
    assert worker_count(jobs(tmp_path, PARALLEL_THRESHOLD * 2, 400), 0) == 1


def test_few_inputs_use_one_worker_even_when_asked_for_more(tmp_path: Path) -> None:
    assert worker_count(jobs(tmp_path, 3, PARALLEL_MIN_BYTES), 4) == 1


def test_many_big_inputs_use_every_core(tmp_path: Path) -> None:
    size = PARALLEL_MIN_BYTES // PARALLEL_THRESHOLD + 1
    assert worker_count(jobs(tmp_path, PARALLEL_THRESHOLD, size), 0) == (os.cpu_count() or 1)


def test_jobs_asked_for_are_used_for_many_inputs(tmp_path: Path) -> None:
    assert worker_count(jobs(tmp_path, PARALLEL_THRESHOLD, 10), 3) == 3


def test_documents_in_memory_count_as_small() -> None:
    in_memory = [_Job(name=f"d{i}", document={"x": i}) for i in range(PARALLEL_THRESHOLD * 2)]
    assert worker_count(in_memory, 0) == 1
