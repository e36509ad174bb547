"""The campaign picker's search (crm.widgets.SearchSelect)."""

from crm.pickers import PickerSearchView, numbered_picker_search, picker_text

from .models import Campaign


class CampaignSearchView(PickerSearchView):
    """``?q=fragment``: number prefix or description fragment, newest first."""

    permission_required = "campaigns.view_campaign"

    def search(self, request):
        return numbered_picker_search(Campaign.objects.all(), picker_text(request))
