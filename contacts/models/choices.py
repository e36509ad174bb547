"""Choices and constants of the contacts models (module level: Meta cannot see class-body
names)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------------------------
# Choices (module level: Meta cannot see class-body names)
# --------------------------------------------------------------------------------------------


class BusinessRelationSummary(models.TextChoices):
    """CON-44: summary of a contact's business relations (own rows plus its company's)."""

    NONE = "none", _("None")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    EMPLOYEE = "employee", _("Employee")
    OTHER = "other", _("Other")
    MULTIPLE = "multiple", _("Multiple")


class MasterSide(models.TextChoices):
    """CON-49: which side's shared fields win first when linking with an existing record."""

    CONTACT = "contact", _("Contact")
    EXTERNAL = "external", _("Business system")


class PickupStatus(models.TextChoices):
    """SPEC 12.3: whether the business system has picked up a link."""

    PENDING = "pending", _("Pending")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class DuplicateField(models.TextChoices):
    """SPEC 3.5: contact fields that can feed duplicate search strings."""

    NAME = "name", _("Name")
    NAME_2 = "name_2", _("Name 2")
    ADDRESS = "address", _("Address")
    ADDRESS_2 = "address_2", _("Address 2")
    CITY = "city", _("City")
    POST_CODE = "post_code", _("Post code")
    COUNTY = "county", _("County")
    PHONE = "phone", _("Phone")
    MOBILE_PHONE = "mobile_phone", _("Mobile phone")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    EMAIL_2 = "email_2", _("E-mail 2")
    HOME_PAGE = "home_page", _("Home page")
    VAT_REGISTRATION_NUMBER = "vat_registration_number", _("VAT registration no.")
    REGISTRATION_NUMBER = "registration_number", _("Registration no.")
    EXTERNAL_ID = "external_id", _("External ID")


class DuplicatePart(models.TextChoices):
    FIRST = "first", _("First")
    LAST = "last", _("Last")


class CommentTargetKind(models.TextChoices):
    """SPEC 3.2: the kinds of record a CommentLine can hang off."""

    CONTACT = "contact", _("Contact")
    CAMPAIGN = "campaign", _("Campaign")
    TASK = "task", _("Task")
    WEB_SOURCE = "web_source", _("Web source")
    SALES_CYCLE = "sales_cycle", _("Sales cycle")
    SALES_CYCLE_STAGE = "sales_cycle_stage", _("Sales cycle stage")
    OPPORTUNITY = "opportunity", _("Opportunity")


class SalesEntryKind(models.TextChoices):
    SALE = "sale", _("Sale")
    PURCHASE = "purchase", _("Purchase")


class SalesHistoryLinkType(models.TextChoices):
    """SPEC 9.1: the party of a history line is a linked customer/vendor, or a contact."""

    NONE = "", _("(none)")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")


DUPLICATE_SEARCH_LENGTH_MIN = 2
DUPLICATE_SEARCH_LENGTH_MAX = 10

# SPEC 3.5: the shipped setup rows (each field with first and last, length 5).
DEFAULT_DUPLICATE_SEARCH_FIELDS = [
    DuplicateField.NAME,
    DuplicateField.ADDRESS,
    DuplicateField.CITY,
    DuplicateField.PHONE,
    DuplicateField.VAT_REGISTRATION_NUMBER,
    DuplicateField.POST_CODE,
    DuplicateField.EMAIL,
    DuplicateField.MOBILE_PHONE,
]
