"""The knowledge base: storing uploads as versions, indexing them, and retrieving chunks.

Retrieval is PostgreSQL full-text search unless the agent names an embeddings provider; chunk
embeddings are computed at indexing time for the providers agents use, and lazily for others.
"""

import hashlib
import logging
import math
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from agents.knowledge.chunking import chunk_text
from agents.knowledge.files import ExtractionFailed, RejectedFile, detect_kind, run_sandboxed
from agents.knowledge.limits import file_limits
from agents.models import Agent, KnowledgeChunk, KnowledgeFile, KnowledgeQuery
from agents.providers.base import ProviderError
from agents.services.credentials import build_provider
from config.celery import enqueue_on_commit
from config.errors import DomainError, NotFound, TooLarge
from config.events import publish

logger = logging.getLogger(__name__)

SEARCH_CONFIG = "english"
EMBED_BATCH = 64


def agents_named(agent_ids) -> list[Agent]:
    """The tenant's agents with these ids; an id that is not one of them is a 400 naming `agents`."""
    ids = sorted(set(agent_ids))
    found = list(Agent.objects.filter(pk__in=ids))
    unknown = sorted(set(ids) - {agent.pk for agent in found})
    if unknown:
        raise DomainError(
            f"No agent with id {', '.join(map(str, unknown))}.",
            errors={"agents": [f"No agent with id {agent_id}." for agent_id in unknown]},
        )
    return found


def store_files(uploads, *, uploaded_by=None, agent_ids=None) -> list[KnowledgeFile]:
    """`uploads`: (name, bytes) pairs. All are checked before any is stored, so a rejected file
    never leaves the others half-uploaded; each stored file starts `pending` until indexed (queued on commit).
    `agent_ids`: the agents whose calls use the files (none: every agent); omitted, a new version keeps the agents
    of the version it replaces."""
    agents = agents_named(agent_ids) if agent_ids is not None else None
    if not uploads:
        raise DomainError("Attach at least one file.", errors={"files": ["No file was sent."]})
    limits = file_limits()
    checked, problems, over_limit = [], [], []
    for name, content in uploads:
        try:
            checked.append((name, content, detect_kind(name, content, limits)))
        except RejectedFile as exc:
            problems.append(f"{name}: {exc}")
            over_limit.append(exc.over_limit)
    if problems:
        too_large = all(over_limit)  # 413 when size is the only problem; any other makes the request bad
        raise (TooLarge if too_large else DomainError)(
            f"{len(problems)} of {len(uploads)} files rejected; nothing was stored.",
            error_code="file_too_large" if too_large else "file_rejected",
            errors={"files": problems},
        )
    stored = []
    with transaction.atomic():
        for name, content, kind in checked:
            earlier = KnowledgeFile.objects.select_for_update().filter(name=name)
            last = earlier.aggregate(last=Max("version"))["last"] or 0
            replaced = earlier.filter(is_current=True).first()
            earlier.filter(is_current=True).update(is_current=False)
            stored.append(
                KnowledgeFile.objects.create(
                    name=name,
                    kind=kind,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    content=content,
                    version=last + 1,
                    uploaded_by_id=getattr(uploaded_by, "pk", None),
                )
            )
            if agents is not None:
                stored[-1].agents.set(agents)
            elif replaced is not None:
                stored[-1].agents.set(replaced.agents.all())
            enqueue_on_commit("agents.index_knowledge_file", stored[-1].pk)
    return stored


def _embeddings_providers_in_use():
    return set(
        Agent.objects.filter(is_active=True)
        .exclude(embeddings_provider="")
        .values_list("embeddings_provider", flat=True)
    )


def index_file(file_id: int) -> KnowledgeFile:
    """Extract (in a memory- and time-limited child process), chunk and index one file: `pending` → `ready`, or
    `failed` with the reason (a file over a limit among them)."""
    knowledge_file = KnowledgeFile.objects.filter(pk=file_id).first()
    if knowledge_file is None:
        return None  # deleted before the worker got to it
    try:
        text = run_sandboxed("text", knowledge_file.kind, bytes(knowledge_file.content), file_limits())
        chunks = chunk_text(text)
    except ExtractionFailed as exc:
        return _mark_failed(knowledge_file, str(exc))
    except Exception:
        logger.exception("Indexing knowledge file %s failed", file_id)
        return _mark_failed(knowledge_file, "The file could not be processed.")
    with transaction.atomic():
        knowledge_file.chunks.all().delete()
        KnowledgeChunk.objects.bulk_create(
            KnowledgeChunk(file=knowledge_file, index=index, text=text) for index, text in enumerate(chunks)
        )
        knowledge_file.chunks.update(search_vector=SearchVector("text", config=SEARCH_CONFIG))
        knowledge_file.status = KnowledgeFile.Status.READY
        knowledge_file.failure_reason = ""
        knowledge_file.chunk_count = len(chunks)
        knowledge_file.indexed_at = timezone.now()
        knowledge_file.save(update_fields=["status", "failure_reason", "chunk_count", "indexed_at"])
    for provider_name in _embeddings_providers_in_use():
        try:
            _embed_missing(knowledge_file.chunks.all(), provider_name)
        except (ProviderError, DomainError) as exc:
            # Full-text search still works; the embeddings are retried at search time.
            logger.warning("Embedding knowledge file %s with %s failed: %s", file_id, provider_name, exc)
    return knowledge_file


