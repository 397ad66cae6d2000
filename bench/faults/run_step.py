"""``python -m bench.faults.run_step NAME [ARGS]``: one step of a fault script inside Django
(bench/faults/steps.py); its result is the last line of the output, as JSON."""

import json
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
    import django

    django.setup()
    from bench.faults.steps import STEPS

    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:]), default=str))
