"""BackgroundTask: work runs off the GUI thread, signals arrive in order, cancel is honoured."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread, QTimer

from app.services.progress import Cancelled, CancelToken, ProgressReporter
from app.views.workers import BackgroundTask


def test_work_runs_on_another_thread_and_reports(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    gui_thread = QThread.currentThread()
    ran_on: list[bool] = []

    def work(report: ProgressReporter, cancel: CancelToken) -> int:
        ran_on.append(QThread.currentThread() is not gui_thread)
        for step in range(3):
            report(step + 1, 3, f"step {step + 1}")
        return 42

    task = BackgroundTask(work)
    task.started.connect(lambda: seen.append("started"))
    task.progress.connect(lambda done, total, text: seen.append(f"progress {done}/{total} {text}"))
    task.succeeded.connect(lambda result: seen.append(f"succeeded {result}"))
    task.failed.connect(lambda error: seen.append(f"failed {error}"))
    task.finished.connect(lambda: seen.append("finished"))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        task.start()
    assert ran_on == [True]
    assert seen == [
        "started",
        "progress 1/3 step 1",
        "progress 2/3 step 2",
        "progress 3/3 step 3",
        "succeeded 42",
        "finished",
    ]
    assert not task.running


def test_an_error_reaches_failed_and_finished_still_comes(qtbot) -> None:  # type: ignore[no-untyped-def]
    def work(report: ProgressReporter, cancel: CancelToken) -> None:
        raise ValueError("the package said no")

    task = BackgroundTask(work)
    errors: list[BaseException] = []
    task.failed.connect(errors.append)
    with qtbot.waitSignals([task.failed, task.finished], order="strict", timeout=10_000):
        task.start()
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "the package said no"


def test_cancel_stops_the_work_and_the_gui_keeps_running(qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    steps: list[int] = []

    def work(report: ProgressReporter, cancel: CancelToken) -> None:
        for step in range(1000):
            cancel.raise_if_cancelled()
            steps.append(step)
            report(step, 1000, "working")
            release.wait(0.01)

    ticks: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()
    task = BackgroundTask(work)
    errors: list[BaseException] = []
    task.failed.connect(errors.append)
    task.progress.connect(lambda done, *_: task.cancel() if done >= 5 else None)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        task.start()
    heartbeat.stop()
    assert isinstance(errors[0], Cancelled)
    assert 5 <= len(steps) < 1000
    assert len(ticks) > 0  # the GUI thread's timer kept firing while the work ran


def test_a_task_runs_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    task = BackgroundTask(lambda report, cancel: None)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        task.start()
    with pytest.raises(RuntimeError):
        task.start()


def test_wait_on_the_gui_thread_sees_the_work_end(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Shutdown waits for running work without the event loop turning: it must not hang."""
    done = threading.Event()

    def work(report: ProgressReporter, cancel: CancelToken) -> None:
        done.wait(0.05)

    task = BackgroundTask(work)
    task.start()
    assert task.wait(10_000)
