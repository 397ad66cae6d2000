from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo book `make run` loads (seed_demo): it composes every app, so it sits on top."""

    name = "demo"
    verbose_name = "Demo data"
