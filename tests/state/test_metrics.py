"""Prometheus metrics: valid exposition text, per-record counters, scrape-time gauges."""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from intelliproxy.state.metrics import CONTENT_TYPE, Metrics
from intelliproxy.upstream.backends import BackendPool, BackendState
from tests.state.statehelpers import A, B, rec


def samples(text: bytes) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def labels(**kw: str) -> tuple:
    return tuple(sorted(kw.items()))


def fake_runtime(*backends: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(backends=SimpleNamespace(backends=list(backends)))


def test_content_type_is_the_classic_text_format() -> None:
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_requests_latency_ttft_tokens_fallbacks_decisions_errors() -> None:
    metrics = Metrics()
    metrics.record(rec(category="code", duration=0.3, ttft=0.02, eval_count=50))
    metrics.record(rec(category="code", duration=2.0, fallback=True))
    metrics.record(rec(model=None, backend=None, status=503, error_kind="busy", duration=0.01))
    got = samples(metrics.render(fake_runtime()))

    ok = labels(model="qwen2.5:7b", backend=A, category="code", status="200")
    assert got[("intelliproxy_requests_total", ok)] == 2
    assert got[("intelliproxy_request_duration_seconds_count", ok)] == 2
    assert got[("intelliproxy_request_duration_seconds_sum", ok)] == 2.3
    assert (
        got[("intelliproxy_request_duration_seconds_bucket", (*ok[:2], ("le", "0.5"), *ok[2:]))]
        == 1
    )
    failed = labels(model="", backend="", category="", status="503")
    assert got[("intelliproxy_requests_total", failed)] == 1
    assert (
        got[
            ("intelliproxy_time_to_first_byte_seconds_count", labels(model="qwen2.5:7b", backend=A))
        ]
        == 1
    )
    assert got[("intelliproxy_generated_tokens_total", labels(model="qwen2.5:7b"))] == 50
    assert got[("intelliproxy_fallbacks_total", labels(model="qwen2.5:7b"))] == 1
    assert got[("intelliproxy_classifier_decisions_total", labels(category="code"))] == 2
    assert got[("intelliproxy_errors_total", labels(kind="busy"))] == 1


def test_backend_gauges_are_read_at_scrape_time() -> None:
    metrics = Metrics()
    a = SimpleNamespace(url=A, state=BackendState.HEALTHY, in_flight=3)
    b = SimpleNamespace(url=B, state=BackendState.UNREACHABLE, in_flight=0, breaker_state="open")
    got = samples(metrics.render(fake_runtime(a, b)))
    assert got[("intelliproxy_backend_in_flight", labels(backend=A))] == 3
    for state in BackendState:
        expected = 1.0 if state is BackendState.HEALTHY else 0.0
        assert got[("intelliproxy_backend_state", labels(backend=A, state=state.value))] == expected
    assert got[("intelliproxy_backend_state", labels(backend=B, state="unreachable"))] == 1
    # No breaker yet on A: "closed"; B exposes one.
    assert got[("intelliproxy_backend_breaker_state", labels(backend=A, state="closed"))] == 1
    assert got[("intelliproxy_backend_breaker_state", labels(backend=A, state="open"))] == 0
    assert got[("intelliproxy_backend_breaker_state", labels(backend=B, state="open"))] == 1

    a.in_flight = 0
    got = samples(metrics.render(fake_runtime(a)))  # B removed from the config
    assert got[("intelliproxy_backend_in_flight", labels(backend=A))] == 0
    assert not any(dict(key[1]).get("backend") == B for key in got)


def test_unknown_state_values_still_render_one_hot() -> None:
    metrics = Metrics()
    a = SimpleNamespace(url=A, state="cooling_down", in_flight=0, breaker_state="half_open")
    got = samples(metrics.render(fake_runtime(a)))
    assert got[("intelliproxy_backend_state", labels(backend=A, state="cooling_down"))] == 1
    assert got[("intelliproxy_backend_breaker_state", labels(backend=A, state="half_open"))] == 1


def test_renders_a_real_backend_pool() -> None:
    pool = BackendPool([A, B])
    got = samples(Metrics().render(SimpleNamespace(backends=pool)))
    assert got[("intelliproxy_backend_state", labels(backend=A, state="unknown"))] == 1


def test_client_controlled_label_values_are_capped() -> None:
    metrics = Metrics(max_series=5)
    for i in range(100):
        metrics.record(rec(model=f"m{i}", backend=A))
    got = samples(metrics.render(fake_runtime()))
    models = {dict(k[1])["model"] for k in got if k[0] == "intelliproxy_requests_total"}
    assert len(models) == 6 and "(other)" in models
    assert (
        got[
            (
                "intelliproxy_requests_total",
                labels(model="(other)", backend=A, category="", status="200"),
            )
        ]
        == 95
    )


def test_each_instance_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.record(rec())
    assert (
        "intelliproxy_requests_total",
        labels(model="qwen2.5:7b", backend=A, category="", status="200"),
    ) not in samples(two.render(fake_runtime()))
