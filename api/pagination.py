from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

BIGINT_MAX = 2**63 - 1


class ApiCursorPagination(CursorPagination):
    """SPEC 12.1: cursor pages of 100 rows by default, up to 1,000 with ``page_size``.

    A tampered cursor (not base64, a position that is not a value of the ordering column, an
    id beyond bigint) answers 404 "Invalid cursor" instead of reaching the database.
    """

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = "id"

    def paginate_queryset(self, queryset, request, view=None):
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None or self._model is None:
            return cursor
        name = self.ordering[0] if isinstance(self.ordering, list | tuple) else self.ordering
        field = self._model._meta.get_field(name.lstrip("-"))
        try:
            value = field.to_python(cursor.position)
        except (ValidationError, TypeError, ValueError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if isinstance(value, int) and not -BIGINT_MAX - 1 <= value <= BIGINT_MAX:
            raise NotFound(self.invalid_cursor_message)
        return cursor
