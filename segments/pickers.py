"""The segment picker's search (crm.widgets.SearchSelect)."""

from crm.pickers import PickerSearchView, numbered_picker_search, picker_text

from .models import Segment


class SegmentSearchView(PickerSearchView):
    """``?q=fragment``: number prefix or description fragment, newest first."""

    permission_required = "segments.view_segment"

    def search(self, request):
        return numbered_picker_search(Segment.objects.all(), picker_text(request))
