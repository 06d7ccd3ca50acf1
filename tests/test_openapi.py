"""The OpenAPI document is generated from the routes, and schemathesis finds no 5xx and no response that breaks it."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
import schemathesis
from conftest import AUTH
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.checks import allow_header_conformance

from server import library

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, ignored_auth, allow_header_conformance)
# Generated cases per operation; the writes that run ffprobe on every case get fewer.
EXAMPLES = {"GET": 200, "POST": 90, "DELETE": 40}
MIN_CASES = 500


class BufferedClient(FlaskClient):
    """Reads each response whole and closes it (schemathesis leaves streamed file responses open)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["buffered"] = True
        return super().open(*args, **kwargs)


def test_spec_lists_every_api_route(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/episodes", "/api/episodes/{episode_id}", "/api/episodes/{episode_id}/realign",
        "/api/jobs/{job_id}", "/api/episodes/{episode_id}/segments", "/api/episodes/{episode_id}/export.{fmt}",
        "/api/episodes/{episode_id}/audio",
    }
    assert set(spec["paths"]["/api/episodes"]) == {"get", "post"}
    assert spec["paths"]["/api/episodes"]["post"]["security"] == [{"bearer": []}]
    assert "get" not in spec["paths"]["/api/episodes/{episode_id}/realign"]


def _seeded_spec(app: Flask, episode_id: str, job_id: str) -> dict[str, Any]:
    """The generated spec with the seeded ids as examples, so generation also hits real data."""
    spec = copy.deepcopy(app.test_client().get("/api/openapi.json").get_json())
    for ops in spec["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] == "episode_id":
                    p["schema"] = {"type": "string", "enum": [episode_id, "nosuchepisode"]}
                elif p["name"] == "job_id":
                    p["schema"] = {"type": "string", "enum": [job_id, "nosuchjob"]}
    return spec


def test_schemathesis_finds_no_5xx_and_no_schema_violation(app: Flask, episode: library.Episode) -> None:
    with app.app_context():
        job_id = library.get_episode(episode.id).job.id
    schema = schemathesis.openapi.from_dict(_seeded_spec(app, episode.id, job_id))
    schema.app = app
    operations = sorted((r.ok() for r in schema.get_all_operations()),
                        key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    app.test_client_class = BufferedClient
    session = app.test_client()
    calls: list[tuple[str, int]] = []
    started = time.monotonic()
    for op in operations:
        @settings(max_examples=EXAMPLES[op.method.upper()], deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=AUTH, session=session)
            calls.append((f"{case.method} {case.path}", response.status_code))
            case.validate_response(response, checks=list(CHECKS), headers=AUTH)

        check()
    statuses = {s for _, s in calls}
    per_op = {op: sum(1 for c, _ in calls if c.startswith(op)) for op in {c for c, _ in calls}}
    print(f"schemathesis: {len(calls)} cases, statuses {sorted(statuses)}")
    assert len(calls) >= MIN_CASES, per_op
    assert not any(s >= 500 for s in statuses)
    assert {200, 202, 404} <= statuses, statuses  # real data was reached, not only errors
    assert time.monotonic() - started < 150


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/episodes"])
def test_spec_and_reads_need_no_token(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200
