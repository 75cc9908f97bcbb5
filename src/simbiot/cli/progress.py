"""Progress bars for long commands (rich), written to stderr so JSON output stays clean."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["progress_bar", "task_callback"]


def progress_bar(console: Console) -> Progress:
    """Return a progress display with a description, a bar, done/total and elapsed time."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def task_callback(progress: Progress, description: str) -> Callable[[int, int], None]:
    """Return a ``(done, total)`` callback that drives one task of ``progress``."""
    task = progress.add_task(description, total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return advance
