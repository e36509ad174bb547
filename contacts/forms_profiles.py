"""Forms of the profile pages (SPEC 9.4): input parsing only; services apply the rules."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.widgets import DateInput

from .models import ProfileAnswer, ProfileQuestion, ProfileQuestionnaire


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class ProfileQuestionnaireForm(forms.ModelForm):
    class Meta:
        model = ProfileQuestionnaire
        fields = ["code", "description", "contact_type", "business_relation", "priority"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class ProfileQuestionForm(forms.ModelForm):
    """The question line of *Edit questions*: text and the manual/automatic flags."""

    class Meta:
        model = ProfileQuestion
        fields = ["position", "text", "allows_multiple_answers", "is_automatic"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.helper = _helper(_("Save"))

    def validate_unique(self):  # the service and the database check (questionnaire, position)
        pass


class ProfileQuestionDetailsForm(forms.ModelForm):
    """*Question details* of an automatic question (SPEC 9.4 step 1)."""

    class Meta:
        model = ProfileQuestion
        fields = [
            "text",
            "allows_multiple_answers",
            "is_automatic",
            "customer_field",
            "vendor_field",
            "contact_field",
            "starting_date_formula",
            "ending_date_formula",
            "classification_method",
            "sorting",
            "decimals",
            "min_answered_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))

    def validate_unique(self):
        pass

    def _post_clean(self):  # the service runs full_clean after applying PRF-2 defaults
        pass


class ProfileAnswerForm(forms.ModelForm):
    class Meta:
        model = ProfileAnswer
        fields = ["position", "text", "from_value", "to_value", "priority"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.helper = _helper(_("Save"))

    def validate_unique(self):
        pass


class RatingPointForm(forms.Form):
    answer = forms.ModelChoiceField(label=_("Answer"), queryset=ProfileAnswer.objects.none())
    points = forms.IntegerField(label=_("Points"))

    def __init__(self, *args, rating_question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].queryset = (
            ProfileAnswer.objects.exclude(question=rating_question)
            .select_related("question__questionnaire")
            .order_by("question__questionnaire__code", "question__position", "position")
        )
        self.fields["answer"].label_from_instance = lambda a: (
            f"{a.question.questionnaire.code} · {a.question.text} · {a.text}"
        )
        self.helper = _helper(_("Set points"))


class ClassificationUpdateForm(forms.Form):
    """PRF-10 parameters: run date (default today) and an optional questionnaire."""

    run_date = forms.DateField(
        label=_("Run date"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=ProfileQuestionnaire.objects.order_by("code"),
        required=False,
        empty_label=_("(all questionnaires)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Update contact classification"))


class ContactProfileForm(forms.Form):
    """Ticked answers of one questionnaire on the contact card."""

    answers = forms.TypedMultipleChoiceField(
        label=_("Answers"), coerce=int, required=False, choices=[]
    )

    def __init__(self, *args, answer_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = [(pk, pk) for pk in answer_ids]
