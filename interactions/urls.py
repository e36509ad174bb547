from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("", views.InteractionLogEntryListView.as_view(), name="index"),
    path(
        "postponed/",
        views.InteractionLogEntryListView.as_view(postponed=True),
        name="postponed-list",
    ),
    path("create/", views.InteractionCreateView.as_view(), name="entry-create"),
    path("actions/", views.InteractionEntryActionView.as_view(), name="entry-action"),
    path("<int:pk>/resume/", views.InteractionResumeView.as_view(), name="entry-resume"),
    path(
        "<int:pk>/delete-postponed/",
        views.InteractionPostponedDeleteView.as_view(),
        name="entry-delete-postponed",
    ),
    path("<int:pk>/resend/", views.InteractionResendView.as_view(), name="entry-resend"),
    path(
        "letters-to-print/", views.InteractionLettersToPrintView.as_view(), name="letters-to-print"
    ),
    path("cover-sheet/", views.InteractionCoverSheetView.as_view(), name="cover-sheet"),
    path("<int:pk>/", views.InteractionLogEntryDetailView.as_view(), name="entry-detail"),
    path("<int:pk>/message/", views.InteractionMessageView.as_view(), name="entry-message"),
    path(
        "<int:pk>/message/parts/<int:index>/",
        views.InteractionMessagePartView.as_view(),
        name="entry-message-part",
    ),
    path("<int:pk>/comments/", views.InteractionCommentView.as_view(), name="entry-comment-add"),
    path(
        "<int:pk>/comments/<int:comment_pk>/delete/",
        views.InteractionCommentView.as_view(),
        name="entry-comment-delete",
    ),
    path("phone-call/", views.InteractionPhoneCallView.as_view(), name="phone-call"),
    path(
        "delete-canceled/",
        views.InteractionDeleteCanceledView.as_view(),
        name="delete-canceled",
    ),
    path("jobs/<int:pk>/", views.BulkJobProgressView.as_view(), name="job-progress"),
    path("statistics/", views.InteractionStatisticsView.as_view(), name="statistics"),
    path(
        "contacts/<int:pk>/statistics/",
        views.ContactInteractionStatisticsView.as_view(),
        name="contact-statistics",
    ),
    path("groups/", views.InteractionGroupListView.as_view(), name="group-list"),
    path("groups/create/", views.InteractionGroupFormView.as_view(), name="group-create"),
    path("groups/<int:pk>/update/", views.InteractionGroupFormView.as_view(), name="group-update"),
    path("templates/", views.InteractionTemplateListView.as_view(), name="template-list"),
    path("templates/create/", views.InteractionTemplateFormView.as_view(), name="template-create"),
    path(
        "templates/<int:pk>/update/",
        views.InteractionTemplateFormView.as_view(),
        name="template-update",
    ),
    path(
        "templates/<int:pk>/languages/create/",
        views.InteractionTemplateLanguageFormView.as_view(),
        name="template-language-create",
    ),
    path(
        "templates/<int:pk>/languages/<int:row_pk>/update/",
        views.InteractionTemplateLanguageFormView.as_view(),
        name="template-language-update",
    ),
]
