from django.core.exceptions import ValidationError


class MixedCharacterValidator:
    """At least one uppercase letter, one lowercase letter and one digit."""

    def validate(self, password, user=None):
        missing = []
        if not any(c.isupper() for c in password):
            missing.append("an uppercase letter")
        if not any(c.islower() for c in password):
            missing.append("a lowercase letter")
        if not any(c.isdigit() for c in password):
            missing.append("a digit")
        if missing:
            raise ValidationError("Password must contain " + ", ".join(missing) + ".", code="password_too_simple")

    def get_help_text(self):
        return "Your password must contain an uppercase letter, a lowercase letter and a digit."
