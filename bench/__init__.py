"""
The scale benchmark: a synthetic book of N cases written straight into PostgreSQL with
COPY (``bench.book``), and the measurements taken on it (``bench.measure`` and
``bench.admin_pages``), run by ``bench.runner.run`` and ``manage.py bench``.

See bench/README.md for how to run it, what each number means and what we found.
"""
