"""/metrics: Prometheus text for allowed addresses only, with request counts, latencies and the portal's state."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.metrics import address_allowed
from tests.factories import file_complaint
from tests.test_notifications_worker import _queue


def _scrape(client, address="127.0.0.1"):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def _value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_requests_are_counted_per_endpoint_with_a_latency_histogram(client):
    before = _scrape(client)
    for _ in range(3):
        client.get("/healthz")
    after = _scrape(client)
    key = dict(endpoint="main.healthz", method="GET", status="200")
    assert _value(after, "portal_http_requests_total", **key) - _value(before, "portal_http_requests_total", **key) == 3
    count = dict(endpoint="main.healthz", method="GET")
    assert _value(after, "portal_http_request_duration_seconds_count", **count) - \
        _value(before, "portal_http_request_duration_seconds_count", **count) == 3


def test_unknown_paths_share_one_label_instead_of_one_per_path(client):
    client.get("/no-such-page-KM-2026-0001")
    samples = _scrape(client)
    assert _value(samples, "portal_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 1
    assert not any("KM-2026-0001" in str(labels) for _, labels in samples)


def test_outbox_depth_open_complaints_and_index_generation_are_reported(app, client):
    file_complaint(app)
    with app.app_context():
        _queue(2)
    samples = _scrape(client)
    assert _value(samples, "portal_outbox_messages", status="pending") == 3  # the receipt and two more
    assert _value(samples, "portal_complaints_open", status="received") == 1
    assert _value(samples, "portal_database_up") == 1
    assert _value(samples, "portal_search_index_articles") > 0
    assert any(name == "portal_search_index_info" and value == 1 for (name, _), value in samples.items())


@pytest.mark.parametrize("address", ["203.0.113.9", "10.1.2.3", "::ffff:8.8.8.8", ""])
def test_other_addresses_get_a_404(client, address):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404 and b"portal_" not in response.data


def test_allowed_networks_come_from_the_setting(app, client):
    app.config["METRICS_ALLOWED_ADDRESSES"] = ("10.0.0.0/8",)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


@pytest.mark.parametrize("address, allowed, expected", [
    ("127.0.0.1", ("127.0.0.1", "::1"), True), ("::1", ("127.0.0.1", "::1"), True),
    ("10.9.8.7", ("10.0.0.0/8",), True), ("11.0.0.1", ("10.0.0.0/8",), False), ("not-an-ip", ("0.0.0.0/0",), False),
])
def test_address_allowed(address, allowed, expected):
    assert address_allowed(address, allowed) is expected
