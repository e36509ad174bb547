"""Writes of the api app: clients and tokens, the call log, idempotent responses."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiCall, ApiClient, ApiUserToken, IdempotencyRecord
from .tokens import token_generate, token_hash

IDEMPOTENCY_TTL = dt.timedelta(hours=24)
API_CALL_RETENTION = dt.timedelta(days=90)


@transaction.atomic
def api_client_create(
    *, name: str, scopes: list[str], is_active: bool = True
) -> tuple[ApiClient, str]:
    """Create a client; the returned token is shown once and never stored in clear."""
    token = token_generate()
    client = ApiClient(
        name=name,
        scopes=sorted(set(scopes)),
        is_active=is_active,
        token_hash=token_hash(token),
        token_prefix=token[:8],
    )
    client.full_clean()
    client.save()
    return client, token


@transaction.atomic
def api_client_token_rotate(*, client: ApiClient) -> str:
    token = token_generate()
    ApiClient.objects.filter(pk=client.pk).update(
        token_hash=token_hash(token), token_prefix=token[:8], updated_at=timezone.now()
    )
    return token


@transaction.atomic
def api_user_token_create(*, user, name: str = "") -> tuple[ApiUserToken, str]:
    token = token_generate()
    row = ApiUserToken(user=user, name=name, token_hash=token_hash(token), token_prefix=token[:8])
    row.full_clean()
    row.save()
    return row, token


def api_call_record(
    *, client: ApiClient | None, user, method: str, endpoint: str, status: int, duration_ms: int
) -> None:
    ApiCall.objects.create(
        client=client,
        user=user if getattr(user, "pk", None) else None,
        method=method,
        endpoint=endpoint[:250],
        status=status,
        duration_ms=max(0, duration_ms),
    )


def idempotency_owner(request) -> str:
    if isinstance(request.auth, ApiClient):
        return f"client:{request.auth.pk}"
    return f"user:{request.user.pk}"


def idempotency_get(*, owner: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(
        owner=owner, key=key, created_at__gte=timezone.now() - IDEMPOTENCY_TTL
    ).first()


def idempotency_store(*, owner: str, key: str, method: str, path: str, status: int, body) -> None:
    """Keep the first response; an expired record with the same key is replaced."""
    IdempotencyRecord.objects.filter(
        owner=owner, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
    ).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                owner=owner, key=key[:200], method=method, path=path[:250], status=status, body=body
            )
    except IntegrityError:
        pass  # a concurrent request with the same key stored first


def api_housekeeping() -> dict:
    """Drop expired idempotency records and old call-log rows."""
    now = timezone.now()
    keys, _ = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    calls, _ = ApiCall.objects.filter(created_at__lt=now - API_CALL_RETENTION).delete()
    return {"idempotency_records": keys, "api_calls": calls}


@transaction.atomic
def api_client_update(*, client: ApiClient, name: str, is_active: bool, scopes: list[str]):
    """Admin edit of a client (the token is only changed by ``api_client_token_rotate``)."""
    client.name = name
    client.is_active = is_active
    client.scopes = sorted(set(scopes))
    client.full_clean()
    client.save(update_fields=["name", "is_active", "scopes", "updated_at"])
    return client


@transaction.atomic
def api_user_token_revoke(*, user, token_id: int) -> ApiUserToken:
    """Deactivate one of the user's own tokens (another user's token: DoesNotExist)."""
    row = ApiUserToken.objects.select_for_update().get(pk=token_id, user=user)
    if row.is_active:
        row.is_active = False
        row.save(update_fields=["is_active", "updated_at"])
    return row
