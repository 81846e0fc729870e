"""The `pathway` command: one module per command group.

`up`, `worker` and `serve` run the processes; `definitions` works on the YAML files; `case`,
`audit`, `partners`, `users`, `caseload`, `report` and `forecast` talk to a running API
(``PATHWAY_API_URL``, by default the embedded stack's), so the CLI obeys the same rules as
every other client, also against a remote server; `db`, `temporal` and `simulate` are the
operator's.
"""

from __future__ import annotations

import typer

from pathway.cli import (
    accounts,
    audit,
    bookings,
    casefile,
    cases,
    clients,
    definitions,
    forecast,
    household,
    ops,
    outcomes,
    partners,
    plan,
    processes,
    sharing,
    supervisors,
)

app = typer.Typer(help="Support pathways of a social welfare centre.", no_args_is_help=True)
app.registered_commands += processes.processes.registered_commands
app.registered_commands += accounts.accounts.registered_commands
app.add_typer(definitions.definitions_app, name="definitions")
app.add_typer(cases.case_app, name="case")
cases.case_app.add_typer(sharing.consent_app, name="consent")
cases.case_app.add_typer(sharing.referral_app, name="referral")
cases.case_app.add_typer(plan.plan_app, name="plan")
cases.case_app.add_typer(household.member_app, name="member")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(partners.partners_app, name="partners")
app.add_typer(accounts.users_app, name="users")
app.add_typer(clients.clients_app, name="clients")
supervisors.register(app, cases.case_app)
casefile.register(cases.case_app)
bookings.register(cases.case_app)
ops.register(app)
forecast.register(app)
outcomes.register(supervisors.report_app, cases.case_app)

__all__ = ["app"]
