from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="contact-list"),
    path("new/", views.ContactCreateView.as_view(), name="contact-create"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="contact-detail"),
    path("<int:pk>/update/", views.ContactUpdateView.as_view(), name="contact-update"),
    path("<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact-delete"),
    path(
        "<int:pk>/change-type/", views.ContactChangeTypeView.as_view(), name="contact-change-type"
    ),
    path(
        "<int:pk>/sections/<slug:section>/",
        views.ContactSectionView.as_view(),
        name="contact-section",
    ),
    path(
        "profiles/",
        area_placeholder(
            _("Profiles"),
            _("Profile questionnaires, manual answers and automatic classification."),
        ),
        name="profile-index",
    ),
]

# Other contact pages (links, duplicates, import) append their patterns below.

# ---- Links, duplicates, import/export (contacts/views_links.py, views_dedupe.py, views_import.py)
from . import views_dedupe, views_import, views_links  # noqa: E402

urlpatterns += [
    path("<int:pk>/links/", views_links.ContactLinksPanelView.as_view(), name="links-panel"),
    path(
        "<int:pk>/links/create-as/",
        views_links.ContactCreateAsView.as_view(),
        name="links-create-as",
    ),
    path(
        "<int:pk>/links/link-existing/",
        views_links.ContactLinkExistingView.as_view(),
        name="links-link-existing",
    ),
    path(
        "<int:pk>/links/<int:relation_pk>/delete/",
        views_links.ContactBusinessRelationDeleteView.as_view(),
        name="links-delete",
    ),
    path("duplicates/", views_dedupe.DuplicateListView.as_view(), name="duplicate-list"),
    path(
        "duplicates/generate/",
        views_dedupe.DuplicateGenerateView.as_view(),
        name="duplicate-generate",
    ),
    path(
        "duplicates/<int:pk>/separate/",
        views_dedupe.DuplicateSeparateView.as_view(),
        name="duplicate-separate",
    ),
    path(
        "duplicates/<int:pk>/merge/",
        views_dedupe.DuplicateMergeView.as_view(),
        name="duplicate-merge",
    ),
    path(
        "jobs/<int:pk>/progress/",
        views_dedupe.ContactJobProgressView.as_view(),
        name="contact-job-progress",
    ),
    path("import/", views_import.ContactImportUploadView.as_view(), name="contact-import"),
    path(
        "import/mapping/",
        views_import.ContactImportMappingView.as_view(),
        name="contact-import-mapping",
    ),
    path(
        "import/confirm/",
        views_import.ContactImportConfirmView.as_view(),
        name="contact-import-confirm",
    ),
    path(
        "import/jobs/<int:pk>/",
        views_import.ContactImportJobView.as_view(),
        name="contact-import-job",
    ),
    path(
        "import/business-system/",
        views_import.ContactImportBusinessSystemView.as_view(),
        name="contact-import-business-system",
    ),
    path("export/csv/", views_import.ContactExportCsvView.as_view(), name="contact-export-csv"),
    path("export/vcf/", views_import.ContactListVcardView.as_view(), name="contact-export-vcf"),
    path("<int:pk>/vcard/", views_import.ContactVcardView.as_view(), name="contact-vcard"),
]
