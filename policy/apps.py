from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = _("Contact policy")

    def ready(self):
        from .models import PolicyProfile
        from .selectors import clear_profile_cache

        def profiles_changed(**kwargs):
            clear_profile_cache()
            transaction.on_commit(clear_profile_cache)

        post_save.connect(
            profiles_changed, sender=PolicyProfile, weak=False, dispatch_uid="clear-profile-cache-on-save"
        )
        post_delete.connect(
            profiles_changed, sender=PolicyProfile, weak=False, dispatch_uid="clear-profile-cache-on-delete"
        )
