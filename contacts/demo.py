"""Demo contacts (SPEC 3.1-3.5): a bilingual data set of any size, built set-based.

``seed(contacts=N)`` tops the contact table up to N rows: 10 % companies, the rest persons
(about 3 % of them independent, the others attached to a company, a few companies with
thousands of persons). Names are French or English after the place (post codes come from the
setup area's PostCode table); every row has a believable address, phone, mobile and e-mail,
a salesperson, territory, country and language. Satellite rows follow: mailing groups,
industry groups, job responsibilities, web sources, business relations (plain relations and
customer/vendor links numbered from their series), alternate addresses with date ranges, and
the duplicate search strings of the new companies (CON-60).

Every table gets one ``INSERT … SELECT`` over ``generate_series``; pseudo-random choices come
from ``hashint8extended(id, salt)``, so a run is reproducible. Contact numbers are one block of
the contact series: the series line is locked and advanced by the block size in the caller's
transaction (SET-15), and formatted like the series pattern.

Rules kept by construction: ``search_name = UPPER(name)``, ``search_email = UPPER(email)``; a
company has ``company = itself`` and ``company_name = name`` (CON-4); a person inherits
``company_name``, salesperson, territory, country, language, address block, phone and
correspondence type from its company (CON-21…23); ``business_relation_summary`` matches the
relation rows inserted for the company (CON-44); minors are privacy-blocked (CON-50).

Not built here: duplicate *pairs* (CON-61). Matching every new company against all others
is a self-join whose size grows with the square of the companies sharing a common string
(every Paris company shares "PARIS"); run *Generate duplicate search strings* (CON-65) when
pairs are wanted.
"""

import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import DateTimeField, Model
from django.utils import timezone

from crm.sql import Alias, column, table
from setup.models import (
    BusinessRelation,
    ContactType,
    Currency,
    IndustryGroup,
    JobResponsibility,
    Language,
    MailingGroup,
    MarketingSetup,
    NumberSeries,
    NumberSeriesLine,
    OrganizationalLevel,
    PostCode,
    Salesperson,
    Territory,
    WebSource,
)
from setup.numbering import NumberPattern

from . import demo_profiles
from .models import (
    BusinessRelationSummary,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactBusinessRelation,
    ContactDuplicateSearchString,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactWebSource,
    DuplicateField,
    DuplicateSearchStringSetup,
    PickupStatus,
)

COMPANY_SHARE = 0.10  # of all contacts
INDEPENDENT_PERCENT = 3  # of persons: no company
CROSS_LANGUAGE_PERCENT = 15  # an English name in a French city, or the reverse
# CON-60: characters removed before a duplicate search string is cut.
DUPLICATE_STRIP_CHARS = ' "&/,.;:-_(){}#!£$\\`'

# fmt: off
FIRST_NAMES_FR = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Emma", "Louise", "Jade", "Alice",
    "Juliette", "Zoé", "Élodie", "Margaux", "Céline", "Sophie", "Nathalie", "Isabelle", "Hélène",
    "Anne", "Lucas", "Hugo", "Louis", "Gabriel", "Jules", "Arthur", "Nathan", "Théo", "Raphaël",
    "Maxime", "Antoine", "Nicolas", "Julien", "Thomas", "Pierre", "François", "Olivier", "Laurent",
    "Jérôme", "Benoît",
]
FIRST_NAMES_EN = [
    "Olivia", "Emily", "Sophia", "Charlotte", "Amelia", "Grace", "Hannah", "Lily", "Chloe",
    "Megan", "Jessica", "Rachel", "Laura", "Karen", "Susan", "Linda", "Emma", "Anna", "Kate",
    "Priya", "James", "Oliver", "Jack", "Harry", "George", "William", "Henry", "Daniel", "Michael",
    "David", "John", "Robert", "Thomas", "Andrew", "Peter", "Mark", "Paul", "Simon", "Richard",
    "Ethan",
]
SURNAMES_FR = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
    "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier",
    "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
]
SURNAMES_EN = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Miller", "Anderson",
    "Harris", "Clark", "Young", "King", "Scott", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Carter", "Turner", "Parker", "Collins",
]
MIDDLE_NAMES = ["Marie", "Anne", "Jean", "Paul", "Louise", "James", "Elizabeth", "Claude"]
COMPANY_PREFIXES_FR = [
    "Boulangerie", "Garage", "Cabinet", "Transports", "Maison", "Pharmacie", "Atelier",
    "Imprimerie", "Menuiserie", "Librairie", "Agence", "Groupe", "Laboratoires", "Brasserie",
    "Domaine",
]
COMPANY_PREFIXES_EN = [
    "Northwind", "Blue Harbor", "Silverline", "Redwood", "Summit", "Bright", "Oakridge", "Pioneer",
    "Crescent", "Evergreen", "Sterling", "Harbour", "Kingfisher", "Meridian", "Lakeside",
]
COMPANY_SECTORS = [
    "Traders", "Logistics", "Consulting", "Foods", "Systems", "Distribution", "Industries",
    "Services", "Solutions", "Partners", "Médical", "Informatique", "Conseil", "Bâtiment",
    "Énergie",
]
COMPANY_SUFFIXES_FR = ["SARL", "SAS", "SA", "& Fils", "et Associés", "EURL"]
COMPANY_SUFFIXES_EN = ["Ltd", "Inc.", "LLC", "& Co", "Group", "plc"]
STREETS_FR = [
    "rue de la Paix", "avenue Victor Hugo", "boulevard Haussmann", "rue du Commerce",
    "place de la République", "rue des Lilas", "chemin des Vignes", "rue Pasteur",
    "avenue Jean Jaurès", "rue de la Gare", "quai des Chartrons", "rue Nationale",
]
STREETS_EN = [
    "High Street", "Station Road", "Church Lane", "Park Avenue", "King Street", "Victoria Road",
    "Mill Lane", "Main Street", "Broadway", "Elm Street", "Queen Street", "Oxford Road",
]
STREETS_DE = ["Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Schillerstrasse", "Lindenallee"]
JOB_TITLES_FR = [
    "Directeur général", "Responsable achats", "Comptable", "Commercial",
    "Assistante de direction", "Chef de projet", "Responsable marketing", "DSI", "Acheteur",
    "Gérant",
]
JOB_TITLES_EN = [
    "Managing director", "Purchasing manager", "Accountant", "Sales representative",
    "Office manager", "Project manager", "Marketing manager", "IT manager", "Buyer", "Owner",
]
FREE_MAIL = ["gmail.com", "orange.fr", "outlook.com", "free.fr", "yahoo.com", "laposte.net"]
ALT_CODES = ["BILLING", "SIEGE", "DEPOT"]
ALT_CODES_PERSON = ["HOLIDAY", "VACANCES", "HOME"]
# fmt: on

