"""How PathwayWorkflow stores a batch of its events (the ``project_events`` activity).

A run started with ``PROJECTION_IN_TASK`` projects a batch that no command waits on (its
opening, what a clock rang) in the workflow task that made it, as a local activity: the worker
runs it before it completes the task, so the batch costs no activity task and no second
workflow task on the server. It gets one attempt, shorter than the worker's workflow-task
heartbeat (80% of the 10 s task timeout), so a store that does not answer never holds the task
open: a busy SQLite fails it at its 5 s busy timeout, and the durable activity then waits the
outage out, retrying for as long as it takes. A batch projected twice is stored once (by seq).
A command's batch goes to the durable activity after the command is answered, as in older
runs: in the task, the answer would wait for the store's write and the search attributes
(+8 ms at the median spaced 50 ms, bench/RESULTS.md, "The projection in the task")."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import Projection
    from activities.messages import ProjectEventsInput, ProjectEventsResult

# The projection must never give up: a database outage only delays it.
PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=1)
)
PROJECTION_TIMEOUT = timedelta(seconds=30)
IN_TASK_TIMEOUT = timedelta(seconds=6)
ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


def cause_of(err: FailureError) -> str:
    """An activity's failure in one word: its error type (never its message)."""
    cause = err.cause if isinstance(err, ActivityError) else err
    return cause.type if isinstance(cause, ApplicationError) and cause.type else type(cause).__name__


async def project(batch: ProjectEventsInput, *, in_task: bool) -> ProjectEventsResult:
    """Store ``batch``; ``in_task``: first as a local activity in this workflow task."""
    if in_task:
        try:
            return await workflow.execute_local_activity_method(
                Projection.project_events, batch, start_to_close_timeout=IN_TASK_TIMEOUT, retry_policy=ONE_ATTEMPT
            )
        # A local activity's last failure comes as it was raised (an ApplicationError, or the
        # TimeoutError of its start-to-close), not wrapped in an ActivityError.
        except (ActivityError, ApplicationError, TimeoutError) as err:
            workflow.logger.warning(
                "projection left to the durable activity",
                extra={"case_id": batch.summary.case_id, "seq": batch.events[-1].seq, "cause": cause_of(err)},
            )
    return await workflow.execute_activity_method(
        Projection.project_events, batch, start_to_close_timeout=PROJECTION_TIMEOUT, retry_policy=PROJECTION_RETRY
    )
