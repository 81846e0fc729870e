"""The rules of one case (``Case``) and what a coordinator sees of it (``CaseView``).

- ``case``: the Case class (open, validate, apply, fire_due, view);
- ``handlers``: the one table, command type -> check, apply;
- rules by subject: ``moves``, ``visits``, ``facts``, ``referrals``, ``certificates``,
  ``pausing``, ``assignment``, ``upgrade`` (a new definition version), ``stages`` (entering one);
- ``base`` (the state, definition and machine the rules work on, and ``emit``), ``clocks``
  (arm, shift) and ``alarms`` (fire due): public, the running-case upgrade uses them;
- ``views``: CaseView and its parts.
"""

from pathway.core.case.base import CODE
from pathway.core.case.case import Case
from pathway.core.case.certificates import CERTIFICATE_LAPSED
from pathway.core.case.referrals import REFERRAL_ANSWERS
from pathway.core.case.views import CaseView, GuardView, OverdueView

__all__ = ["CERTIFICATE_LAPSED", "CODE", "REFERRAL_ANSWERS", "Case", "CaseView", "GuardView", "OverdueView"]
