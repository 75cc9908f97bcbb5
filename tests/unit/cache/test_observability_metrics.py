"""The metrics registry object: collectors, typed groups and the text exposition."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from simbiot.observability.metrics import Metrics


def test_counters_are_created_once_and_rendered() -> None:
    metrics = Metrics()
    c = metrics.counter("orders_sent", "Orders sent", ["exchange"])
    assert metrics.counter("orders_sent", "Orders sent", ["exchange"]) is c
    c.labels(exchange="mexc").inc(3)
    text = metrics.render().decode()
    assert 'simbiot_orders_sent_total{exchange="mexc"} 3.0' in text
    assert metrics.content_type.startswith("text/plain")


def test_same_name_with_another_type_or_labels_is_refused() -> None:
    metrics = Metrics()
    metrics.counter("x", "doc", ["a"])
    with pytest.raises(ValueError):
        metrics.gauge("x", "doc", ["a"])
    with pytest.raises(ValueError):
        metrics.counter("x", "doc", ["b"])


def test_two_metrics_objects_never_share_state_nor_the_global_registry() -> None:
    one, two = Metrics(), Metrics()
    one.cache().hit("ohlcv", 2)
    two.cache().hit("ohlcv", 5)
    labels = {"kind": "ohlcv"}
    assert one.registry.get_sample_value("simbiot_cache_hits_total", labels) == 2
    assert two.registry.get_sample_value("simbiot_cache_hits_total", labels) == 5
    assert REGISTRY.get_sample_value("simbiot_cache_hits_total", labels) is None


def test_histograms_and_gauges() -> None:
    metrics = Metrics(namespace="t")
    h = metrics.histogram("work_seconds", "Work time", buckets=(0.1, 1.0))
    h.observe(0.5)
    g = metrics.gauge("queue_depth", "Queue depth")
    g.set(7)
    reg = metrics.registry
    assert reg.get_sample_value("t_work_seconds_bucket", {"le": "1.0"}) == 1
    assert reg.get_sample_value("t_work_seconds_bucket", {"le": "0.1"}) == 0
    assert reg.get_sample_value("t_queue_depth") == 7


def test_cache_group_times_ops_and_records_pool_usage() -> None:
    metrics = Metrics()
    cm = metrics.cache()
    assert metrics.cache() is cm
    with pytest.raises(RuntimeError), cm.time("get"):
        raise RuntimeError("boom")
    cm.pool(in_use=3, available=7)
    reg = metrics.registry
    assert reg.get_sample_value("simbiot_cache_op_seconds_count", {"op": "get"}) == 1
    assert reg.get_sample_value("simbiot_cache_pool_in_use") == 3
    assert reg.get_sample_value("simbiot_cache_pool_available") == 7


def test_bus_group_counts_by_topic_family() -> None:
    metrics = Metrics()
    bm = metrics.bus()
    assert metrics.bus() is bm
    bm.count(bm.published, "orders", 4)
    bm.count(bm.published, "orders", 0)
    assert (
        metrics.registry.get_sample_value("simbiot_bus_published_total", {"topic": "orders"}) == 4
    )
