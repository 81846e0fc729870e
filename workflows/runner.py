"""The sandbox every worker and replayer runs PathwayWorkflow in.

The pure core and the libraries it uses are deterministic; passing them through the
sandbox means they are imported once, outside it, instead of being re-imported (and their
import-time code re-run under the sandbox's restrictions) for every workflow run."""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# Only what workflow code imports: the pure core and the libraries under it. The rest of
# the ``pathway`` package (store, API, security) is never imported by a workflow, so nothing of
# it is let through; an import of it from workflow code fails in the sandbox, as it should.
PASSTHROUGH = (
    "pathway.core",
    "activities.messages",
    "activities.contracts",
    "holidays",
    "dateutil",
    "transitions",
    "yaml",
    "pydantic",
    "pydantic_core",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))