# Per country: (name style, phone prefix, mobile prefix, top-level domain, VAT prefix,
# currency, language).
COUNTRY_STYLE = {
    "FR": ("fr", "+33 1", "+33 6", "fr", "FR", "EUR", "FRA"),
    "BE": ("fr", "+32 2", "+32 470", "be", "BE0", "EUR", "FRA"),
    "CH": ("fr", "+41 22", "+41 79", "ch", "CHE", "CHF", "FRA"),
    "CA": ("fr", "+1 514", "+1 438", "ca", "", "CAD", "FRA"),
    "GB": ("en", "+44 20", "+44 7700", "co.uk", "GB", "GBP", "ENU"),
    "US": ("en", "+1 212", "+1 917", "com", "", "USD", "ENU"),
    "DE": ("de", "+49 30", "+49 151", "de", "DE", "EUR", "ENU"),
}
DEFAULT_STYLE = ("en", "+1 555", "+1 555", "com", "", "", "ENU")
CITY_PHONE = {
    "Lyon": "+33 4",
    "Marseille": "+33 4",
    "Bordeaux": "+33 5",
    "Toulouse": "+33 5",
    "Lille": "+33 3",
}
CITY_TERRITORY = {
    "Paris": "PARIS",
    "Lille": "NORTH",
    "Lyon": "EAST",
    "Marseille": "SOUTH",
    "Bordeaux": "SOUTH",
    "Toulouse": "SOUTH",
}
FRENCH_PLACE_WEIGHT = 6  # French post codes are picked this many times as often as others


def h(salt: int, n: int, var: str = "id") -> str:
    """SQL for a reproducible pseudo-random integer in [0, n) from ``var``."""
    return f"((hashint8extended({var}, {salt}) & 2147483647) %% {max(n, 1)})"


def u(salt: int, var: str = "id") -> str:
    """SQL for a reproducible pseudo-random float in [0, 1) from ``var``."""
    return f"((hashint8extended({var}, {salt}) & 2147483647) / 2147483648.0)"


def digits(salt: int, count: int, var: str = "id") -> str:
    return f"lpad({h(salt, 10**count, var)}::text, {count}, '0')"


def pairs(salt: int, var: str = "id") -> str:
    """Eight digits as four space-separated pairs: ``12 34 56 78``."""
    d = digits(salt, 8, var)
    return " || ' ' || ".join(f"substr({d}, {i}, 2)" for i in (1, 3, 5, 7))


def ascii_slug(expr: str, keep: str = "") -> str:
    """Lower-case ASCII letters and digits of ``expr`` (accents folded), plus ``keep``."""
    return (
        f"regexp_replace(translate(lower({expr}), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæß', "
        f"'aaaaaaceeeeiiiinooooouuuuyyoas'), '[^a-z0-9{keep}]+', '', 'g')"
    )


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberRun:
    """``count`` numbers ``prefix + zero-padded(first + i * step) + suffix``."""

    prefix: str
    suffix: str
    width: int
    first: int
    step: int
    count: int


