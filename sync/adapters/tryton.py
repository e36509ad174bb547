"""Tryton 8.x over JSON-RPC (``POST <url>/<database>/rpc/``) as the external CRM.

Flat records (docs/sync-mapping.md): a ``party.party`` shows ``name`` plus its first contact
mechanism of each kind (``email``, ``phone``, ``mobile``, ``fax``, ``website``), its first
address (``street``, ``postal_code``, ``city``, ``country`` as an ISO code) and, for a person,
``parent``: the party it is "Employee of" (a ``party.relation``). Companies and persons are
told apart by the party categories ``Company`` and ``Person`` (``prepare`` creates them and the
relation types). ``company.employee`` shows ``name`` and ``email`` of its party;
``sale.opportunity`` shows its own fields with ``probability`` in percent. Writes of many
records go out as one call (``create`` with a list, ``write`` with several id/values pairs), with
the mechanisms, addresses and relation as one2many commands of the party.
"""

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from .base import HttpTransport, RemoteAdapter, RemoteAuthError, RemoteError, RemoteRow

MECHANISMS = ("email", "phone", "mobile", "fax", "website")
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
EMPLOYEE_OF = "Employee of"
EMPLOYER_OF = "Employer of"
CATEGORIES = ("Company", "Person")
PARTY = "party.party"
EMPLOYEE = "company.employee"
OPPORTUNITY = "sale.opportunity"
CURRENCY = "currency.currency"
META = ["write_date", "create_date", "write_uid", "create_uid"]

# Sessions of this process by (endpoint, user, password digest): a run reuses the session of the
# previous one instead of logging in again (Tryton checks the password hash, which is slow on
# purpose); a session the remote forgot answers 401, and the adapter logs in again (SYN-16).
_SESSIONS: dict[tuple[str, str, str], tuple[dict, dict, str, str]] = {}


def encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return {
            "__class__": "datetime",
            **{k: getattr(value, k) for k in ("year", "month", "day", "hour", "minute", "second")},
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("__class__")
        if kind == "Decimal":
            return Decimal(value["decimal"])
        if kind == "datetime":
            parts = {k: value.get(k, 0) for k in ("hour", "minute", "second", "microsecond")}
            return dt.datetime(value["year"], value["month"], value["day"], **parts, tzinfo=dt.UTC)
        if kind == "date":
            return dt.date(value["year"], value["month"], value["day"])
        if kind == "bytes":
            return base64.b64decode(value["base64"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class TrytonAdapter(RemoteAdapter):
    def __init__(
        self,
        *,
        url: str,
        database: str,
        username: str,
        password: str,
        timeout: float,
        transport: HttpTransport | None = None,
        company_id: str = "",
    ):
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.database = database
        self.username = username
        self.password = password
        self.transport = transport or HttpTransport(timeout=timeout)
        self._auth: dict[str, str] = {}
        self._session = ""
        self.context: dict = {}
        self.uid = ""
        self._ids: dict[tuple[str, str], int] = {}
        self._listings: dict[tuple, list[tuple[int, Any]]] = {}  # modified_since's listings
        self.company_id = company_id

    # ---- protocol -------------------------------------------------------------------------
    def _post(self, method: str, params: list, *, auth: bool = True) -> Any:
        payload = {"id": 1, "method": method, "params": encode(params)}
        if auth and not self._auth:
            self.login()
        try:
            response = self.transport.post(
                self.endpoint,
                payload,
                headers=self._auth if auth else {},
                relogin=self._relogin if auth else None,
            )
        except RemoteError as exc:
            exc.body = self._redact(exc.body)
            raise
        try:
            body = response.json()
        except ValueError as exc:
            raise RemoteError(
                gettext_noop("the external CRM sent an answer that is not JSON"),
                status=response.status_code,
                body=self._redact(response.text),
            ) from exc
        if "error" in body:
            raise RemoteError(
                self._redact(_error_message(body["error"])),
                remote=True,
                status=400,
                body=self._redact(json.dumps(body)),
            )
        return decode(body.get("result"))

    def _redact(self, value: str) -> str:
        """Errors are stored and shown: never with the password or the session in them."""
        secrets = [
            self.password,
            self._session,
            *(v.split(" ", 1)[-1] for v in self._auth.values()),
        ]
        for secret in secrets:
            if secret and len(secret) >= 3:
                value = value.replace(secret, "***")
        return value

    def _relogin(self) -> dict:
        self._auth = {}
        _SESSIONS.pop(self._session_key(), None)
        self.login()
        return self._auth

    def _session_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256(self.password.encode()).hexdigest()
        return (self.endpoint, self.username, digest)

    def resume(self) -> bool:
        """Take over this process's session with the remote, if any (no login call)."""
        cached = _SESSIONS.get(self._session_key())
        if cached is None:
            return False
        auth, context, self.uid, self._session = cached
        self._auth, self.context = dict(auth), dict(context)
        return True

    def call(self, model: str, method: str, *args: Any) -> Any:
        return self._post(f"model.{model}.{method}", [*args, self.context])

    def login(self) -> str:
        try:
            result = self._post(
                "common.db.login",
                [self.username, {"password": self.password}, "en"],
                auth=False,
            )
        except RemoteAuthError:
            raise
        except RemoteError as exc:
            if exc.status in (403, 404):
                raise RemoteAuthError(
                    gettext_noop("the database does not exist on the external CRM"),
                    status=exc.status,
                ) from exc
            raise
        if not result:
            raise RemoteAuthError(
                gettext_noop("the external CRM refused the user name or password")
            )
        uid, session = result[0], result[1]
        token = base64.b64encode(f"{self.username}:{uid}:{session}".encode()).decode()
        self._auth = {"Authorization": f"Session {token}"}
        self._session = str(session)
        self.uid = str(uid)
        self.context = self._post("model.res.user.get_preferences", [True, {}])
        self.context.pop("locale", None)
        _SESSIONS[self._session_key()] = (dict(self._auth), dict(self.context), self.uid, session)
        return self.uid

    # ---- reference data ---------------------------------------------------------------------
    def _id_of(self, model: str, field: str, value: str, *, create: dict | None = None) -> int:
        key = (model, f"{field}={value}")
        if key not in self._ids:
            found = self.call(model, "search", [[field, "=", value]], 0, 1, None)
            if not found and create is not None:
                found = self.call(model, "create", [create])
            if not found:
                raise RemoteError(
                    gettext_noop("no %(model)s with %(field)s %(value)s on the external CRM"),
                    params={"model": model, "field": field, "value": repr(value)},
                )
            self._ids[key] = found[0]
        return self._ids[key]

    def prepare(self) -> None:
        for name in CATEGORIES:
            self._id_of("party.category", "name", name, create={"name": name})
        if not self.call("party.relation.type", "search", [["name", "=", EMPLOYEE_OF]], 0, 1, None):
            employee_of, employer_of = self.call(
                "party.relation.type", "create", [{"name": EMPLOYEE_OF}, {"name": EMPLOYER_OF}]
            )
            self.call("party.relation.type", "write", [employee_of], {"reverse": employer_of})
            self.call("party.relation.type", "write", [employer_of], {"reverse": employee_of})

    def _country_id(self, code: str) -> int:
        return self._id_of("country.country", "code", code, create={"code": code, "name": code})

    # ---- reading ----------------------------------------------------------------------------
    @staticmethod
    def _domain(remote_filter: str) -> list:
        if not remote_filter.strip():
            return []
        try:
            domain = json.loads(remote_filter)
        except ValueError as exc:
            raise RemoteError(
                gettext_noop("the remote filter is not a JSON domain: %(error)s"),
                params={"error": str(exc)},
            ) from exc
        return domain if isinstance(domain, list) else []

    ORDER = [["write_date", "ASC NULLS FIRST"], ["id", "ASC"]]

    def modified_since(self, resource, since, *, remote_filter, fields, after, limit):
        """Pages of one *listing*. The first page lists what matches (ids in write-date order,
        with the write date each had) in one search, so the remote filter is evaluated once
        per run and not once per page: Tryton evaluates a filter such as CONTACT's "employee
        of" relation over every party before it can sort and cut a page (4-7 s a page at
        22,000 parties, whether paged by offset or by keyset). Each page then reads its
        records by id. A record changed since the listing is left to the next run (its new
        write date is later than any this run saw, so past the watermark it leaves); a
        record deleted since is not returned."""
        key = (resource, since, remote_filter)
        if after is None:
            domain = self._domain(remote_filter)
            if since is not None:
                changed = ["OR", ["write_date", ">=", since], ["create_date", ">=", since]]
                domain = [*domain, changed]
            listed = self.call(resource, "search_read", domain, 0, None, self.ORDER, ["write_date"])
            self._listings[key] = [(r["id"], r.get("write_date")) for r in listed]
            position = 0
        else:
            key, position = after.cursor
        listing = self._listings.get(key, [])
        rows: list[dict] = []
        positions: list[int] = []
        while len(rows) < limit and position < len(listing):
            chunk = listing[position : position + limit - len(rows)]
            found = {
                r["id"]: r
                for r in self.call(
                    resource,
                    "search_read",
                    [["id", "in", [record_id for record_id, _when in chunk]]],
                    0,
                    None,
                    None,
                    [*META, *self._own_fields(resource, fields)],
                )
            }
            for offset, (record_id, write_date) in enumerate(chunk):
                row = found.get(record_id)
                if row is not None and row.get("write_date") == write_date:
                    rows.append(row)
                    positions.append(position + offset + 1)
            position += len(chunk)
        if position >= len(listing):
            self._listings.pop(key, None)  # read to the end: the next call starts a new listing
        flattened = self._flatten(resource, rows, fields)
        for row, next_position in zip(flattened, positions, strict=True):
            row.cursor = (key, next_position)
        return flattened

    def created_since(self, resource, since, *, created_by, fields):
        rows: list[dict] = []
        page = 1000
        while True:
            after = [["id", ">", rows[-1]["id"]]] if rows else []
            chunk = self.call(
                resource,
                "search_read",
                [["create_uid", "=", int(created_by)], ["create_date", ">=", since], *after],
                0,
                page,
                [["id", "ASC"]],
                [*META, *self._own_fields(resource, fields)],
            )
            rows += chunk
            if len(chunk) < page:
                break
        return self._flatten(resource, rows, fields)

    def read(self, resource, ids, fields):
        ids = [int(i) for i in ids]
        if not ids:
            return []
        rows = self.call(
            resource,
            "search_read",
            [["id", "in", ids]],
            0,
            None,
            None,
            [*META, *self._own_fields(resource, fields)],
        )
        return self._flatten(resource, rows, fields)

    def existing_ids(self, resource, ids):
        if not ids:
            return set()
        found = self.call(resource, "search", [["id", "in", [int(i) for i in ids]]], 0, None, None)
        return {str(i) for i in found}

    def search(self, resource, criteria, *, remote_filter, limit, contains=False):
        domain = self._domain(remote_filter)
        for field, value, case_sensitive in criteria:
            if contains:
                operator = "like" if case_sensitive else "ilike"
                value = f"%{_like_literal(value)}%"
            else:
                operator = "=" if case_sensitive else "ilike"
                value = value if case_sensitive else _like_literal(value)
            if resource == PARTY and field in MECHANISMS:
                domain.append(
                    [
                        "contact_mechanisms",
                        "where",
                        [["type", "=", field], ["value", operator, value]],
                    ]
                )
            elif resource == PARTY and field in ADDRESS_FIELDS:
                target = "country.code" if field == "country" else field
                domain.append(["addresses", "where", [[target, operator, value]]])
            elif resource == EMPLOYEE and field == "name":
                domain.append(["party.name", operator, value])
            else:
                domain.append([field, operator, value])
        ids = self.call(resource, "search", domain, 0, limit, None)
        return self.read(resource, [str(i) for i in ids], [c[0] for c in criteria])

    @staticmethod
    def _own_fields(resource: str, fields: list[str]) -> list[str]:
        if resource == PARTY:
            return ["name"]
        if resource == EMPLOYEE:
            return ["party", "party.name"]
        if resource == OPPORTUNITY:
            own = [f for f in fields if f != "probability"]
            return [*own, "conversion_probability"] if "probability" in fields else own
        return list(fields)

    def _flatten(self, resource: str, rows: list[dict], fields: list[str]) -> list[RemoteRow]:
        parties: dict[int, dict] = {}
        if resource == PARTY:
            parties = self._party_details([r["id"] for r in rows], fields)
        elif resource == EMPLOYEE and "email" in fields:
            parties = self._party_details([r["party"] for r in rows], ["email"])
        result = []
        for row in rows:
            values: dict[str, Any] = {}
            if resource == PARTY:
                values = {"name": row.get("name") or "", **parties.get(row["id"], {})}
            elif resource == EMPLOYEE:
                values = {
                    "name": (row.get("party.") or {}).get("name", ""),
                    "email": parties.get(row.get("party"), {}).get("email", ""),
                }
            else:
                for name in fields:
                    if name == "probability":
                        values[name] = round((row.get("conversion_probability") or 0) * 100)
                    else:
                        value = row.get(name)
                        values[name] = "" if value is None else value
                for ref in ("party", "employee", "currency"):
                    if ref in values and values[ref] != "":
                        values[ref] = str(values[ref])
            modified = row.get("write_date") or row.get("create_date")
            modifier = row.get("write_uid") or row.get("create_uid") or ""
            result.append(
                RemoteRow(
                    id=str(row["id"]),
                    modified=modified,
                    modified_by=str(modifier),
                    values={k: values.get(k, "") for k in fields},
                )
            )
        return result

    def _party_details(self, ids: list[int], fields: list[str]) -> dict[int, dict]:
        details: dict[int, dict] = {i: {} for i in ids}
        if not ids:
            return details
        if any(f in MECHANISMS for f in fields):
            for mech in self.call(
                "party.contact_mechanism",
                "search_read",
                [["party", "in", ids]],
                0,
                None,
                [["sequence", "ASC NULLS LAST"], ["id", "ASC"]],
                ["party", "type", "value"],
            ):
                details[mech["party"]].setdefault(mech["type"], mech["value"] or "")
        if any(f in ADDRESS_FIELDS for f in fields):
            seen = set()
            for address in self.call(
                "party.address",
                "search_read",
                [["party", "in", ids]],
                0,
                None,
                [["sequence", "ASC NULLS LAST"], ["id", "ASC"]],
                ["party", "street", "postal_code", "city", "country.code"],
            ):
                if address["party"] in seen:
                    continue
                seen.add(address["party"])
                details[address["party"]].update(
                    street=address.get("street") or "",
                    postal_code=address.get("postal_code") or "",
                    city=address.get("city") or "",
                    country=(address.get("country.") or {}).get("code") or "",
                )
        if "parent" in fields:
            for relation in self.call(
                "party.relation.all",
                "search_read",
                [["from_", "in", ids], ["type.name", "=", EMPLOYEE_OF]],
                0,
                None,
                [["id", "ASC"]],
                ["from_", "to"],
            ):
                details[relation["from_"]].setdefault("parent", str(relation["to"]))
        for values in details.values():
            for name in fields:
                if name != "name":
                    values.setdefault(name, "")
        return details

    # ---- writing ----------------------------------------------------------------------------
    def create(self, resource, values):
        if not values:
            return []
        if resource == PARTY:
            records = [self._party_create_values(v) for v in values]
        elif resource == OPPORTUNITY:
            if not self._auth:
                self.login()  # the context holds the user's company
            company = int(self.company_id or self.context.get("company") or 0) or None
            records = [{"company": company, **self._opportunity_values(v)} for v in values]
        else:
            records = [dict(v) for v in values]
        return [str(i) for i in self.call(resource, "create", records)]

    def write(self, resource, changes):
        changes = [(record_id, values) for record_id, values in changes if values]
        if not changes:
            return
        args: list = []
        if resource == PARTY:
            current = self._party_children([int(i) for i, _v in changes])
            for record_id, values in changes:
                args += [
                    [int(record_id)],
                    self._party_write_values(values, current[int(record_id)]),
                ]
        else:
            for record_id, values in changes:
                converted = self._opportunity_values(values) if resource == OPPORTUNITY else values
                args += [[int(record_id)], converted]
        self.call(resource, "write", *args)

    def delete(self, resource, ids):
        if ids:
            self.call(resource, "delete", [int(i) for i in ids])

    def _opportunity_values(self, values: dict) -> dict:
        record = {}
        for name, value in values.items():
            if name == "probability":
                record["conversion_probability"] = (float(value or 0)) / 100
            elif name in ("party", "employee", "currency"):
                record[name] = int(value) if value not in ("", None) else None
            else:
                record[name] = None if value == "" else value
        return record

    def _party_create_values(self, values: dict) -> dict:
        record: dict[str, Any] = {"name": values.get("name") or ""}
        mechanisms = [
            {"type": kind, "value": values[kind]} for kind in MECHANISMS if values.get(kind)
        ]
        if mechanisms:
            record["contact_mechanisms"] = [["create", mechanisms]]
        address = self._address_values(values)
        if any(address.values()):
            record["addresses"] = [["create", [address]]]
        if values.get("parent"):
            record["relations"] = [["create", [self._relation(values["parent"])]]]
        if values.get("category"):
            category = self._id_of("party.category", "name", values["category"])
            record["categories"] = [["add", [category]]]
        return record

    def _relation(self, parent: str) -> dict:
        kind = self._id_of("party.relation.type", "name", EMPLOYEE_OF)
        return {"to": int(parent), "type": kind}

    def _address_values(self, values: dict) -> dict:
        address = {k: values[k] for k in ("street", "postal_code", "city") if k in values}
        if "country" in values:
            address["country"] = self._country_id(values["country"]) if values["country"] else None
        return address

    def _party_children(self, ids: list[int]) -> dict[int, dict]:
        children: dict[int, dict] = {
            i: {"mechanisms": {}, "address": None, "relations": []} for i in ids
        }
        for mech in self.call(
            "party.contact_mechanism",
            "search_read",
            [["party", "in", ids]],
            0,
            None,
            [["sequence", "ASC NULLS LAST"], ["id", "ASC"]],
            ["party", "type"],
        ):
            children[mech["party"]]["mechanisms"].setdefault(mech["type"], mech["id"])
        for address in self.call(
            "party.address",
            "search_read",
            [["party", "in", ids]],
            0,
            None,
            [["sequence", "ASC NULLS LAST"], ["id", "ASC"]],
            ["party"],
        ):
            if children[address["party"]]["address"] is None:
                children[address["party"]]["address"] = address["id"]
        for relation in self.call(
            "party.relation.all",
            "search_read",
            [["from_", "in", ids], ["type.name", "=", EMPLOYEE_OF]],
            0,
            None,
            None,
            ["from_"],
        ):
            children[relation["from_"]]["relations"].append(relation["id"])
        return children

    def _party_write_values(self, values: dict, current: dict) -> dict:
        record: dict[str, Any] = {}
        if "name" in values:
            record["name"] = values["name"] or ""
        commands: list = []
        for kind in MECHANISMS:
            if kind not in values:
                continue
            existing = current["mechanisms"].get(kind)
            if values[kind] and existing:
                commands.append(["write", [existing], {"value": values[kind]}])
            elif values[kind]:
                commands.append(["create", [{"type": kind, "value": values[kind]}]])
            elif existing:
                commands.append(["delete", [existing]])
        if commands:
            record["contact_mechanisms"] = commands
        address = self._address_values(values)
        if address:
            if current["address"]:
                record["addresses"] = [["write", [current["address"]], address]]
            elif any(address.values()):
                record["addresses"] = [["create", [address]]]
        if "parent" in values:
            relations: list = []
            if current["relations"]:
                relations.append(["delete", current["relations"]])
            if values["parent"]:
                relations.append(["create", [self._relation(values["parent"])]])
            if relations:
                record["relations"] = relations
        return record


def _like_literal(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _error_message(error: Any) -> str:
    """Tryton's ``["UserError", [message, description, …]]`` or ``[repr, traceback]``."""
    if isinstance(error, list) and error:
        if len(error) > 1 and isinstance(error[1], list) and error[1]:
            return str(error[1][0])
        return str(error[0])
    return str(error)


def adapter_for(connection) -> TrytonAdapter:
    """The adapter of the configured connection (only Tryton today)."""
    if not connection.base_url or not connection.database:
        raise RemoteAuthError(gettext_noop("the external CRM connection has no URL or database"))
    adapter = TrytonAdapter(
        url=connection.base_url,
        database=connection.database,
        username=connection.username,
        password=connection.password,
        timeout=connection.timeout_s,
        company_id=connection.remote_company_id,
    )
    adapter.resume()
    return adapter


__all__ = ["TrytonAdapter", "adapter_for", "decode", "encode"]
