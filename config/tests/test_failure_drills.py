"""Failure drills: what the platform does when PostgreSQL or Redis goes away under it, and comes back. The shared
servers of the machine stay up: PostgreSQL's connections are cut with pg_terminate_backend (as a restart or a
failover cuts them), and Redis is a server of the test's own on another port, stopped and started again."""

import psycopg
import pytest
import requests
from django.db import connection

from accounts.tests.factories import access_token
from config.tests.servers import PYTHON, running_server, web_server

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]


def terminate(application_name: str) -> int:
    """Cuts the PostgreSQL connections of the processes named so, as a restart or failover of PostgreSQL cuts them."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"], autocommit=True
    ) as killer:
        query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
        return len(killer.execute(query, [application_name]).fetchall())


def get(server, path, **headers):
    return requests.get(f"{server.url}{path}", headers={"Host": "127.0.0.1", **headers}, timeout=10)


def test_the_web_process_serves_again_right_after_postgresql_dropped_its_connections(alice):
    token = {"Authorization": f"Bearer {access_token(alice)}", "Host": "acme.localhost"}
    with web_server(DB_APPLICATION_NAME="drill-web") as web:
        assert get(web, "/api/tenant", **token).status_code == 200
        assert get(web, "/health").status_code == 200
        assert terminate("drill-web") >= 1
        answers = [get(web, "/api/tenant", **token).status_code for _ in range(5)]
        assert answers == [200] * 5, web.log()[-3000:]
        assert get(web, "/health").json()["checks"]["postgresql"] == "ok"


def test_the_media_process_serves_again_right_after_postgresql_dropped_its_connections():
    command = lambda port: [PYTHON, "-m", "config.media_server", "--port", str(port)]  # noqa: E731
    with running_server(command, DB_APPLICATION_NAME="drill-media") as media:
        assert get(media, "/health").status_code == 200
        assert terminate("drill-media") >= 1
        answers = [get(media, "/health").json()["checks"]["postgresql"] for _ in range(5)]
        assert answers == ["ok"] * 5, media.log()[-3000:]
