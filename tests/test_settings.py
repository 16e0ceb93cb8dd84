from pathlib import Path

from dementi.settings import Settings


def test_env_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DEMENTI_KAFKA_BOOTSTRAP", "k1:9092,k2:9092")
    monkeypatch.setenv("DEMENTI_TOPIC_PREFIX", "x.")
    monkeypatch.setenv("DEMENTI_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("DEMENTI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DEMENTI_ADMIN_USER_IDS", "1, 2")
    s = Settings()
    assert s.kafka_bootstrap == "k1:9092,k2:9092"
    assert s.articles_topic == "x.articles" and s.deadletter_topic == "x.deadletter"
    assert s.telegram_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(s)
    assert s.data_dir == tmp_path
    assert s.admin_user_ids == [1, 2]


def test_defaults(monkeypatch):
    for var in ("DEMENTI_KAFKA_BOOTSTRAP", "DEMENTI_TELEGRAM_TOKEN", "DEMENTI_CONFIG", "DEMENTI_TOPIC_PREFIX",
                "DEMENTI_RULES_DIR", "DEMENTI_TELEGRAM_API_URL"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.kafka_bootstrap is None and s.telegram_token is None
    assert s.telegram_api_url == "https://api.telegram.org/bot"
    assert s.articles_topic == "dementi.articles"
    assert s.rules_dir.name == "rules" and s.rules_dir.exists()


def test_yaml_file(monkeypatch, tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text("topic_partitions: 8\nlog_level: DEBUG\n")
    monkeypatch.setenv("DEMENTI_CONFIG", str(cfg))
    monkeypatch.setenv("DEMENTI_LOG_LEVEL", "ERROR")
    s = Settings()
    assert s.topic_partitions == 8
    assert s.log_level == "ERROR"  # env beats file
