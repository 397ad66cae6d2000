"""
The demo book ``manage.py seed_demo`` writes, one module per concept. Each holds the data
it needs and a part of the command (a class its Command mixes in), every name below
importable from ``demo.seed``:

- ``people``: demo users for every role and their logins; the borrowers and their
  contact points;
- ``templates``: the message templates, written and approved;
- ``book``: accounts and cases spread over every rung and side state;
- ``history``: contact history recorded through the rules engine, and an override;
- ``field_visits``: field agents, today's visits and a request in the inbox.

``demo`` sits above every app, so these modules may import any of them.
"""

from .book import CN_PRODUCTS, EN_PRODUCTS, LOAN_PREFIX, SPREAD, DemoBook
from .field_visits import DemoVisits
from .history import DemoContactHistory
from .people import CN_GIVEN, CN_SURNAMES, DEMO_PASSWORD, DEMO_USERS, EN_FIRST, EN_LAST, US_AREAS, DemoPeople
from .templates import DemoTemplates

__all__ = [
    "CN_PRODUCTS",
    "EN_PRODUCTS",
    "LOAN_PREFIX",
    "SPREAD",
    "DemoBook",
    "DemoVisits",
    "DemoContactHistory",
    "CN_GIVEN",
    "CN_SURNAMES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "EN_FIRST",
    "EN_LAST",
    "US_AREAS",
    "DemoPeople",
    "DemoTemplates",
]
