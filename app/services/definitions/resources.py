"""A deployed version's stored files: its BPMN text and its JSON Schema forms."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import ProcessDefinition, Resource

# Form bytes by content hash: a hash always names the same bytes, so this never goes stale.
_FORM_CACHE: dict[str, bytes] = {}
_FORM_CACHE_SIZE = 512


def bpmn_content(session, definition: ProcessDefinition) -> bytes | None:
    """The BPMN file a definition version was deployed from, as stored (None if it is not)."""
    content = session.execute(
        select(Resource.content)
        .where(Resource.hash == definition.bpmn_hash, Resource.kind == "bpmn")
        .limit(1)
    ).scalar_one_or_none()
    return bytes(content) if content is not None else None


def form_schema(definition: ProcessDefinition, form_name: str | None) -> dict | None:
    """The JSON Schema a definition version pinned for a form, or None (a fresh dict per call)."""
    if not form_name:
        return None
    hash_ = definition.meta.get("form_hashes", {}).get(form_name)
    if hash_ is None:
        return None
    content = _FORM_CACHE.get(hash_)
    if content is None:
        content = db.session.execute(
            select(Resource.content).where(Resource.hash == hash_, Resource.kind == "form").limit(1)
        ).scalar_one_or_none()
        if content is None:
            return None
        if len(_FORM_CACHE) >= _FORM_CACHE_SIZE:
            _FORM_CACHE.pop(next(iter(_FORM_CACHE)))
        _FORM_CACHE[hash_] = content
    return json.loads(content)
