from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from config.crypto import EncryptedJSONField


class ProviderCredential(models.Model):
    """A tenant's API keys for one provider (e.g. "openai"), encrypted at rest, never returned by the API."""

    provider = models.CharField(max_length=50, unique=True)
    credentials = EncryptedJSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider"]

    def __str__(self):
        return f"credentials for {self.provider}"


class CallTemplate(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    industry = models.CharField(max_length=100, blank=True)
    initial_message = models.TextField(blank=True)
    # Key of the library template this one was installed from; installing it again returns this one.
    library_key = models.CharField(max_length=100, blank=True, db_index=True)
    # Where the flow builder shows each node, {node id: {"x", "y"}}: presentation, kept apart from the versions
    # (agents.flows.layout), so moving a node on the canvas is not a new version of the flow.
    layout = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class FlowVersion(models.Model):
    """One immutable flow graph of a template; editing the flow adds a version, calls keep theirs."""

    template = models.ForeignKey(CallTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    flow = models.JSONField()
    schema_version = models.PositiveIntegerField()
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="one_flow_version_number")]

    def __str__(self):
        return f"{self.template} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Flow versions are immutable; create a new version instead.")
        super().save(*args, **kwargs)


class Agent(models.Model):
    name = models.CharField(max_length=200)
    greeting = models.TextField(blank=True)
    system_prompt = models.TextField(blank=True)
    language = models.CharField(max_length=16, default="en-US")
    # Blank: the agent follows its flow only, with no LLM.
    llm_provider = models.CharField(max_length=50, blank=True)
    llm_model = models.CharField(max_length=100, blank=True)
    temperature = models.FloatField(default=0.3)
    max_tokens = models.PositiveIntegerField(default=300)
    stt_provider = models.CharField(max_length=50, blank=True)
    tts_provider = models.CharField(max_length=50)
    voice_id = models.CharField(max_length=100, blank=True)
    # Blank: knowledge-base search uses PostgreSQL full-text search.
    embeddings_provider = models.CharField(max_length=50, blank=True)
    tools_enabled = models.JSONField(default=list, blank=True)
    template = models.ForeignKey(CallTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="agents")
    # {"timezone": "Europe/Paris", "weekly": {"mon": [["09:00", "17:00"]], ...}}; empty means always open.
    business_hours = models.JSONField(default=dict, blank=True)
    transfer_number = models.CharField(max_length=32, blank=True)
    voicemail_message = models.TextField(blank=True)
    # No runaway calls: a live call ends (with the goodbye message) once it has lasted this long.
    max_call_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Longest a phone call may last; blank: the platform's default."
    )
    # Spoken before anything else (FCC 24-17: an AI voice is an artificial voice; say so and who calls).
    disclosure = models.CharField(
        max_length=8,
        choices=[("outbound", "Outbound calls"), ("always", "Every call"), ("never", "Never")],
        default="outbound",
        help_text="On which calls the agent opens with its disclosure.",
    )
    disclosure_text = models.TextField(blank=True, help_text="Blank: the platform's standard disclosure.")
    recording_consent = models.BooleanField(
        default=False, help_text="Ask the caller's consent to record before the conversation; no means no audio kept."
    )
    recording_consent_question = models.TextField(blank=True, help_text="Blank: the platform's standard question.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class KnowledgeFile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8, help_text="pdf, docx, txt, md, csv, json or xlsx, checked by content.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    # Re-uploading a name adds a version; only the current one is searched, earlier ones are kept.
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True, help_text="accounts.User id (public schema).")
    # Whose calls may use it: these agents only, or (none chosen) every agent of the tenant.
    agents = models.ManyToManyField(
        Agent, blank=True, related_name="knowledge_files", help_text="None: shared with every agent."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    indexed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_knowledge_file_version"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_current=True), name="one_current_knowledge_file"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class KnowledgeChunk(models.Model):
    file = models.ForeignKey(KnowledgeFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    text = models.TextField()
    search_vector = SearchVectorField(null=True)
    # Filled for the embeddings provider that last embedded it; another provider re-embeds.
    embedding = ArrayField(models.FloatField(), null=True, blank=True)
    embedding_provider = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["file", "index"]
        indexes = [GinIndex(fields=["search_vector"], name="knowledge_chunk_search")]
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="one_chunk_per_index")]

    def __str__(self):
        return f"{self.file} #{self.index}"


class KnowledgeQuery(models.Model):
    """Every retrieval, for the tenant to review what callers asked and what was found."""

    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="knowledge_queries")
    query = models.TextField()
    method = models.CharField(max_length=16)
    source = models.CharField(max_length=16, help_text="api, sandbox, call or test.")
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.query[:60]


class AgentTest(models.Model):
    """A scripted conversation: caller turns plus expectations checked against what the agent did."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="tests")
    name = models.CharField(max_length=200)
    caller_turns = models.JSONField(default=list)
    # [{"type": "reaches_node", "value": "book"}, {"type": "books_appointment"}, {"type": "never_says", "value": "..."}]
    expectations = models.JSONField(default=list)
    # Played by speech: each caller turn spoken over a phone line and recognised by the agent's STT, each answer
    # synthesized by its TTS (agents.services.agent_tests.PhoneLine).
    by_voice = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class AgentTestRun(models.Model):
    test = models.ForeignKey(AgentTest, on_delete=models.CASCADE, related_name="runs")
    call = models.ForeignKey("calls.Call", null=True, on_delete=models.SET_NULL, related_name="+")
    passed = models.BooleanField()
    report = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.test} {'passed' if self.passed else 'failed'}"
