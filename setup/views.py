from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from crm.concurrency import StaleObjectError

from .forms import MarketingSetupForm
from .models import MarketingSetup
from .services import marketing_setup_update
from .signals import duplicate_index_rebuild_requested


class SetupIndexView(PermissionRequiredMixin, TemplateView):
    permission_required = "setup.view_salesperson"
    template_name = "setup/index.html"


class MarketingSetupView(PermissionRequiredMixin, FormView):
    permission_required = "setup.change_marketingsetup"
    template_name = "setup/marketing_setup_form.html"
    form_class = MarketingSetupForm
    success_url = reverse_lazy("setup:marketing-setup")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = MarketingSetup.load()
        return kwargs

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            _setup, rebuild = marketing_setup_update(
                data=data,
                rebuild_duplicates=form.cleaned_data["rebuild_duplicates"],
                user=self.request.user,
                expected_version=form.expected_version,
            )
        except StaleObjectError as exc:
            form.refresh_version(MarketingSetup.load())
            form.add_error(None, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Marketing setup saved."))
        if rebuild:
            duplicate_index_rebuild_requested.send(sender=MarketingSetup, user=self.request.user)
            messages.info(
                self.request, _("The duplicate index is being rebuilt in the background.")
            )
        return redirect(self.get_success_url())
