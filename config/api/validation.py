def validated(serializer_class, request, **kwargs):
    """Validated data of the request body, or a 400 naming each bad field."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def validated_query(serializer_class, request, **kwargs):
    """Validated query parameters, or a 400 naming each bad one."""
    serializer = serializer_class(data=request.query_params, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
