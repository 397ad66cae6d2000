"""Each person's notifications: the list (newest first, unread marked in words), marking
read (all, or one on the way to where its work is done), and the daily-digest choice.
Only one's own: someone else's notification is "not found"."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import notifications
from .models import Notification, NotificationSettings

PER_PAGE = 25


class DigestForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["daily_digest"]
        labels = {"daily_digest": gettext_lazy("Send me a daily e-mail of my unread notifications")}


def _settings(user) -> NotificationSettings:
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def notification_list(request):
    page = Paginator(notifications.mine(request.user).order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Notifications"),
        "page": page,
        "items": [notifications.described(n) for n in page.object_list],
        "unread": notifications.unread_count(request.user),
        "digest_form": DigestForm(instance=_settings(request.user)),
        "has_email": bool(request.user.email),
    }
    return render(request, "desk/notifications.html", context)


@require_POST
def mark_all_read(request):
    changed = notifications.mark_read(request.user)
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": changed})
    return redirect("desk:notifications")


@require_POST
def notification_read(request, notification_id: int):
    """Mark one read and go where its work is done."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications.mark_read(request.user, [notification.pk])
    target = notifications.described(notification)["link"]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "desk:notifications"
    return redirect(target)


@require_POST
def digest_settings(request):
    form = DigestForm(request.POST, instance=_settings(request.user))
    if form.is_valid():
        form.save()
        messages.success(
            request,
            _("You will get a daily e-mail of your unread notifications.")
            if form.cleaned_data["daily_digest"]
            else _("You will get no daily e-mail of your notifications."),
        )
    return redirect("desk:notifications")
