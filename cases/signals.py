"""
What the case book announces to the apps built on it.

The cases app knows nothing of the outbox or of field visits; when something happens to a
case that they must act on, it sends one of these signals and they act in their
``AppConfig.ready`` receivers — synchronously, in the sender's transaction, so "no contact
after payoff" holds the moment the payment commits, and a failure rolls it all back.
"""

from django.dispatch import Signal

# Cases closed (resolved, settled, written off): nothing more may be sent or visited.
# Arguments: case_ids (list of ids), why (a sentence for the record).
case_closed = Signal()

# A case went on hold: visits are off, and the borrower is told of any announced visit.
# Arguments: case (the CollectionCase), why.
case_put_on_hold = Signal()

# Holds were released (by hand, or the night's expired ones, set-based: one signal per
# batch). Arguments: case_ids (list of ids), why. A case may still be on hold (another hold
# runs): receivers read its state.
hold_released = Signal()

# A promise or plan was broken and the case went back to its rung. Receivers return what
# they planned (e.g. the follow-up message), or None. Arguments: case.
arrangement_broken = Signal()

# A forbearance assessment was recorded: under a profile that pairs it with debt advice,
# the outbox queues the referral message. Arguments: assessment (ForbearanceAssessment).
forbearance_assessed = Signal()
# The loan feed says borrowers consented to electronic messages in their loan contract:
# the contacts app records the consents (contacts/receivers.py). Arguments: grants, a list
# of (ContactPoint, evidence: the file and line that said so), and by (who imported).
consent_imported = Signal()
# The night's check broke promises and plans (set-based: one signal for all of them, sent
# in the job's transaction). Arguments: promises (PromiseToPay list), plans (RepaymentPlan list).
arrangements_broken = Signal()
# An import of the loan feed ended, imported or refused. Arguments: run (the JobRun, with
# started_by, status, counts and details).
import_finished = Signal()