def _mark_failed(knowledge_file, reason):
    knowledge_file.status = KnowledgeFile.Status.FAILED
    knowledge_file.failure_reason = reason
    knowledge_file.indexed_at = timezone.now()
    with transaction.atomic():
        knowledge_file.save(update_fields=["status", "failure_reason", "indexed_at"])
        publish("knowledge.file_failed", {"file_id": knowledge_file.pk, "name": knowledge_file.name, "reason": reason})
    return knowledge_file


@transaction.atomic
def delete_file(file_id: int) -> None:
    """Deleting the current version removes the document with its history; an earlier version goes alone."""
    knowledge_file = KnowledgeFile.objects.filter(pk=file_id).only("id", "name", "is_current").first()
    if knowledge_file is None:
        raise NotFound("No such knowledge-base file.")
    if knowledge_file.is_current:
        KnowledgeFile.objects.filter(name=knowledge_file.name).delete()
    else:
        knowledge_file.delete()


@transaction.atomic
def share_file(file_id: int, agent_ids) -> KnowledgeFile:
    """Which agents use a document (every version of its name): these, or with none, every agent."""
    knowledge_file = KnowledgeFile.objects.filter(pk=file_id).only("id", "name").first()
    if knowledge_file is None:
        raise NotFound("No such knowledge-base file.")
    agents = agents_named(agent_ids)
    for version in KnowledgeFile.objects.filter(name=knowledge_file.name).only("id"):
        version.agents.set(agents)
    return knowledge_file


def _searchable_chunks(agent: Agent | None = None):
    """The chunks of current, indexed files; for an agent, only those of files it uses (its own and shared ones)."""
    chunks = KnowledgeChunk.objects.filter(file__is_current=True, file__status=KnowledgeFile.Status.READY)
    if agent is None:
        return chunks
    links = KnowledgeFile.agents.through.objects
    # Subqueries, not a join on the links: a file shared with several agents must not repeat its chunks.
    return chunks.filter(
        Q(file_id__in=links.filter(agent=agent).values("knowledgefile_id"))
        | ~Q(file_id__in=links.values("knowledgefile_id"))
    )


def _embedder(provider_name):
    return build_provider("embeddings", provider_name)


def _embed_missing(chunks, provider_name):
    missing = list(chunks.exclude(embedding_provider=provider_name).only("id", "text"))
    if not missing:
        return
    embedder = _embedder(provider_name)
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        for chunk, vector in zip(batch, embedder.embed([chunk.text for chunk in batch])):
            chunk.embedding, chunk.embedding_provider = vector, provider_name
        KnowledgeChunk.objects.bulk_update(batch, ["embedding", "embedding_provider"])


def _cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _full_text(query, limit, agent):
    words = re.findall(r"[^\W_]+", query.lower())
    if not words:
        return []
    # OR of the words, ranked: a caller's question rarely contains every word of the answer.
    search = SearchQuery(" | ".join(words), search_type="raw", config=SEARCH_CONFIG)
    rank = SearchRank(F("search_vector"), search, normalization=32)
    chunks = (
        _searchable_chunks(agent)
        .filter(search_vector=search)
        .annotate(score=rank)
        .select_related("file")
        .order_by("-score", "id")[:limit]
    )
    return [(chunk, float(chunk.score)) for chunk in chunks]


def _by_embeddings(query, limit, provider_name, agent):
    _embed_missing(_searchable_chunks(agent), provider_name)
    query_vector = _embedder(provider_name).embed([query])[0]
    chunks = _searchable_chunks(agent).filter(embedding_provider=provider_name).select_related("file")
    scored = sorted(((chunk, _cosine(query_vector, chunk.embedding)) for chunk in chunks), key=lambda hit: -hit[1])
    return scored[:limit]


def search(query: str, *, agent: Agent | None = None, limit: int = 5, source: str = "api") -> list[dict]:
    """The best chunks for `query` with their scores (higher is better) among the files `agent` uses, logged for
    review."""
    provider_name = agent.embeddings_provider if agent is not None else ""
    method = "embeddings" if provider_name else "fulltext"
    try:
        hits = _by_embeddings(query, limit, provider_name, agent) if provider_name else _full_text(query, limit, agent)
    except ProviderError as exc:
        logger.warning("Embeddings search with %s failed, using full-text search: %s", provider_name, exc)
        method, hits = "fulltext", _full_text(query, limit, agent)
    results = [
        {
            "chunk_id": chunk.id,
            "file_id": chunk.file_id,
            "file_name": chunk.file.name,
            "index": chunk.index,
            "text": chunk.text,
            "score": round(score, 4),
        }
        for chunk, score in hits
    ]
    KnowledgeQuery.objects.create(
        agent=agent,
        query=query,
        method=method,
        source=source,
        results=[{key: hit[key] for key in ("chunk_id", "file_name", "score")} for hit in results],
    )
    return results
