"""The runner every worker and replayer runs PathwayWorkflow in: the SDK's sandbox, or none
(``Settings.workflow_sandbox``, ``PATHWAY_WORKFLOW_SANDBOX``).

The sandbox. The pure core and the libraries it uses are deterministic; passing them
through the sandbox means they are imported once, outside it, instead of being re-imported
(and their import-time code re-run under the sandbox's restrictions) for every workflow run.

That includes our own workflow modules (``workflows``): the sandbox re-imports a workflow's
module for every run, so each cached case kept its own copy of ``workflows.pathway`` (the
class, its fourteen update definitions and their signatures: ~80 KB of worker memory per
case, measured with bench/memory_per_case.py). Those modules keep no state of their own at
module level (constants, the classes), so one copy serves every run; each run still gets its
own instance. The price, as for ``pathway.core`` already: the sandbox no longer checks what
these modules call through their imports (``datetime.now`` would not be caught there; the
restricted builtins, ``open`` and the like, still are).

So the sandbox checks little of our code, and it costs every activation and every payload
an ``exec`` of a compiled-anew source string (bench/RESULTS.md, issue 16). Without it
(``UnsandboxedWorkflowRunner``) the workflow runs the same code on the same event loop and
emits the same commands; what guards determinism then is the same as what guarded it for
the passed-through modules: ruff's banned-api over ``workflows`` and ``pathway.core``
(pyproject.toml; ``tests/unit/test_determinism_guard.py``), the replay tests over the
recorded histories (``tests/workflows/test_replay.py``, run under both runners), and the
workflow tests, which run sandboxed with ``PATHWAY_WORKFLOW_SANDBOX=true``."""

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
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


def workflow_runner(*more_passthrough: str, sandboxed: bool) -> WorkflowRunner:
    """The sandbox with ``PASSTHROUGH`` (and ``more_passthrough``: the benchmarks' baseline
    workflow module, so that it is measured on the same terms); or, not ``sandboxed``, none."""
    if not sandboxed:
        return UnsandboxedWorkflowRunner()
    return sandboxed_runner(*more_passthrough)


def sandboxed_runner(*more_passthrough: str) -> SandboxedWorkflowRunner:
    """The sandbox itself (what ``workflow_runner`` gives when ``sandboxed``)."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH, *more_passthrough)
    return SandboxedWorkflowRunner(restrictions=restrictions)
