"""`<id:name>` in URL patterns: an object's id, a whole number a bigint column can hold. A larger one matches no URL
(a 404, as an unknown id), where `<int:...>` would pass it to the database and fail there."""

MAX_ID = 2**63 - 1  # bigint, as every primary key
MAX_INT = 2**31 - 1  # integer, as a model's IntegerField


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value) -> str:
        return str(value)