@dataclass(frozen=True)
class NumberBlock:
    series: NumberSeries
    runs: list[NumberRun]

    def sql(self, offset: str) -> str:
        """SQL for the number at 0-based ``offset`` of the block (``%%`` escaped)."""
        branches, before = [], 0
        for run in self.runs:
            value = (
                f"{quote(run.prefix)} || lpad(({run.first} + ({offset} - {before}) * {run.step})"
                f"::text, {run.width}, '0') || {quote(run.suffix)}"
            )
            branches.append((before + run.count, value))
            before += run.count
        if len(branches) == 1:
            return branches[0][1]
        cases = " ".join(f"WHEN {offset} < {limit} THEN {value}" for limit, value in branches)
        return f"(CASE {cases} END)"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def issue_block(series: NumberSeries, count: int) -> NumberBlock:
    """Issue ``count`` consecutive numbers of ``series`` at once (SET-11…15, in bulk).

    The line in effect is locked and advanced by the block size in the caller's transaction.
    A demo larger than the line's pattern allows (``CT000001`` stops at ``CT999999``) closes
    the line at its last number and opens a line from today with one more digit, so one
    million contacts still get series numbers.
    """
    today = timezone.localdate()
    line = (
        NumberSeriesLine.objects.select_for_update()
        .filter(series=series, is_open=True)
        .exclude(starting_date__gt=today)
        .order_by("-starting_date", "-id")  # NULL sorts first descending: latest date wins
        .first()
    )
    runs: list[NumberRun] = []
    while count > 0:
        if line is None:
            raise ValueError(f"No open number series line for {series.code}.")
        pattern = NumberPattern(line.starting_number)
        prefix = line.starting_number[: pattern.start]
        suffix = line.starting_number[pattern.end :]
        width = pattern.end - pattern.start
        step = line.increment_by
        if line.last_number_used:
            first = pattern.numeric(line.last_number_used) + step
        else:
            first = pattern.numeric(line.starting_number)
        last_allowed = pattern.numeric(line.ending_number) if line.ending_number else 10**width - 1
        available = max(0, (last_allowed - first) // step + 1)
        take = min(count, available)
        if take:
            runs.append(NumberRun(prefix, suffix, width, first, step, take))
            last = first + (take - 1) * step
            line.last_number_used = f"{prefix}{last:0{width}d}{suffix}"
            line.last_date_used = today
            line.is_open = not (line.ending_number and last == last_allowed)
            line.save(update_fields=["last_number_used", "last_date_used", "is_open", "updated_at"])
            count -= take
        if count and not line.ending_number and line.starting_date != today:
            # Widen: close this line, open one from today with one digit more.
            line.is_open = False
            line.save(update_fields=["is_open", "updated_at"])
            start = f"{prefix}{last_allowed + 1:0{width + 1}d}{suffix}"
            line = NumberSeriesLine.objects.create(
                series=series, starting_date=today, starting_number=start
            )
        elif count:
            raise ValueError(f"No more numbers in series {series.code}.")
    return NumberBlock(series=series, runs=runs)


# --------------------------------------------------------------------------------------------
# Set-based inserts
# --------------------------------------------------------------------------------------------


def insert_select(model: type[Model], columns: dict[str, str], tail: str, params: dict) -> int:
    """``INSERT INTO <model> (...) SELECT <columns> <tail>``; other columns get defaults.

    ``columns`` maps field names (``attname``) to SQL expressions; every other concrete column
    except the primary key gets its model default (``now()`` for auto timestamps), so a field
    added to the model later does not break the seed.
    """
    fields = model._meta.concrete_fields
    unknown = set(columns) - {field.attname for field in fields}
    if unknown:  # a renamed field would otherwise silently get its default
        raise ValueError(f"unknown {model._meta.label} columns: {sorted(unknown)}")
    names, exprs = [], []
    for field in fields:
        if field.generated or (field.primary_key and field.attname not in columns):
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.attname in columns:
            exprs.append(columns[field.attname])
        elif isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add):
            exprs.append("now()")
        else:
            key = f"default_{field.attname}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            exprs.append(f"%({key})s")
    sql = f"INSERT INTO {table(model)} ({', '.join(names)}) SELECT {', '.join(exprs)} {tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def ids(model: type[Model], **filters) -> list[int]:
    return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))


def code_id(model: type[Model], code: str) -> int | None:
    return model.objects.filter(code=code).values_list("pk", flat=True).first()


def places_sql(params: dict) -> str:
    """A ``VALUES`` list of the setup area's post codes with their country's style."""
    territories = dict(Territory.objects.values_list("code", "pk"))
    languages = dict(Language.objects.values_list("code", "pk"))
    currencies = dict(Currency.objects.values_list("code", "pk"))
    rows = []
    weighted: list[int] = []
    post_codes = PostCode.objects.select_related("country").order_by("pk")
    for i, pc in enumerate(post_codes, start=1):
        country = pc.country.code if pc.country else ""
        style, phone, mobile, tld, vat, currency, language = COUNTRY_STYLE.get(
            country, DEFAULT_STYLE
        )
        phone = CITY_PHONE.get(pc.city, phone)
        territory = territories.get(CITY_TERRITORY.get(pc.city, "WEST"))
        rows.append(
            (
                i,
                pc.code,
                pc.city,
                pc.county,
                pc.country_id,
                style,
                phone,
                mobile,
                tld,
                vat,
                currencies.get(currency),
                languages.get(language),
                territory,
            )
        )
        weighted += [i] * (FRENCH_PLACE_WEIGHT if country == "FR" else 2)
    if not rows:  # no setup data: one neutral place
        rows.append((1, "", "", "", None, "en", "+1 555", "+1 555", "com", "", None, None, None))
        weighted = [1]
    values = []
    for r, row in enumerate(rows):
        keys = []
        for c, value in enumerate(row):
            key = f"place_{r}_{c}"
            params[key] = value
            cast = "::bigint" if c in (0, 4, 10, 11, 12) else "::text"
            keys.append(f"%({key})s{cast}")
        values.append(f"({', '.join(keys)})")
    params["place_pick"] = weighted
    return (
        "(VALUES " + ", ".join(values) + ") AS place(i, post_code, city, county, country_id, "
        "style, phone, mobile, tld, vat, currency_id, language_id, territory_id)"
    )


