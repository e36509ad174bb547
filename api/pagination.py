from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """SPEC 12.1: cursor pages of 100 rows by default, up to 1,000 with ``page_size``."""

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = "id"
