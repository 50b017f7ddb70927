def validated(serializer_class, request, **kwargs):
    """Validated data of the request body, or a 400 naming each bad field."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
