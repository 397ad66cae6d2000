from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The scale benchmark (manage.py bench): measures every app, so it sits on top."""

    name = "bench"
    verbose_name = "Benchmark"
