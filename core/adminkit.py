"""
The admin toolkit every app builds its pages with: history shown read-only and never
reverted, read-only inlines, forms whose save is a service call (a refusal shows on the
form), and the viewer of the request for column callables that mask personal data.
"""

import threading

from django import forms
from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .exceptions import ServiceError
from .history_values import ReadableChanges
from .job_names import job_label
from .jobqueue import busy_run, release_stale
from .paginators import EstimatedCountPaginator

# The user a request is rendered for, per thread: list and read-only column callables
# get only the object, and ModelAdmin instances are shared between threads.
_viewer = threading.local()


def remember_viewer(request) -> None:
    _viewer.user = request.user


def viewer():
    return _viewer.user


class HistoryAdmin(SimpleHistoryAdmin):
    """History is evidence: visible to whoever may view the object, never editable."""

    # Lists of millions of rows: no COUNT(*) of the whole table on every page view.
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Not in this user's queryset: say "not found", don't redirect with a hint.
            raise Http404(_("No such record, or not yours to see."))
        return obj

    def has_delete_permission(self, request, obj=None):
        # Records with history are retained for the profile's retention period.
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404(_("Past versions are read-only."))

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the historical rows when the object is outside
        # the user's queryset; check visibility first so history leaks nothing.
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ServiceForm(forms.ModelForm):
    """A ModelForm whose save is a service call, made in clean() so a refusal shows on
    the form. The admin's changeform_view runs inside a transaction, so nothing is
    half-written if anything after it fails."""

    request_user = None

    def call_service(self, data):
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.result = self.call_service(data)
            except ServiceError as refusal:
                raise forms.ValidationError(str(refusal)) from refusal
        return data


class ServiceAdminMixin:
    """Add pages backed by a ServiceForm: the service already stored the object.

    ``related_choices`` limits a foreign key's choices to what the user may see:
    ``{"case": visible_cases}`` (a function of the user returning a queryset)."""

    related_choices: dict = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.related_choices.get(db_field.name)
        if choices is not None:
            kwargs["queryset"] = choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        obj.pk = form.result.pk
        obj.refresh_from_db()


def ask_then_apply(
    model_admin, request, queryset, *, action, form_class, title, explanation, apply=None, done, apply_all=None
):
    """An admin action that needs a few answers: its form on a page of its own (the
    selection carried along, what was typed kept when the form is refused), then
    ``apply(obj, cleaned_data)`` for each selected object, each service refusal reported
    by name and each success in ``done(obj)``'s words.

    A set-based service takes the whole selection at once instead: ``apply_all(objects,
    cleaned_data)``, its refusal reported once, its success in ``done(result)``'s words."""
    from django.contrib import messages
    from django.contrib.admin import helpers
    from django.template.response import TemplateResponse

    objects = list(queryset)
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid() and apply_all is not None:
        try:
            result = apply_all(objects, form.cleaned_data)
        except ServiceError as refusal:
            model_admin.message_user(request, str(refusal), level=messages.ERROR)
        else:
            model_admin.message_user(request, done(result), level=messages.SUCCESS)
        return None
    if form.is_bound and form.is_valid():
        for obj in objects:
            try:
                result = apply(obj, form.cleaned_data)
            except ServiceError as refusal:
                model_admin.message_user(request, f"{obj}: {refusal}", level=messages.ERROR)
            else:
                model_admin.message_user(request, done(result or obj), level=messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/action_form.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "opts": model_admin.model._meta,
            "changelist": f"admin:{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}_changelist",
            "form": form,
            "objects": objects,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


def confirm_job_page(model_admin, request, *, job: str, title, explanation, back: str):
    """The page a job's "run now" button opens (GET): what will run and what it does, a
    run already queued or running if there is one, and the button that runs it (a POST to
    the same address). No script: a page of its own is the confirmation."""
    from django.template.response import TemplateResponse

    release_stale(job)
    return TemplateResponse(
        request,
        "admin/confirm_job.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "job_label": job_label(job),
            "explanation": explanation,
            "busy": busy_run(job),
            "opts": model_admin.model._meta,
            "changelist": back,
        },
    )
