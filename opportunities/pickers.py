"""The opportunity picker's search (crm.widgets.SearchSelect)."""

from crm.pickers import PickerSearchView, numbered_picker_search, picker_text

from .models import Opportunity


class OpportunitySearchView(PickerSearchView):
    """``?q=fragment``: number prefix or description fragment, newest first."""

    permission_required = "opportunities.view_opportunity"

    def search(self, request):
        return numbered_picker_search(Opportunity.objects.all(), picker_text(request))
