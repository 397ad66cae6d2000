"""
What the field-visit workflow announces to the apps built on it (the desk's
notifications): sent by the services in their own transaction, so a receiver's failure
rolls the step back and a refused step announces nothing.
"""

from django.dispatch import Signal

# A visit was requested and waits for a supervisor. Arguments: visit (FieldVisit), by.
visit_requested = Signal()
# A supervisor approved or rejected a visit. Arguments: visit, by, approved (bool).
visit_decided = Signal()
# An agent checked in farther from the address than allowed (the check-in stands; the
# supervisor looks). Arguments: visit, by.
visit_checked_in_far = Signal()
