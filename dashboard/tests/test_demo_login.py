"""The README's promise: `scripts/run` serves the dashboard at http://demo.localhost:8000/, and the demo owner logs in
there with the password the seed command prints."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_owner_logs_in_to_the_dashboard_with_the_printed_password():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    url = re.search(r"\| Dashboard\s+(\S+)", out.getvalue()).group(1)
    email = re.search(r"\| Owner login\s+(\S+)", out.getvalue()).group(1)
    password = re.search(r"\| Password\s+(\S+)", out.getvalue()).group(1)
    assert url == "http://demo.localhost:8000/"
    client = Client(HTTP_HOST="demo.localhost:8000")
    assert client.get("/")["Location"] == "/login?next=%2F"
    response = client.post("/login", {"email": email, "password": password}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "<h1>Overview</h1>" in response.content.decode()
    assert "Mia" in client.get("/agents").content.decode()
