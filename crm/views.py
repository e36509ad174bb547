from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_htmx.http import HttpResponseClientRefresh

from .exceptions import ApplicationError


def home(request):
    return render(request, "home.html")


@login_not_required
@require_POST
def set_language(request):
    """Django's set_language, reachable from the login page too."""
    return django_set_language(request)


@login_not_required
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on their own; pages link the SVG (never a 404)."""
    return redirect(static("favicon.svg"), permanent=True)


def area_placeholder(title, coming):
    """A page for an area that a later issue builds: it says what will come."""

    def view(request):
        return render(
            request, "area_placeholder.html", {"area_title": title, "area_coming": coming}
        )

    return view


class BulkJobRetryView(View):
    """POST: send a failed job again (it resumes after its committed batches). Allowed to the
    user who started it and to those who may change jobs (Administrators). The page it came
    from is shown again (htmx: refreshed), its progress card polling until the job ends."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        from .jobs import bulk_job_retry
        from .selectors import bulk_job_get_for_retry

        job = bulk_job_get_for_retry(user=request.user, pk=pk)
        try:
            bulk_job_retry(job=job, language=translation.get_language())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        if request.htmx:
            return HttpResponseClientRefresh()
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("home")
        return redirect(back)
