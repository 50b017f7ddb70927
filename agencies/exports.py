"""The agency's charges as a CSV download (the API's and the dashboard's), every cell through `config.csv`."""

from itertools import chain

from django.http import StreamingHttpResponse

from agencies.selectors import CHARGE_COLUMNS, charge_rows
from config.csv import lines


def charges_csv_response(agency, period) -> StreamingHttpResponse:
    """`period`: the agency's calendar days (`date_from`, `date_to`)."""
    rows = charge_rows(agency, **period)
    response = StreamingHttpResponse(lines(chain([CHARGE_COLUMNS], rows)), content_type="text/csv; charset=utf-8")
    name = f"charges-{agency.slug}-{period['date_from']:%Y-%m-%d}-{period['date_to']:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
