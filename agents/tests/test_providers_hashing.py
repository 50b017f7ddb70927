import math

from agents.providers.hashing import HashingEmbeddings


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_similar_texts_score_higher_than_unrelated_ones():
    query, related, unrelated = HashingEmbeddings().embed(
        [
            "What are your opening hours on Saturday?",
            "Our opening hours on Saturday are 9 to 1.",
            "We accept all major dental insurance plans.",
        ]
    )

    assert cosine(query, related) > cosine(query, unrelated) + 0.2


def test_word_order_counts_through_bigrams():
    a, same, swapped = HashingEmbeddings().embed(["dog bites man", "dog bites man", "man bites dog"])

    assert cosine(a, same) > cosine(a, swapped)


def test_vectors_have_the_configured_size_and_unit_length():
    (vector,) = HashingEmbeddings(dimensions=64).embed(["book an appointment"])

    assert len(vector) == 64
    assert math.isclose(sum(v * v for v in vector), 1.0)


def test_embeddings_are_deterministic_across_instances():
    assert HashingEmbeddings().embed(["cancel my booking"]) == HashingEmbeddings().embed(["Cancel my booking!"])


def test_text_without_words_gives_a_zero_vector():
    assert HashingEmbeddings(dimensions=8).embed(["?!"]) == [[0.0] * 8]
