"""compose.yaml cannot run here (no Docker engine), so it is checked by reading: the topology the
scaled-out tests run must be the one it describes."""

import re
from pathlib import Path

import yaml

from app.config import Config
from app.stores import open_store
from app.stores.postgres import PostgresStore

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_two_app_servers_on_postgres_and_redis_behind_a_balancer() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    apps = [name for name, s in services.items() if s.get("build") == "."]
    assert len(apps) >= 2
    for name in apps:
        env = services[name]["environment"]
        db, redis = env["THEATER_DB"], env["THEATER_REDIS"]
        assert db.startswith("postgresql://") and "@postgres:" in db
        assert redis.startswith("redis://redis:")
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
        config = Config.from_env(db=db, redis=redis)
        assert isinstance(open_store(config.db), PostgresStore)

    lb = services["lb"]
    mount = next(v for v in lb["volumes"] if "nginx.conf" in v)
    nginx = (ROOT / mount.split(":")[0]).read_text()
    upstreams = set(re.findall(r"server (\w+):8000", nginx))
    assert upstreams == set(apps), "every app server, and only those, behind the balancer"
    assert "proxy_set_header Upgrade $http_upgrade" in nginx
    assert "ip_hash" not in nginx and "sticky" not in nginx.replace("no sticky", "")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # never the client's claim
    lb_address = lb["networks"]["default"]["ipv4_address"]
    for name in apps:
        env = services[name]["environment"]
        assert env["THEATER_FORWARDED_ALLOW_IPS"] == lb_address  # trust the balancer only
        assert Config.from_env(public_url=env["THEATER_PUBLIC_URL"]).public_url


def test_prometheus_scrapes_every_app_server_on_its_metrics_port() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    apps = [name for name, s in services.items() if s.get("build") == "."]
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    [job] = prometheus["scrape_configs"]
    targets = {t for c in job["static_configs"] for t in c["targets"]}
    for name in apps:
        env = services[name]["environment"]
        config = Config.from_env(metrics_port=env["THEATER_METRICS_PORT"],
                                 metrics_host=env["THEATER_METRICS_HOST"])  # fmt: skip
        assert f"{name}:{config.metrics_port}" in targets
        assert str(config.metrics_port) not in " ".join(services[name].get("ports", []))
    mounts = " ".join(services["prometheus"]["volumes"])
    assert "deploy/prometheus.yml" in mounts and "deploy/alerts.yml" in mounts
    assert all(p.startswith("127.0.0.1:") for p in services["prometheus"]["ports"])