def seed(*, contacts: int, stdout) -> str:
    existing = Contact.objects.count()
    missing = contacts - existing
    if missing <= 0:
        return f"{existing} contacts, nothing to add"
    setup = MarketingSetup.load()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            f"SELECT coalesce(max({column(Contact, 'id')}), 0) FROM {table(Contact)}"  # noqa: S608 (crm.sql names)
        )
        id_floor = cursor.fetchone()[0]
    companies_wanted = max(1, math.ceil(contacts * COMPANY_SHARE))
    companies_now = Contact.objects.filter(type=ContactType.COMPANY).count()
    new_companies = min(missing, max(0, companies_wanted - companies_now))
    new_persons = missing - new_companies

    series = setup.contact_series or NumberSeries.objects.get(code="CONT")
    block = issue_block(series, missing)
    salespeople = ids(Salesperson, is_blocked=False, is_privacy_blocked=False) or [None]
    base = {
        "series_id": series.pk,
        "salespeople": salespeople,
        "first_fr": FIRST_NAMES_FR,
        "first_en": FIRST_NAMES_EN,
        "surname_fr": SURNAMES_FR,
        "surname_en": SURNAMES_EN,
        "middle": MIDDLE_NAMES,
        "streets_fr": STREETS_FR,
        "streets_en": STREETS_EN,
        "streets_de": STREETS_DE,
        "company_salutation": setup.default_company_salutation_id,
        "person_salutation": setup.default_person_salutation_id,
        "id_floor": id_floor,
    }
    _insert_companies(block, new_companies, setup, base, stdout)
    _insert_persons(block, new_companies, new_persons, base, stdout)
    counts = _insert_satellites(setup, id_floor, stdout)
    with connection.cursor() as cursor:
        for model in (
            Contact,
            ContactMailingGroup,
            ContactBusinessRelation,
            ContactDuplicateSearchString,
        ):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    extra = ", ".join(f"{n} {what}" for what, n in counts.items())
    extra += "; " + demo_profiles.seed(contacts=contacts, stdout=stdout)
    return (
        f"{new_companies} companies and {new_persons} persons added "
        f"({existing + missing} contacts); {extra}"
    )


def _address_sql(style: str, salt: int) -> str:
    number = f"(1 + {h(salt, 180)})"
    return (
        f"CASE {style} "
        f"WHEN 'fr' THEN {number} || ' ' || "
        f"(%(streets_fr)s::text[])[1 + {h(salt + 1, len(STREETS_FR))}] "
        f"WHEN 'de' THEN (%(streets_de)s::text[])[1 + {h(salt + 1, len(STREETS_DE))}] "
        f"|| ' ' || {number} "
        f"ELSE {number} || ' ' || (%(streets_en)s::text[])[1 + {h(salt + 1, len(STREETS_EN))}] "
        "END"
    )


def _summary_sql(setup: MarketingSetup, salt: int) -> tuple[str, dict[str, int]]:
    """Relation mix of a company from its id: SQL for its summary, and the share of each."""
    has_customer = bool(setup.customer_relation_id and setup.customer_series_id)
    has_vendor = bool(setup.vendor_relation_id and setup.vendor_series_id)
    r = h(salt, 100)
    summary = BusinessRelationSummary
    return (
        f"CASE WHEN {r} < 18 THEN {quote(summary.CUSTOMER if has_customer else summary.NONE)} "
        f"WHEN {r} < 20 THEN {quote(summary.MULTIPLE if has_customer else summary.OTHER)} "
        f"WHEN {r} < 23 THEN {quote(summary.VENDOR if has_vendor else summary.NONE)} "
        f"WHEN {r} < 35 THEN {quote(summary.OTHER)} ELSE {quote(summary.NONE)} END"
    ), {"customer": has_customer, "vendor": has_vendor}


RELATION_SALT = 11


