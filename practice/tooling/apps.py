from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Development tooling: made-up practices (seed_practice, demo_practice), the load run
    and `make bench`. Never imported by the product's code."""

    name = "practice.tooling"
    label = "tooling"
    verbose_name = "Development tooling"
