"""Every uploaded file, whatever the form, is limited in size and type.

Forms and models add ``crm.validators`` where they declare a file field; this middleware is the
net under them: a multipart request carrying a file that is too large or of a refused type is
answered 400 with the reason, before any view (and so any service) runs.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render

from .validators import upload_check


class UploadGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """After the CSRF and login checks (placed after them in MIDDLEWARE)."""
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        errors = []
        for uploaded in request.FILES.values():
            try:
                upload_check(uploaded)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            return render(request, "crm/upload_refused.html", {"errors": errors}, status=400)
        return None
