from django.urls import path

from . import views, views_profiles

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
    path("<int:pk>/persons/", views.ContactPersonsView.as_view(), name="contact-persons"),
    path(
        "<int:pk>/sections/<slug:section>/",
        views.ContactSectionView.as_view(),
        name="contact-section",
    ),
    path("profiles/", views_profiles.ProfileQuestionnaireListView.as_view(), name="profile-index"),
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

# ---- Profiles and classification (contacts/views_profiles.py, SPEC 9.4)
urlpatterns += [
    path("<int:pk>/profile/", views_profiles.ContactProfileView.as_view(), name="contact-profile"),
    path(
        "profiles/new/",
        views_profiles.ProfileQuestionnaireFormView.as_view(),
        name="profile-questionnaire-create",
    ),
    path(
        "profiles/<int:pk>/",
        views_profiles.ProfileQuestionnaireDetailView.as_view(),
        name="profile-questionnaire-detail",
    ),
    path(
        "profiles/<int:pk>/edit/",
        views_profiles.ProfileQuestionnaireFormView.as_view(),
        name="profile-questionnaire-update",
    ),
    path(
        "profiles/<int:pk>/delete/",
        views_profiles.ProfileQuestionnaireDeleteView.as_view(),
        name="profile-questionnaire-delete",
    ),
    path(
        "profiles/<int:pk>/questions/new/",
        views_profiles.ProfileQuestionCreateView.as_view(),
        name="profile-question-create",
    ),
    path(
        "profiles/<int:pk>/handout/",
        views_profiles.ProfileHandoutView.as_view(),
        name="profile-handout",
    ),
    path(
        "profiles/<int:pk>/test/",
        views_profiles.ProfileTestReportView.as_view(),
        name="profile-test",
    ),
    path(
        "profiles/questions/<int:pk>/",
        views_profiles.ProfileQuestionDetailView.as_view(),
        name="profile-question-detail",
    ),
    path(
        "profiles/questions/<int:pk>/delete/",
        views_profiles.ProfileQuestionDeleteView.as_view(),
        name="profile-question-delete",
    ),
    path(
        "profiles/questions/<int:pk>/answers/new/",
        views_profiles.ProfileAnswerCreateView.as_view(),
        name="profile-answer-create",
    ),
    path(
        "profiles/questions/<int:pk>/points/",
        views_profiles.RatingPointSetView.as_view(),
        name="profile-rating-point-set",
    ),
    path(
        "profiles/answers/<int:pk>/edit/",
        views_profiles.ProfileAnswerUpdateView.as_view(),
        name="profile-answer-update",
    ),
    path(
        "profiles/answers/<int:pk>/delete/",
        views_profiles.ProfileAnswerDeleteView.as_view(),
        name="profile-answer-delete",
    ),
    path(
        "profiles/classification/",
        views_profiles.ClassificationUpdateView.as_view(),
        name="profile-classification",
    ),
    path(
        "profiles/classification/jobs/<int:pk>/",
        views_profiles.ClassificationJobView.as_view(),
        name="profile-classification-job",
    ),
]

# ---- Form helpers (SET-31 lookup, "+ New" codes), alternate address edit, link master side
from . import views_lookups  # noqa: E402

urlpatterns += [
    path("lookups/address/", views_lookups.AddressLookupView.as_view(), name="address-lookup"),
    path(
        "lookups/codes/<slug:field>/new/",
        views_lookups.LookupCodeCreateView.as_view(),
        name="lookup-code-create",
    ),
    path(
        "<int:pk>/alt-addresses/<int:address_pk>/edit/",
        views.ContactAltAddressUpdateView.as_view(),
        name="alt-address-update",
    ),
    path(
        "<int:pk>/links/<int:relation_pk>/master-side/",
        views_links.ContactLinkMasterSideView.as_view(),
        name="links-master-side",
    ),
]

# ---- Type-ahead picker search (crm.widgets.SearchSelect)
from . import pickers  # noqa: E402

urlpatterns += [path("search/", pickers.ContactSearchView.as_view(), name="contact-search")]
