from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


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
