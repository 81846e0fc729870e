"""The sandbox every worker and replayer runs PathwayWorkflow in.

The pure core and the libraries it uses are deterministic; passing them through the
sandbox means they are imported once, outside it, instead of being re-imported (and their
import-time code re-run under the sandbox's restrictions) for every workflow run.

That includes our own workflow modules (``workflows``): the sandbox re-imports a workflow's
module for every run, so each cached case kept its own copy of ``workflows.pathway`` (the
class, its fourteen update definitions and their signatures: ~80 KB of worker memory per
case, measured with bench/memory_per_case.py). Those modules keep no state of their own at
module level (constants, the classes), so one copy serves every run; each run still gets its
own instance. The price, as for ``pathway.core`` already: the sandbox no longer checks what
these modules call through their imports (``datetime.now`` would not be caught there; the
restricted builtins, ``open`` and the like, still are), so determinism rests on review, the
time-skipping tests and the replay tests (tests/workflows/test_replay.py)."""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# Only what workflow code imports: the pure core and the libraries under it. The rest of
# the ``pathway`` package (store, API, security) is never imported by a workflow, so nothing of
# it is let through; an import of it from workflow code fails in the sandbox, as it should.
PASSTHROUGH = (
    "pathway.core",
    "workflows",
    "activities.messages",
    "activities.contracts",
    "holidays",
    "dateutil",
    "transitions",
    "yaml",
    "pydantic",
    "pydantic_core",
)


def workflow_runner(*more_passthrough: str) -> SandboxedWorkflowRunner:
    """The sandbox with ``PASSTHROUGH`` (and ``more_passthrough``: the benchmarks' baseline
    workflow module, so that it is measured on the same terms)."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH, *more_passthrough)
    return SandboxedWorkflowRunner(restrictions=restrictions)