def _insert_companies(block: NumberBlock, n: int, setup, base: dict, stdout) -> None:
    if n <= 0:
        return
    params = dict(
        base,
        n=n,
        prefixes_fr=COMPANY_PREFIXES_FR,
        prefixes_en=COMPANY_PREFIXES_EN,
        sectors=COMPANY_SECTORS,
        suffixes_fr=COMPANY_SUFFIXES_FR,
        suffixes_en=COMPANY_SUFFIXES_EN,
    )
    places = places_sql(params)
    summary, _kinds = _summary_sql(setup, RELATION_SALT)
    fr = f"(place.style = 'fr') <> ({h(2, 100)} < {CROSS_LANGUAGE_PERCENT})"
    surname = (
        f"CASE WHEN {fr} THEN (%(surname_fr)s::text[])[1 + {h(3, len(SURNAMES_FR))}] "
        f"ELSE (%(surname_en)s::text[])[1 + {h(3, len(SURNAMES_EN))}] END"
    )
    surname_2 = (
        f"CASE WHEN {fr} THEN (%(surname_fr)s::text[])[1 + {h(4, len(SURNAMES_FR))}] "
        f"ELSE (%(surname_en)s::text[])[1 + {h(4, len(SURNAMES_EN))}] END"
    )
    kind = h(5, 100)
    name = (
        f"CASE WHEN {kind} < 35 THEN (CASE WHEN {fr} THEN "
        f"(%(prefixes_fr)s::text[])[1 + {h(6, len(COMPANY_PREFIXES_FR))}] || ' ' || {surname} "
        f"ELSE {surname} || ' ' || (%(sectors)s::text[])[1 + {h(6, len(COMPANY_SECTORS))}] "
        f"END) "
        f"WHEN {kind} < 60 THEN {surname} || ' ' || (CASE WHEN {fr} THEN "
        f"(%(suffixes_fr)s::text[])[1 + {h(7, len(COMPANY_SUFFIXES_FR))}] ELSE "
        f"(%(suffixes_en)s::text[])[1 + {h(7, len(COMPANY_SUFFIXES_EN))}] END) "
        f"WHEN {kind} < 80 THEN {surname} || ' & ' || {surname_2} "
        f"ELSE (%(prefixes_en)s::text[])[1 + {h(8, len(COMPANY_PREFIXES_EN))}] || ' ' || "
        f"(%(sectors)s::text[])[1 + {h(9, len(COMPANY_SECTORS))}] END"
    )
    domain = f"{ascii_slug('c.name')} || '.' || c.tld"
    columns = {
        "id": "c.id",
        "company_id": "c.id",
        "number": block.sql("c.o"),
        "number_series_id": "%(series_id)s",
        "type": quote(ContactType.COMPANY),
        "name": "c.name",
        "search_name": "upper(c.name)",
        "company_name": "c.name",
        "name_2": f"CASE WHEN {h(12, 100)} < 5 THEN 'Service clients' ELSE '' END",
        "salesperson_id": f"(%(salespeople)s::bigint[])[1 + {h(13, len(base['salespeople']))}]",
        "salutation_id": "%(company_salutation)s",
        "correspondence_type": (
            f"CASE WHEN {h(14, 10)} < 5 THEN 'email' WHEN {h(14, 10)} < 8 THEN 'hard_copy' "
            "ELSE '' END"
        ),
        "language_id": "c.language_id",
        "territory_id": "c.territory_id",
        "currency_id": "c.currency_id",
        "country_id": "c.country_id",
        "vat_registration_number": (
            f"CASE WHEN c.vat = '' THEN '' ELSE c.vat || {digits(15, 9)} END"
        ),
        "registration_number": f"CASE WHEN c.style = 'fr' THEN {digits(16, 9)} ELSE '' END",
        "external_id": f"CASE WHEN {h(17, 100)} < 5 THEN 'EXT-' || c.id ELSE '' END",
        "address": _address_sql("c.style", 18),
        "address_2": f"CASE WHEN {h(20, 100)} < 10 THEN 'Bâtiment B' ELSE '' END",
        "city": "c.city",
        "post_code": "c.post_code",
        "county": "c.county",
        "phone": f"c.phone || ' ' || {pairs(21)}",
        "fax": f"CASE WHEN {h(22, 100)} < 20 THEN c.phone || ' ' || {pairs(22)} ELSE '' END",
        "email": f"(ARRAY['contact', 'info', 'sales', 'accueil'])[1 + {h(23, 4)}] || '@' || "
        f"{domain}",
        "search_email": f"upper((ARRAY['contact', 'info', 'sales', 'accueil'])[1 + {h(23, 4)}]"
        f" || '@' || {domain})",
        "home_page": f"'www.' || {domain}",
        "exclude_from_segment": f"{h(24, 100)} = 0",
        "is_privacy_blocked": f"{h(25, 1000)} < 2",
        "business_relation_summary": summary,
        "created_at": "c.created_at",
        "updated_at": "c.modified_at",
        "last_modified_at": "c.modified_at",
    }
    tail = f"""FROM (
        SELECT s.id, s.o, place.*, {name} AS name,
               now() - {h(26, 4 * 365 * 86400)} * interval '1 second' AS created_at,
               now() - {h(26, 4 * 365 * 86400)} * {u(27)} * interval '1 second' AS modified_at
        FROM (SELECT nextval({_contact_sequence()}) AS id, g - 1 AS o
              FROM generate_series(1, %(n)s) AS g OFFSET 0) AS s
        JOIN {places} ON place.i = (%(place_pick)s::bigint[])[1 + {h(1, len(params["place_pick"]))}]
        OFFSET 0) AS c"""  # noqa: S608 (identifiers from crm.sql, values bound)
    insert_select(Contact, columns, tail, params)
    stdout.write(f"    contacts: {n} companies inserted")


def _contact_sequence() -> str:
    """The contacts' id sequence, named from ``_meta`` (as text literals, escaped)."""
    return (
        f"pg_get_serial_sequence({quote(Contact._meta.db_table)}, {quote(Contact._meta.pk.column)})"
    )


# The company columns a person copies (``demo_company``, read as ``co``).
_DEMO_COMPANY_FIELDS = (
    "id",
    "name",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country",
    "phone",
    "correspondence_type",
    "salesperson",
    "territory",
    "language",
    "business_relation_summary",
)


