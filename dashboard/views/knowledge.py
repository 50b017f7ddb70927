from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agents import selectors
from agents.knowledge import services as knowledge
from agents.models import KnowledgeFile
from config.errors import DomainError
from dashboard.views.base import form_failure, paginate, tenant_page

TEMPLATE = "dashboard/knowledge.html"


def _context(request, **extra):
    files = selectors.knowledge_files(current_only=True).order_by("name")
    page = paginate(request, files)
    # While a file of the page is still being indexed, htmx polls the list for its status.
    indexing = any(item.status == KnowledgeFile.Status.PENDING for item in page)
    return {"page": page, "indexing": indexing, **extra}


@tenant_page({"GET": "agents.view", "*": "agents.manage"})
def knowledge_files(request):
    """The knowledge base the agents search: upload files (checked by content, indexed in the background) and follow
    each one's indexing."""
    if request.method != "POST":
        return render(request, TEMPLATE, _context(request))
    uploads = [(upload.name, upload.read()) for upload in request.FILES.getlist("files")]
    try:
        stored = knowledge.store_files(uploads, uploaded_by=request.user)
    except DomainError as exc:
        return form_failure(request, TEMPLATE, _context(request), exc)
    messages.success(request, f"{len(stored)} file{'s' if len(stored) != 1 else ''} uploaded; indexing follows.")
    return redirect("dashboard:knowledge")


@require_POST
@tenant_page("agents.manage")
def knowledge_delete(request, file_id):
    knowledge.delete_file(file_id)
    messages.success(request, "The file is deleted.")
    return redirect("dashboard:knowledge")
