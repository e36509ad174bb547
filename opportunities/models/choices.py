"""Choices of the opportunities models (module level: Meta cannot see class-body names)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProbabilityMethod(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES_OF_SUCCESS = "chances_of_success", _("Chances of success %")
    COMPLETED = "completed", _("Completed %")


class CloseType(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")
    HIGH = "high", _("High")


class SalesDocumentKind(models.TextChoices):
    BLANK = "", _("(none)")
    QUOTE = "quote", _("Quote")
    ORDER = "order", _("Order")
    POSTED_INVOICE = "posted_invoice", _("Posted invoice")


class ActionTaken(models.TextChoices):
    BLANK = "", _("(none)")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    UPDATED = "updated", _("Updated")
    JUMPED = "jumped", _("Jumped")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class QuoteStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TaskType(models.TextChoices):
    BLANK = "", _("Task")
    PHONE_CALL = "phone_call", _("Phone call")
    MEETING = "meeting", _("Meeting")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WAITING = "waiting", _("Waiting")
    POSTPONED = "postponed", _("Postponed")


class RecurringFrom(models.TextChoices):
    BLANK = "", _("(none)")
    DUE_DATE = "due_date", _("Due date")
    CLOSING_DATE = "closing_date", _("Closing date")


class Attendance(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")


class AttendeeKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    SALESPERSON = "salesperson", _("Salesperson")


class AttendeeResponse(models.TextChoices):
    NONE = "none", _("None")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TENTATIVE = "tentative", _("Tentative")
