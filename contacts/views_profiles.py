"""Profile pages (SPEC 9.4): questionnaires, questions, answers, the contact-card fragment,
the classification job, handouts and the questionnaire test. Thin views over profiles.py."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_htmx.http import HttpResponseStopPolling

from . import profiles
from .forms_profiles import (
    ClassificationUpdateForm,
    ContactProfileForm,
    ProfileAnswerForm,
    ProfileQuestionDetailsForm,
    ProfileQuestionForm,
    ProfileQuestionnaireForm,
    RatingPointForm,
)
from .selectors import contact_get
from .views import add_validation_error


class ProfileQuestionnaireListView(PermissionRequiredMixin, TemplateView):
    permission_required = "contacts.view_profilequestionnaire"
    template_name = "contacts/profile_questionnaire_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "questionnaires": profiles.questionnaire_list(),
        }


class ProfileQuestionnaireFormView(PermissionRequiredMixin, FormView):
    """Create (no pk) or edit a questionnaire."""

    form_class = ProfileQuestionnaireForm
    template_name = "contacts/profile_form.html"

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ["contacts.change_profilequestionnaire"]
        return ["contacts.add_profilequestionnaire"]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = profiles.questionnaire_get(pk=self.kwargs["pk"])
        return kwargs

    def get_context_data(self, **kwargs):
        title = _("Edit questionnaire") if "pk" in self.kwargs else _("New questionnaire")
        return {**super().get_context_data(**kwargs), "title": title}

    def form_valid(self, form):
        try:
            if "pk" in self.kwargs:
                questionnaire = profiles.profile_questionnaire_update(
                    questionnaire=form.instance, data=form.cleaned_data
                )
            else:
                questionnaire = profiles.profile_questionnaire_create(data=form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Questionnaire saved."))
        return redirect(questionnaire)


class ProfileQuestionnaireDetailView(PermissionRequiredMixin, TemplateView):
    """The questionnaire card: questions with their answers and contact counts."""

    permission_required = "contacts.view_profilequestionnaire"
    template_name = "contacts/profile_questionnaire_detail.html"

    def get_context_data(self, **kwargs):
        questionnaire = profiles.questionnaire_get(pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "questionnaire": questionnaire,
            "questions": profiles.questionnaire_questions(questionnaire=questionnaire),
            "question_form": ProfileQuestionForm(),
        }


class ProfileQuestionnaireDeleteView(PermissionRequiredMixin, View):
    permission_required = "contacts.delete_profilequestionnaire"

    def post(self, request, pk):
        profiles.profile_questionnaire_delete(questionnaire=profiles.questionnaire_get(pk=pk))
        messages.success(request, _("Questionnaire deleted."))
        return redirect("contacts:profile-index")


class ProfileQuestionCreateView(PermissionRequiredMixin, FormView):
    permission_required = "contacts.add_profilequestion"
    form_class = ProfileQuestionForm
    template_name = "contacts/profile_form.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New question")}

    def form_valid(self, form):
        questionnaire = profiles.questionnaire_get(pk=self.kwargs["pk"])
        try:
            question = profiles.profile_question_create(
                questionnaire=questionnaire, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        if question.is_automatic:
            return redirect("contacts:profile-question-detail", question.pk)
        return redirect(questionnaire)


class ProfileQuestionDetailView(PermissionRequiredMixin, FormView):
    """*Question details*: class field, method, formulas… plus answers and rating points."""

    permission_required = "contacts.view_profilequestion"
    form_class = ProfileQuestionDetailsForm
    template_name = "contacts/profile_question_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.question = profiles.question_get(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.question}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "question": self.question,
            "answer_form": ProfileAnswerForm(),
            "points_form": RatingPointForm(rating_question=self.question)
            if self.question.is_rating
            else None,
        }

    def form_valid(self, form):
        if not self.request.user.has_perm("contacts.change_profilequestion"):
            raise Http404
        try:
            profiles.profile_question_update(
                question=profiles.question_get(pk=self.question.pk), data=form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Question saved."))
        return redirect("contacts:profile-question-detail", self.question.pk)


class ProfileQuestionDeleteView(PermissionRequiredMixin, View):
    permission_required = "contacts.delete_profilequestion"

    def post(self, request, pk):
        question = profiles.question_get(pk=pk)
        profiles.profile_question_delete(question=question)
        return redirect(question.questionnaire)


class ProfileAnswerCreateView(PermissionRequiredMixin, FormView):
    permission_required = "contacts.add_profileanswer"
    form_class = ProfileAnswerForm
    template_name = "contacts/profile_form.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New answer")}

    def form_valid(self, form):
        question = profiles.question_get(pk=self.kwargs["pk"])
        try:
            profiles.profile_answer_create(question=question, data=form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        return redirect(self.request.POST.get("next") or question.questionnaire.get_absolute_url())


class ProfileAnswerUpdateView(PermissionRequiredMixin, FormView):
    permission_required = "contacts.change_profileanswer"
    form_class = ProfileAnswerForm
    template_name = "contacts/profile_form.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": profiles.answer_get(pk=self.kwargs["pk"]),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Edit answer")}

    def form_valid(self, form):
        answer = profiles.answer_get(pk=self.kwargs["pk"])
        try:
            profiles.profile_answer_update(answer=answer, data=form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        return redirect(answer.question.questionnaire.get_absolute_url())


class ProfileAnswerDeleteView(PermissionRequiredMixin, View):
    permission_required = "contacts.delete_profileanswer"

    def post(self, request, pk):
        answer = profiles.answer_get(pk=pk)
        profiles.profile_answer_delete(answer=answer)
        return redirect(answer.question.questionnaire.get_absolute_url())


class RatingPointSetView(PermissionRequiredMixin, View):
    permission_required = "contacts.change_profilequestion"

    def post(self, request, pk):
        question = profiles.question_get(pk=pk)
        form = RatingPointForm(request.POST, rating_question=question)
        if form.is_valid():
            try:
                profiles.rating_point_set(
                    rating_question=question,
                    answer=form.cleaned_data["answer"],
                    points=form.cleaned_data["points"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("contacts:profile-question-detail", pk)


class ProfileHandoutView(PermissionRequiredMixin, TemplateView):
    """SPEC 9.4 *Questionnaire handouts*: printable questions with answer boxes."""

    permission_required = "contacts.view_profilequestionnaire"
    template_name = "contacts/profile_handout.html"

    def get_context_data(self, **kwargs):
        questionnaire = profiles.questionnaire_get(pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "questionnaire": questionnaire,
            "questions": profiles.questionnaire_questions(questionnaire=questionnaire),
        }


class ProfileTestReportView(PermissionRequiredMixin, TemplateView):
    """SPEC 9.4 *Questionnaire test*: setup problems."""

    permission_required = "contacts.view_profilequestionnaire"
    template_name = "contacts/profile_test.html"

    def get_context_data(self, **kwargs):
        questionnaire = profiles.questionnaire_get(pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "questionnaire": questionnaire,
            "problems": profiles.questionnaire_test(questionnaire=questionnaire),
        }


class ClassificationUpdateView(PermissionRequiredMixin, FormView):
    """PRF-10: *Update contact classification* starts the bulk job and shows its progress."""

    permission_required = "contacts.change_contactprofileanswer"
    form_class = ClassificationUpdateForm
    template_name = "contacts/profile_classification.html"

    def get_initial(self):
        return {"questionnaire": self.request.GET.get("questionnaire")}

    def form_valid(self, form):
        job = profiles.contact_classification_update_start(
            user=self.request.user,
            run_date=form.cleaned_data["run_date"],
            questionnaire=form.cleaned_data["questionnaire"],
        )
        return redirect("contacts:profile-classification-job", job.pk)


class ClassificationJobView(PermissionRequiredMixin, View):
    """The job page; htmx polls return only the progress partial (286 once finished)."""

    permission_required = "contacts.view_contactprofileanswer"

    def get(self, request, pk):
        job = profiles.classification_job_get(pk=pk, user=request.user)
        context = {
            "job": job,
            "job_title": _("Update contact classification"),
            "poll_url": reverse("contacts:profile-classification-job", args=[job.pk]),
        }
        if request.htmx:
            response = render(request, "partials/job_progress.html", context)
            if job.is_finished:
                return HttpResponseStopPolling(response.content)
            return response
        return render(request, "contacts/profile_classification_job.html", context)


class ContactProfileView(PermissionRequiredMixin, View):
    """Card fragment (``contacts:contact-profile``): pick a questionnaire, tick answers.

    Automatic answers are shown read-only (PRF-13); minors see why they cannot answer."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/profile_contact.html"

    def _render(self, request, contact, questionnaire, error=None):
        questionnaires = profiles.contact_questionnaires(contact=contact)
        if questionnaire is None and questionnaires:
            questionnaire = questionnaires[0]
        context = {
            "contact": contact,
            "questionnaires": questionnaires,
            "questionnaire": questionnaire,
            "rows": profiles.contact_profile(contact=contact, questionnaire=questionnaire)
            if questionnaire
            else [],
            "error": error,
            "can_answer": request.user.has_perm("contacts.change_contact") and not contact.is_minor,
        }
        return render(request, self.template_name, context)

    def _questionnaire(self, value):
        if not value:
            return None
        try:
            return profiles.questionnaire_get(pk=int(value))
        except (Http404, ValueError):
            return None

    def get(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        return self._render(request, contact, self._questionnaire(request.GET.get("q")))

    def post(self, request, pk):
        if not request.user.has_perm("contacts.change_contact"):
            raise Http404
        contact = contact_get(user=request.user, pk=pk)
        questionnaire = self._questionnaire(request.POST.get("q"))
        if questionnaire is None:
            raise Http404
        ids = [
            int(value)
            for key in request.POST
            if key == "answers" or key.startswith("answers-")
            for value in request.POST.getlist(key)
            if value.isdigit()
        ]
        form = ContactProfileForm({"answers": [str(pk) for pk in ids]}, answer_ids=ids)
        error = None
        if form.is_valid():
            try:
                profiles.contact_profile_answers_set(
                    contact=contact,
                    questionnaire=questionnaire,
                    answer_ids=form.cleaned_data["answers"],
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
        return self._render(request, contact, questionnaire, error=error)