def _insert_persons(block: NumberBlock, offset: int, n: int, base: dict, stdout) -> None:
    if n <= 0:
        return
    params = dict(
        base,
        n=n,
        offset=offset,
        jobs_fr=JOB_TITLES_FR,
        jobs_en=JOB_TITLES_EN,
        free_mail=FREE_MAIL,
        levels=ids(OrganizationalLevel) or [None],
    )
    places = places_sql(params)

    def hs(salt: int, n: int) -> str:  # inner query: ``id`` would be ambiguous there
        return h(salt, n, "s.id")

    def us(salt: int) -> str:
        return u(salt, "s.id")

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS demo_company")  # a second seed in one transaction
        # The temporary table's own names (co.name, co.country_id, …) are the attnames.
        kept = ", ".join(
            f"{column(Contact, name)} AS {Contact._meta.get_field(name).attname}"
            for name in _DEMO_COMPANY_FIELDS
        )
        language = Alias(Language, "l")

        def c(name: str) -> str:
            return column(Contact, name)

        cursor.execute(
            "CREATE TEMP TABLE demo_company ON COMMIT DROP AS "  # noqa: S608 (crm.sql names)
            f"SELECT row_number() OVER (ORDER BY {c('id')}) AS rn, {kept}, "
            f"coalesce(nullif(substr({c('home_page')}, 5), ''), 'example.com') AS domain, "
            f"{c('language')} IS NOT DISTINCT FROM (SELECT {language.id} FROM {table(Language)} "
            f"{language} WHERE {language.code} = %s) AS is_fr "
            f"FROM {table(Contact)} WHERE {c('type')} = %s",
            ["FRA", ContactType.COMPANY],
        )
        cursor.execute("ALTER TABLE demo_company ADD PRIMARY KEY (rn)")
        cursor.execute("ANALYZE demo_company")
        cursor.execute("SELECT count(*) FROM demo_company")
        company_count = cursor.fetchone()[0]
    params["company_count"] = company_count
    # Persons crowd into the first companies (u² skew): a few employers have thousands.
    pick = f"CASE WHEN {hs(30, 100)} < {INDEPENDENT_PERCENT} OR %(company_count)s = 0 THEN NULL "
    pick += f"ELSE 1 + floor(%(company_count)s * power({us(31)}, 2))::bigint END"
    fr = f"(coalesce(co.is_fr, place.style = 'fr')) <> ({hs(32, 100)} < {CROSS_LANGUAGE_PERCENT})"
    first = (
        f"CASE WHEN {fr} THEN (%(first_fr)s::text[])[1 + {hs(33, len(FIRST_NAMES_FR))}] "
        f"ELSE (%(first_en)s::text[])[1 + {hs(33, len(FIRST_NAMES_EN))}] END"
    )
    middle = f"CASE WHEN {hs(34, 100)} < 8 THEN (%(middle)s::text[])[1 + {hs(35, 8)}] ELSE '' END"
    surname = (
        f"CASE WHEN {fr} THEN (%(surname_fr)s::text[])[1 + {hs(36, len(SURNAMES_FR))}] "
        f"ELSE (%(surname_en)s::text[])[1 + {hs(36, len(SURNAMES_EN))}] END"
    )
    job = (
        f"CASE WHEN {hs(37, 100)} < 70 THEN (CASE WHEN {fr} THEN "
        f"(%(jobs_fr)s::text[])[1 + {hs(38, len(JOB_TITLES_FR))}] "
        f"ELSE (%(jobs_en)s::text[])[1 + {hs(38, len(JOB_TITLES_EN))}] END) ELSE '' END"
    )
    local = f"{ascii_slug('p.first_name')} || '.' || {ascii_slug('p.surname')}"
    email = (
        f"CASE WHEN p.company_id IS NOT NULL THEN {local} || '@' || p.domain "
        f"ELSE {local} || {h(39, 100)} || '@' || "
        f"(%(free_mail)s::text[])[1 + {h(40, len(FREE_MAIL))}] END"
    )
    minor = f"({h(41, 1000)} BETWEEN 5 AND 6)"
    own = "p.company_id IS NULL"
    columns = {
        "id": "p.id",
        "company_id": "p.company_id",
        "number": block.sql("(%(offset)s + p.o)"),
        "number_series_id": "%(series_id)s",
        "type": quote(ContactType.PERSON),
        "name": "p.name",
        "search_name": "upper(p.name)",
        "first_name": "p.first_name",
        "middle_name": "p.middle_name",
        "surname": "p.surname",
        "initials": "left(p.first_name, 1) || left(p.surname, 1)",
        "job_title": "p.job_title",
        "company_name": "coalesce(p.company_name, '')",
        "salesperson_id": f"CASE WHEN {own} THEN "
        f"(%(salespeople)s::bigint[])[1 + {h(42, len(base['salespeople']))}] "
        "ELSE p.co_salesperson_id END",
        "salutation_id": "%(person_salutation)s",
        "organizational_level_id": f"CASE WHEN {own} OR {h(43, 100)} >= 40 THEN NULL ELSE "
        f"(%(levels)s::bigint[])[1 + {h(44, len(params['levels']))}] END",
        "correspondence_type": f"CASE WHEN {own} THEN 'email' ELSE p.co_correspondence END",
        "language_id": f"CASE WHEN {own} THEN p.language_id ELSE p.co_language_id END",
        "territory_id": f"CASE WHEN {own} THEN p.territory_id ELSE p.co_territory_id END",
        "country_id": f"CASE WHEN {own} THEN p.country_id ELSE p.co_country_id END",
        "address": f"CASE WHEN {own} THEN {_address_sql('p.style', 45)} ELSE p.co_address END",
        "address_2": f"CASE WHEN {own} THEN '' ELSE p.co_address_2 END",
        "city": f"CASE WHEN {own} THEN p.city ELSE p.co_city END",
        "post_code": f"CASE WHEN {own} THEN p.post_code ELSE p.co_post_code END",
        "county": f"CASE WHEN {own} THEN p.county ELSE p.co_county END",
        "phone": f"CASE WHEN {own} THEN p.phone || ' ' || {pairs(47)} ELSE p.co_phone END",
        "extension": f"CASE WHEN NOT {own} AND {h(48, 100)} < 30 THEN {digits(49, 3)} ELSE '' END",
        "mobile_phone": f"CASE WHEN {h(50, 100)} < 75 THEN p.mobile || ' ' || {pairs(51)} "
        "ELSE '' END",
        "email": email,
        "search_email": f"upper({email})",
        "exclude_from_segment": f"{h(52, 100)} = 0",
        "is_minor": minor,
        "has_parental_consent": f"{minor} AND {h(53, 2)} = 0",
        "is_privacy_blocked": f"{minor} OR {h(41, 1000)} < 5",
        "business_relation_summary": "coalesce(p.co_summary, 'none')",
        "created_at": "p.created_at",
        "updated_at": "p.modified_at",
        "last_modified_at": "p.modified_at",
    }
    name = "concat_ws(' ', q.first_name, nullif(q.middle_name, ''), q.surname)"
    tail = f"""FROM (
        SELECT q.*, {name} AS name FROM (
            SELECT s.id, s.o, place.*, co.id AS company_id, co.name AS company_name,
                   co.domain, co.address AS co_address, co.address_2 AS co_address_2,
                   co.city AS co_city, co.post_code AS co_post_code, co.county AS co_county,
                   co.country_id AS co_country_id, co.phone AS co_phone,
                   co.correspondence_type AS co_correspondence,
                   co.salesperson_id AS co_salesperson_id,
                   co.territory_id AS co_territory_id, co.language_id AS co_language_id,
                   co.business_relation_summary AS co_summary,
                   {first} AS first_name, {middle} AS middle_name, {surname} AS surname,
                   {job} AS job_title,
                   now() - {hs(54, 4 * 365 * 86400)} * interval '1 second' AS created_at,
                   now() - {hs(54, 4 * 365 * 86400)} * {us(55)} * interval '1 second'
                       AS modified_at
            FROM (SELECT nextval({_contact_sequence()}) AS id,
                         g - 1 AS o
                  FROM generate_series(1, %(n)s) AS g OFFSET 0) AS s
            JOIN {places}
                ON place.i = (%(place_pick)s::bigint[])[1 + {hs(56, len(params["place_pick"]))}]
            LEFT JOIN demo_company AS co ON co.rn = {pick}
            OFFSET 0) AS q
        ) AS p"""  # noqa: S608 (identifiers from crm.sql, values bound)
    insert_select(Contact, columns, tail, params)
    stdout.write(f"    contacts: {n} persons inserted")


