import zoneinfo

from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.selectors import get_agent
from billing.selectors import limits
from calls import recordings, reports, selectors, services
from calls.api import serializers as s
from calls.services import exports, postcall, review, telephony
from calls.services import recordings as recording_store
from calls.twilio import client as twilio
from compliance.services import record_audit_event
from config.api.schema import results
from config.api.validation import validated, validated_query
from config.errors import NotFound
from tenants.branding import branding_of
from tenants.selectors import tenant_by_slug

# Twilio account and phone numbers -----------------------------------------------------------


class TwilioAccountView(APIView):
    """The tenant's Twilio account: PUT checks the credentials with Twilio; the auth token is never shown."""

    required_permission = "calls.manage"

    def _account(self):
        account = selectors.twilio_account()
        if account is None:
            raise NotFound("No Twilio account is connected.")
        return account

    @extend_schema(responses={200: s.TwilioAccountSerializer})
    def get(self, request):
        return Response(s.TwilioAccountSerializer(self._account()).data)

    @extend_schema(request=s.TwilioAccountSerializer, responses={200: s.TwilioAccountSerializer})
    def put(self, request):
        account = telephony.connect_twilio_account(**validated(s.TwilioAccountSerializer, request))
        return Response(s.TwilioAccountSerializer(account).data)

    @extend_schema(request=s.TwilioOverflowSerializer, responses={200: s.TwilioAccountSerializer})
    def patch(self, request):
        self._account()
        account = telephony.update_overflow(**validated(s.TwilioOverflowSerializer, request, partial=True))
        return Response(s.TwilioAccountSerializer(account).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        telephony.disconnect_twilio_account()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhoneNumbersView(generics.ListAPIView):
    """GET lists the tenant's numbers; POST imports a number the tenant owns in its Twilio account."""

    required_permission = {"GET": "calls.view", "POST": "calls.manage"}
    serializer_class = s.PhoneNumberSerializer

    def get_queryset(self):
        return selectors.phone_numbers()

    @extend_schema(request=s.PhoneNumberSerializer, responses={201: s.PhoneNumberSerializer})
    def post(self, request):
        phone = telephony.import_number(request.tenant, **validated(s.PhoneNumberSerializer, request))
        return Response(s.PhoneNumberSerializer(phone).data, status=status.HTTP_201_CREATED)


class AvailableNumbersView(APIView):
    required_permission = "calls.manage"

    @extend_schema(parameters=[s.NumberSearchSerializer], responses={200: s.AvailableNumberSerializer(many=True)})
    def get(self, request):
        query = validated_query(s.NumberSearchSerializer, request)
        return Response({"results": s.AvailableNumberSerializer(telephony.search_numbers(**query), many=True).data})


class BuyNumberView(APIView):
    required_permission = "calls.manage"

    @extend_schema(request=s.PhoneNumberSerializer, responses={201: s.PhoneNumberSerializer})
    def post(self, request):
        phone = telephony.buy_number(request.tenant, **validated(s.PhoneNumberSerializer, request))
        return Response(s.PhoneNumberSerializer(phone).data, status=status.HTTP_201_CREATED)


class PhoneNumberView(APIView):
    required_permission = {"GET": "calls.view", "*": "calls.manage"}

    @extend_schema(responses={200: s.PhoneNumberSerializer})
    def get(self, request, number_id):
        return Response(s.PhoneNumberSerializer(selectors.get_phone_number(number_id)).data)

    @extend_schema(request=s.PhoneNumberUpdateSerializer, responses={200: s.PhoneNumberSerializer})
    def patch(self, request, number_id):
        phone = selectors.get_phone_number(number_id)
        phone = telephony.update_number(phone, **validated(s.PhoneNumberUpdateSerializer, request, partial=True))
        return Response(s.PhoneNumberSerializer(phone).data)

    @extend_schema(responses={204: None})
    def delete(self, request, number_id):
        telephony.remove_number(selectors.get_phone_number(number_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Calls --------------------------------------------------------------------------------------


def tenant_zone(request):
    return zoneinfo.ZoneInfo(request.tenant.timezone)


class CallsView(generics.ListAPIView):
    """GET lists calls (filters, full-text search in transcripts); POST dials one through Twilio.

    POST is idempotent with an `Idempotency-Key` header: the same key returns the same call (200).
    """

    required_permission = {"GET": "calls.view", "POST": "calls.place"}
    required_scope = {"POST": "calls"}  # dialing needs the calls scope, like bulk and scheduled calls
    serializer_class = s.CallSerializer

    @extend_schema(parameters=[s.CallFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return selectors.calls().none()
        return selectors.listed(
            selectors.filter_calls(
                **validated_query(s.CallFilterSerializer, self.request), tz=tenant_zone(self.request)
            )
        )

    @extend_schema(
        request=s.PlaceCallSerializer,
        responses={201: s.CallSerializer, 200: s.CallSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request):
        data = validated(s.PlaceCallSerializer, request)
        call, created = services.place_call(
            request.tenant,
            agent=data["agent"],
            to_number=data["to"],
            variables=data["variables"],
            record=data["record"],
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:100] or None,
        )
        return Response(s.CallSerializer(call).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CallView(APIView):
    required_permission = "calls.view"

    @extend_schema(responses={200: s.CallDetailSerializer})
    def get(self, request, call_id):
        """The call with its transcript: each view is audited."""
        call = selectors.call_detail(call_id)
        record_audit_event(action="call.viewed", actor=request.user, target=f"call:{call.pk}")
        return Response(s.CallDetailSerializer(call).data)


class EndCallView(APIView):
    required_permission = "calls.place"
    required_scope = "calls"

    @extend_schema(request=None, responses={200: s.CallSerializer})
    def post(self, request, call_id):
        call = services.end_call(selectors.get_call(call_id))
        return Response(s.CallSerializer(call).data)


class CallNotesView(APIView):
    required_permission = {"GET": "calls.view", "POST": "calls.view"}

    @extend_schema(responses={200: results("CallNotes", s.CallNoteSerializer)})
    def get(self, request, call_id):
        call = selectors.get_call(call_id)
        return Response({"results": s.CallNoteSerializer(call.notes.all(), many=True).data})

    @extend_schema(request=s.CallNoteSerializer, responses={201: s.CallNoteSerializer})
    def post(self, request, call_id):
        call = selectors.get_call(call_id)
        note = review.add_note(call, text=validated(s.CallNoteSerializer, request)["text"], author=request.user)
        return Response(s.CallNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CallTagsView(APIView):
    required_permission = "calls.view"

    @extend_schema(request=s.TagsSerializer, responses={200: s.CallSerializer})
    def put(self, request, call_id):
        call = review.set_tags(selectors.get_call(call_id), validated(s.TagsSerializer, request)["tags"])
        return Response(s.CallSerializer(call).data)


class CallFeedbackView(APIView):
    """Rating, comment and per-turn corrections (the agent's reply and the one it should have given)."""

    required_permission = "calls.view"

    @extend_schema(request=s.FeedbackSerializer, responses={201: s.CallFeedbackSerializer})
    def post(self, request, call_id):
        call = selectors.get_call(call_id)
        feedback = review.give_feedback(call, author=request.user, **validated(s.FeedbackSerializer, request))
        return Response(s.CallFeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class CallStatsView(APIView):
    required_permission = "calls.view"

    @extend_schema(parameters=[s.CallFilterSerializer], responses={200: {"type": "object"}})
    def get(self, request):
        calls = selectors.analytics_calls(**validated_query(s.CallFilterSerializer, request), tz=tenant_zone(request))
        return Response(selectors.call_stats(calls))


class AnalysisProfileView(APIView):
    """What the post-call analysis extracts for an agent's calls, and what counts as success."""

    required_permission = {"GET": "agents.view", "PUT": "agents.manage"}

    @extend_schema(responses={200: s.AnalysisProfileSerializer})
    def get(self, request, agent_id):
        agent = get_agent(agent_id)
        profile = selectors.analysis_profile(agent)
        return Response(s.AnalysisProfileSerializer(profile).data)

    @extend_schema(request=s.AnalysisProfileSerializer, responses={200: s.AnalysisProfileSerializer})
    def put(self, request, agent_id):
        profile = postcall.set_analysis_profile(get_agent(agent_id), **validated(s.AnalysisProfileSerializer, request))
        return Response(s.AnalysisProfileSerializer(profile).data)


# Analytics ----------------------------------------------------------------------------------


class AnalyticsView(APIView):
    required_permission = "calls.view"

    def period(self, request):
        """(validated query, calls of the period, tenant time zone)."""
        tz = tenant_zone(request)
        data = validated_query(s.AnalyticsQuerySerializer, request, context={"today": timezone.localdate(timezone=tz)})
        calls = selectors.analytics_calls(
            date_from=data["date_from"], date_to=data["date_to"], agent=data.get("agent"), tz=tz
        )
        return data, calls, tz


class DashboardView(AnalyticsView):
    @extend_schema(parameters=[s.AnalyticsQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        data, calls, _ = self.period(request)
        return Response(
            {
                "date_from": data["date_from"],
                "date_to": data["date_to"],
                **selectors.call_stats(calls),
                "live_calls": selectors.live_call_count(),
                "minutes_used_this_month": round(selectors.minutes_used_this_month(), 2),
                "monthly_minutes_limit": limits(request.tenant).monthly_minutes,
            }
        )


class CallsPerDayView(AnalyticsView):
    @extend_schema(parameters=[s.AnalyticsQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        data, calls, tz = self.period(request)
        series = selectors.calls_per_day(calls, date_from=data["date_from"], date_to=data["date_to"], tz=tz)
        return Response(
            {
                "results": [
                    {key: row[key] for key in ("date", "total", "answered", "inbound", "outbound")} for row in series
                ]
            }
        )


class SentimentView(AnalyticsView):
    @extend_schema(parameters=[s.AnalyticsQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        data, calls, tz = self.period(request)
        series = selectors.calls_per_day(calls, date_from=data["date_from"], date_to=data["date_to"], tz=tz)
        totals = {sentiment: sum(row[sentiment] for row in series) for sentiment in ("positive", "neutral", "negative")}
        return Response(
            {
                **totals,
                "unanalysed": sum(row["total"] for row in series) - sum(totals.values()),
                "per_day": [{key: row[key] for key in ("date", "positive", "neutral", "negative")} for row in series],
            }
        )


class AgentStatsView(AnalyticsView):
    @extend_schema(parameters=[s.AnalyticsQuerySerializer], responses={200: {"type": "object"}})
    def get(self, request):
        _, calls, _ = self.period(request)
        return Response({"results": selectors.per_agent_stats(calls)})


class ExportView(APIView):
    """GET /api/analytics/export?format=csv|pdf with the call list's filters.

    csv: one row per call, streamed. pdf: the period's report (`calls.reports`); the period defaults, and is
    bounded, as the other analytics are."""

    required_permission = "calls.view"

    def perform_content_negotiation(self, request, force=False):
        """`format` is this view's own parameter (validated below), not DRF's renderer switch; errors are JSON."""
        return renderers.JSONRenderer(), renderers.JSONRenderer.media_type

    @extend_schema(
        parameters=[s.ExportQuerySerializer], responses={(200, "text/csv"): str, (200, "application/pdf"): bytes}
    )
    def get(self, request):
        filters = validated_query(s.ExportQuerySerializer, request)
        record_audit_event(
            action="calls.exported",
            actor=request.user,
            target="calls",
            data={name: str(value) for name, value in filters.items() if value not in (None, "", [])},
        )
        if filters.pop("format") == "pdf":
            return _pdf_export(request, filters)
        tenant, tz = request.tenant, tenant_zone(request)

        def rows():
            # Streaming runs after the middleware has put the connection back on the public schema: the query is
            # built (and the replica's connection given the tenant's schema) under the tenant again.
            with tenant_context(tenant):
                yield from exports.calls_csv(selectors.analytics_calls(**filters, tz=tz).order_by("created_at", "id"))

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="calls-{tenant.slug}.csv"'
        return response


def _pdf_export(request, filters):
    tz, tenant = tenant_zone(request), request.tenant
    period = validated_query(s.AnalyticsQuerySerializer, request, context={"today": timezone.localdate(timezone=tz)})
    filters.update(date_from=period["date_from"], date_to=period["date_to"])
    pdf = reports.period_report(
        selectors.analytics_calls(**filters, tz=tz),
        title=f"Calls of {tenant.name}",
        date_from=filters["date_from"],
        date_to=filters["date_to"],
        tz=tz,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="calls-{tenant.slug}.pdf"'
    return response


# Recordings, share links, external calls, training -------------------------------------------


class RecordingView(APIView):
    """The call's audio, for the tenant's members only: from the platform's storage once copied there; until then a
    Twilio recording is streamed through us (Twilio needs the tenant's credentials); a recording an external bot
    reported is a redirect to where it lives, only ever Twilio or our own storage (`calls.recordings`). DELETE
    removes every copy."""

    required_permission = {"GET": "calls.view", "DELETE": "calls.manage"}

    @extend_schema(responses={(200, "audio/mpeg"): bytes, 302: None})
    def get(self, request, call_id):
        call = selectors.get_call(call_id)
        if not (call.recording_file or call.recording_url):
            raise NotFound("This call has no recording.")
        record_audit_event(action="recording.downloaded", actor=request.user, target=f"call:{call.pk}")
        if call.recording_file:
            response = FileResponse(recording_store.open_stored(call), content_type="audio/mpeg")
        elif not call.recording_sid:
            return HttpResponseRedirect(recordings.redirect_url(call))
        else:
            response = self._from_twilio(call)
        response["Content-Disposition"] = f'inline; filename="call-{call.pk}.mp3"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _from_twilio(self, call):
        account = selectors.twilio_account()
        if account is None:
            raise telephony.NoTwilioAccount()
        upstream = twilio.open_recording(account, call.recording_sid)

        def chunks():
            try:
                yield from upstream.iter_content(chunk_size=64 * 1024)
            finally:
                upstream.close()

        return StreamingHttpResponse(chunks(), content_type=upstream.headers.get("Content-Type", "audio/mpeg"))

    @extend_schema(responses={204: None})
    def delete(self, request, call_id):
        recording_store.delete_recording(selectors.get_call(call_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareLinksView(APIView):
    required_permission = "calls.manage"

    @extend_schema(responses={200: results("ShareLinks", s.ShareLinkSerializer)})
    def get(self, request, call_id):
        call = selectors.get_call(call_id)
        return Response({"results": s.ShareLinkSerializer(call.share_links.all(), many=True).data})

    @extend_schema(request=s.ShareLinkRequestSerializer, responses={201: s.NewShareLinkSerializer})
    def post(self, request, call_id):
        call = selectors.get_call(call_id)
        hours = validated(s.ShareLinkRequestSerializer, request)["expires_in_hours"]
        link, token = review.create_share_link(call, request.tenant, hours=hours, author=request.user)
        # On the tenant's own (white-label) host: whoever opens it sees the brand, not the platform.
        url = branding_of(request.tenant).base_url + reverse("shared-call", kwargs={"token": token})
        data = {**s.ShareLinkSerializer(link).data, "token": token, "url": url}
        return Response(data, status=status.HTTP_201_CREATED)


class ShareLinkView(APIView):
    required_permission = "calls.manage"

    @extend_schema(responses={204: None})
    def delete(self, request, call_id, link_id):
        call = selectors.get_call(call_id)
        link = call.share_links.filter(pk=link_id).first()
        if link is None:
            raise NotFound("No such share link.")
        review.revoke_share_link(link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedCallView(APIView):
    """Public: the holder of a valid, unexpired, unrevoked share link reads that one call."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: s.SharedCallSerializer})
    def get(self, request, token):
        claims = review.read_share_token(token)
        tenant = tenant_by_slug(claims.get("t"))
        if tenant is None or not tenant.is_active:
            raise NotFound("This share link is not valid.")
        with tenant_context(tenant):
            link = review.usable_share_link(selectors.share_link(claims.get("l")))
            call = selectors.call_detail(link.call_id)
            return Response(s.SharedCallSerializer(call, context={"tenant": tenant}).data)


class CallLogView(APIView):
    """A call handled by an external voice bot, so it appears (and is analysed) with the others;
    idempotent on `external_id`."""

    required_permission = "calls.place"

    @extend_schema(request=s.IngestCallSerializer, responses={200: s.CallDetailSerializer, 201: s.CallDetailSerializer})
    def post(self, request):
        call, created = review.ingest_call(**validated(s.IngestCallSerializer, request))
        return Response(
            s.CallDetailSerializer(selectors.call_detail(call.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TrainingFeedbackView(generics.ListAPIView):
    """Corrections staff suggested on agents' replies; applied ones are examples in the agent's prompt."""

    required_permission = "calls.view"
    serializer_class = s.TurnCorrectionSerializer

    @extend_schema(parameters=[s.TrainingQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = validated_query(s.TrainingQuerySerializer, self.request)
        return selectors.corrections(agent_id=params.get("agent"), applied=params["applied"])


class ApplyCorrectionView(APIView):
    """PUT applies the correction to its agent as an example; DELETE withdraws it."""

    required_permission = "agents.manage"

    def _correction(self, correction_id):
        correction = selectors.corrections().filter(pk=correction_id).first()
        if correction is None:
            raise NotFound("No such feedback.")
        return correction

    @extend_schema(request=None, responses={200: s.TurnCorrectionSerializer})
    def put(self, request, correction_id):
        return Response(s.TurnCorrectionSerializer(review.apply_correction(self._correction(correction_id))).data)

    @extend_schema(responses={200: s.TurnCorrectionSerializer})
    def delete(self, request, correction_id):
        return Response(s.TurnCorrectionSerializer(review.withdraw_correction(self._correction(correction_id))).data)


class TrainingExamplesView(APIView):
    required_permission = "agents.view"

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, agent_id):
        return Response({"results": selectors.training_examples(get_agent(agent_id))})
