from celery import shared_task

from agents.knowledge import services as knowledge


@shared_task(name="agents.index_knowledge_file")
def index_knowledge_file(file_id):
    """Queued by `knowledge.store_files` inside a tenant: runs in that tenant's schema (config/celery.py)."""
    knowledge_file = knowledge.index_file(file_id)
    return knowledge_file.status if knowledge_file else None