def _insert_satellites(setup: MarketingSetup, id_floor: int, stdout) -> dict[str, int]:
    counts: dict[str, int] = {}
    c, contacts = Alias(Contact, "c"), table(Contact)
    new = f"FROM {contacts} AS c WHERE {c.id} > %(id_floor)s"
    company = f"{new} AND {c.type} = {quote(ContactType.COMPANY)}"
    slot = "CROSS JOIN (VALUES (1), (2)) AS slot(n)"

    groups = ids(MailingGroup)
    if groups:
        ng = len(groups)
        pick = (
            f"CASE WHEN slot.n = 1 THEN {h(60, ng, c.id)} "
            f"ELSE ({h(60, ng, c.id)} + 1 + {h(61, max(ng - 1, 1), c.id)}) %% {ng} END"
        )
        counts["mailing groups"] = insert_select(
            ContactMailingGroup,
            {"contact_id": c.id, "mailing_group_id": f"(%(groups)s::bigint[])[1 + {pick}]"},
            f"FROM {contacts} AS c {slot} WHERE {c.id} > %(id_floor)s AND "
            f"{h(62, 100, c.id)} < CASE WHEN slot.n = 1 THEN 30 ELSE "
            f"{8 if ng > 1 else 0} END",
            {"id_floor": id_floor, "groups": groups},
        )
    groups = ids(IndustryGroup)
    if groups:
        ng = len(groups)
        pick = (
            f"CASE WHEN slot.n = 1 THEN {h(63, ng, c.id)} "
            f"ELSE ({h(63, ng, c.id)} + 1 + {h(64, max(ng - 1, 1), c.id)}) %% {ng} END"
        )
        counts["industry groups"] = insert_select(
            ContactIndustryGroup,
            {"contact_id": c.id, "industry_group_id": f"(%(groups)s::bigint[])[1 + {pick}]"},
            f"FROM {contacts} AS c {slot} WHERE {c.id} > %(id_floor)s "
            f"AND {c.type} = {quote(ContactType.COMPANY)} AND "
            f"{h(65, 100, c.id)} < CASE WHEN slot.n = 1 THEN 90 ELSE "
            f"{20 if ng > 1 else 0} END",
            {"id_floor": id_floor, "groups": groups},
        )
    groups = ids(JobResponsibility)
    if groups:
        ng = len(groups)
        pick = (
            f"CASE WHEN slot.n = 1 THEN {h(66, ng, c.id)} "
            f"ELSE ({h(66, ng, c.id)} + 1 + {h(67, max(ng - 1, 1), c.id)}) %% {ng} END"
        )
        counts["job responsibilities"] = insert_select(
            ContactJobResponsibility,
            {"contact_id": c.id, "job_responsibility_id": f"(%(groups)s::bigint[])[1 + {pick}]"},
            f"FROM {contacts} AS c {slot} WHERE {c.id} > %(id_floor)s "
            f"AND {c.type} = {quote(ContactType.PERSON)} AND {c.company} IS NOT NULL AND "
            f"{h(68, 100, c.id)} < CASE WHEN slot.n = 1 THEN 60 ELSE "
            f"{15 if ng > 1 else 0} END",
            {"id_floor": id_floor, "groups": groups},
        )
    web_source = (
        code_id(WebSource, "SOCIETE") or WebSource.objects.values_list("pk", flat=True).first()
    )
    if web_source:
        counts["web sources"] = insert_select(
            ContactWebSource,
            {
                "contact_id": c.id,
                "web_source_id": "%(web_source)s",
                "search_word": f"left({c.name}, 30)",
            },
            f"{company} AND {h(69, 100, c.id)} < 10",
            {"id_floor": id_floor, "web_source": web_source},
        )
    counts["business relations"] = _insert_relations(setup, id_floor, company)
    counts["alternate addresses"] = insert_select(
        ContactAltAddress,
        {
            "contact_id": c.id,
            "code": f"CASE WHEN {c.type} = {quote(ContactType.COMPANY)} THEN "
            f"(%(alt)s::text[])[1 + {h(70, len(ALT_CODES), c.id)}] ELSE "
            f"(%(alt_person)s::text[])[1 + {h(70, len(ALT_CODES_PERSON), c.id)}] END",
            "company_name": c.company_name,
            "address": f"(1 + {h(71, 90, c.id)}) || ' ' || "
            "(ARRAY['rue des Écoles', 'Seaside Road', 'chemin du Lac', 'Harbour View'])"
            f"[1 + {h(72, 4, c.id)}]",
            "city": f"(ARRAY['Nice', 'Brighton', 'Annecy', 'Halifax'])[1 + {h(72, 4, c.id)}]",
            "post_code": f"(ARRAY['06000', 'BN1 1AA', '74000', 'B3H 1A1'])[1 + {h(72, 4, c.id)}]",
            "country_id": c.country,
            "phone": c.phone,
            "email": c.email,
            "search_email": c.search_email,
        },
        f"{new} AND {h(73, 100, c.id)} < 2",
        {"id_floor": id_floor, "alt": ALT_CODES, "alt_person": ALT_CODES_PERSON},
    )
    a = Alias(ContactAltAddress, "a")
    counts["alternate address date ranges"] = insert_select(
        ContactAltAddressDateRange,
        {
            "contact_id": a.contact,
            "alt_address_id": a.id,
            "starting_date": f"current_date + {h(74, 120, a.id)}::int",
            "ending_date": f"current_date + {h(74, 120, a.id)}::int + 7 + {h(75, 21, a.id)}::int",
        },
        f"FROM {table(ContactAltAddress)} AS a WHERE {a.contact} > %(id_floor)s "
        f"AND {h(76, 2, a.id)} = 0",
        {"id_floor": id_floor},
    )
    if setup.maintain_duplicate_strings:
        counts["duplicate search strings"] = _insert_duplicate_strings(company, id_floor)
    for what, n in counts.items():
        stdout.write(f"    contacts: {n} {what}")
    return counts


