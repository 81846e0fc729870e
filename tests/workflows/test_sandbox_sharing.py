"""The worker's sandbox shares the workflow module between runs (workflows/runner.py): a cached
case must not carry its own copy of ``workflows.pathway`` (bench/RESULTS.md, section 2)."""

from __future__ import annotations

import dataclasses

from temporalio.worker.workflow_sandbox._runner import _fake_info
from temporalio.worker.workflow_sandbox._runner import _Instance as SandboxInstance

from workflows.pathway import PathwayWorkflow
from workflows.runner import sandboxed_runner


def _sandboxed_class(runner) -> type:
    """The class a new run in ``runner``'s sandbox is made of (what the SDK does per run)."""
    details = _details(runner)
    instance = runner.create_instance(details)
    assert isinstance(instance, SandboxInstance)
    return instance.globals_and_locals["__temporal_workflow_class"]


def _details(runner):
    import temporalio.converter
    from temporalio.api.common.v1 import Payloads
    from temporalio.worker import WorkflowInstanceDetails
    from temporalio.workflow import _Definition

    return WorkflowInstanceDetails(
        payload_converter_factory=temporalio.converter.DataConverter.default._new_payload_converter,
        failure_converter_class=temporalio.converter.DataConverter.default.failure_converter_class,
        interceptor_classes=[],
        defn=_Definition.must_from_class(PathwayWorkflow),
        info=_fake_info,
        randomness_seed=-1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=None,
    )


async def test_every_run_is_made_of_the_one_imported_workflow_class():
    runner = sandboxed_runner()
    first, second = _sandboxed_class(runner), _sandboxed_class(runner)
    assert first is PathwayWorkflow
    assert second is PathwayWorkflow


async def test_without_the_passthrough_each_run_would_import_its_own_copy():
    """The measure of the test above: the SDK's default re-imports the module per run."""
    runner = sandboxed_runner()
    default = dataclasses.replace(
        runner,
        restrictions=dataclasses.replace(
            runner.restrictions, passthrough_modules=runner.restrictions.passthrough_modules - {"workflows"}
        ),
    )
    first, second = _sandboxed_class(default), _sandboxed_class(default)
    assert first is not PathwayWorkflow and second is not first
