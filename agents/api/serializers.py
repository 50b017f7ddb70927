from rest_framework import serializers

from agents.models import KnowledgeFile, KnowledgeQuery


class KnowledgeFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeFile
        fields = ["id", "name", "kind", "size", "sha256", "version", "is_current", "status", "failure_reason",
                  "chunk_count", "created_at", "indexed_at"]


class KnowledgeSearchSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=1000)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class KnowledgeHitSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    file_id = serializers.IntegerField()
    file_name = serializers.CharField()
    index = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()


class KnowledgeQuerySerializer(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeQuery
        fields = ["id", "agent", "query", "method", "source", "results", "created_at"]
