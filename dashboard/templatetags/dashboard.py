from django import template

register = template.Library()


@register.filter
def errors_for(errors, name):
    """The messages of one field (`__all__`: of the whole form)."""
    return (errors or {}).get(name, [])


@register.filter
def has(container, item):
    return item in (container or ())
