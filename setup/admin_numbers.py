"""SET-19 in the Django admin: an issued number is never edited, and records whose number
comes from a series are not added in the admin (the pages go through the numbering service)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _


class NumberedAdminMixin:
    """``number`` is read-only on existing records; with ``add_refused_message`` set, the
    admin's add page is refused with that message (and its Add button hidden)."""

    number_fields: tuple[str, ...] = ("number",)
    add_refused_message = ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [name for name in self.number_fields if name not in fields]
        return fields

    def has_add_permission(self, request, *args):
        if self.add_refused_message:
            return False
        return super().has_add_permission(request, *args)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.add_refused_message:
            return super().add_view(request, form_url, extra_context)
        messages.error(request, _(self.add_refused_message))
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
