"""A background job's progress reaches the app a few times a second, whatever its pace: each
report costs the app's process the GIL and its UI thread a status line (issue 20)."""

from __future__ import annotations

from mediacenter.offload import ProgressThrottle
from mediacenter.segments.job import JobProgress


def test_a_job_racing_through_files_reports_a_few_times_a_second_and_the_last_count():
    clock = [0.0]
    sent: list[JobProgress] = []
    throttle = ProgressThrottle(sent.append, every_s=0.25, clock=lambda: clock[0])
    for n in range(6000):  # one second of files it cannot read
        clock[0] = n / 6000
        throttle(JobProgress("segments", n, 6000, f"f{n}"))
    assert 4 <= len(sent) <= 5
    assert sent[0].done == 0
    throttle.flush()
    assert sent[-1].done == 5999  # the count shown last is the true one
    throttle.flush()
    assert sent[-1].done == 5999 and len([p for p in sent if p.done == 5999]) == 1


def test_a_new_phase_is_reported_at_once():
    clock = [0.0]
    sent: list[JobProgress] = []
    throttle = ProgressThrottle(sent.append, every_s=0.25, clock=lambda: clock[0])
    throttle(JobProgress("segments", 1, 2, "a"))
    throttle(JobProgress("segments", 2, 2, "b"))  # held back
    throttle(JobProgress("thumbnails", 0, 2, "a"))
    assert [(p.phase, p.done) for p in sent] == [("segments", 1), ("thumbnails", 0)]