def _insert_relations(setup: MarketingSetup, id_floor: int, company: str) -> int:
    """Business relations matching each company's summary (see ``_summary_sql``)."""
    c_id = column(Contact, "id", "c")
    r = h(RELATION_SALT, 100, c_id)
    total = 0
    links = [
        (setup.customer_relation_id, setup.customer_series, "customer", f"{r} < 20"),
        (setup.vendor_relation_id, setup.vendor_series, "vendor", f"{r} BETWEEN 20 AND 22"),
    ]
    for relation_id, series, link_type, condition in links:
        if not (relation_id and series):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {company} AND {condition}", {"id_floor": id_floor})
            n = cursor.fetchone()[0]
        if not n:
            continue
        block = issue_block(series, n)
        total += insert_select(
            ContactBusinessRelation,
            {
                "contact_id": "c.id",
                "business_relation_id": "%(relation)s",
                "link_type": quote(link_type),
                "external_number": block.sql("c.o"),
                "pickup_status": quote(PickupStatus.ACKNOWLEDGED),
                "acknowledged_at": "now()",
            },
            f"FROM (SELECT {c_id} AS id, row_number() OVER (ORDER BY {c_id}) - 1 AS o {company} "
            f"AND {condition}) AS c",
            {"id_floor": id_floor, "relation": relation_id},
        )
    plain = list(
        BusinessRelation.objects.filter(code__in=["PROS", "PART", "PRESS", "LAW"])
        .exclude(
            pk__in=[
                setup.customer_relation_id,
                setup.vendor_relation_id,
                setup.bank_account_relation_id,
                setup.employee_relation_id,
            ]
        )
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if plain:
        part = code_id(BusinessRelation, "PART") or plain[0]
        has_customer = bool(setup.customer_relation_id and setup.customer_series_id)
        # 18-19 with a customer link: a partner row too ("multiple"); 23-34: one plain row.
        condition = f"({r} BETWEEN 23 AND 34)"
        if has_customer:
            condition = f"({r} BETWEEN 18 AND 19 OR {condition})"
        total += insert_select(
            ContactBusinessRelation,
            {
                "contact_id": "c.id",
                "business_relation_id": f"CASE WHEN {r} < 20 THEN %(part)s ELSE "
                f"(%(plain)s::bigint[])[1 + {h(77, len(plain), 'c.id')}] END",
                "pickup_status": quote(PickupStatus.ACKNOWLEDGED),
            },
            f"{company} AND {condition}",
            {"id_floor": id_floor, "part": part, "plain": plain},
        )
    return total


def _insert_duplicate_strings(company: str, id_floor: int) -> int:
    """CON-60 for the new companies, one statement over all setup rows."""
    if not DuplicateSearchStringSetup.objects.exists():
        return 0
    c, setup = Alias(Contact, "c"), Alias(DuplicateSearchStringSetup, "s")
    value = (
        f"CASE {setup.field} "
        + " ".join(
            f"WHEN {quote(field)} THEN {getattr(c, field)}" for field in DuplicateField.values
        )
        + " END"
    )
    stripped = f"translate({value}, %(strip)s, '')"
    cut = f"upper(CASE {setup.part} WHEN 'first' THEN left({stripped}, {setup.length}) "
    cut += f"ELSE right({stripped}, {setup.length}) END)"
    return insert_select(
        ContactDuplicateSearchString,
        {
            "contact_id": "x.id",
            "field": "x.field",
            "part": "x.part",
            "search_string": "x.search_string",
        },
        f"FROM (SELECT {c.id} AS id, {setup.field} AS field, {setup.part} AS part, "  # noqa: S608 (crm.sql names)
        f"{cut} AS search_string "
        f"FROM {table(Contact)} AS c CROSS JOIN {table(DuplicateSearchStringSetup)} AS s "
        f"WHERE {c.id} > %(id_floor)s AND {c.type} = {quote(ContactType.COMPANY)}) AS x "
        "WHERE x.search_string <> ''",
        {"id_floor": id_floor, "strip": DUPLICATE_STRIP_CHARS},
    )
