"""The production files in deploy/ say what the design promises: gunicorn configs that load, with no
access log, no control socket and request limits; a torrc with two onion services (PoW on the intake,
client authorization on the admin one) and safe logging; hardened systemd units with separate users; an
nginx snippet that never buffers request bodies or logs requests. The files are parsed, not grepped."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import PrivateKey

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
APPS = {"intake": "reprisal_intake:create_app()", "admin": "admin:create_app()"}


# --- gunicorn ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(APPS))
def test_gunicorn_accepts_each_config_and_loads_its_app(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "REPRISAL_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [
            str(BIN / "gunicorn"),
            "--check-config",
            "-c",
            str(DEPLOY / f"gunicorn/{name}.conf.py"),
            APPS[name],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _effective_settings(name: str, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "REPRISAL_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [
            str(BIN / "gunicorn"),
            "--print-config",
            "-c",
            str(DEPLOY / f"gunicorn/{name}.conf.py"),
            APPS[name],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    settings = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            settings[key.strip()] = value.strip()
    return settings


@pytest.mark.parametrize("name", sorted(APPS))
def test_gunicorn_configs_keep_no_access_log_no_control_socket_and_limit_requests(
    name: str, tmp_path: Path
) -> None:
    settings = _effective_settings(name, tmp_path)
    assert settings["accesslog"] == "None"
    assert settings["disable_redirect_access_to_syslog"] == "True"
    assert settings["syslog"] == "False"
    assert settings["control_socket_disable"] == "True"
    assert settings["loglevel"] == "warning"
    assert settings["capture_output"] == "False"
    assert 0 < int(settings["limit_request_line"]) <= 4094
    assert 0 < int(settings["limit_request_fields"]) <= 100
    assert 0 < int(settings["limit_request_field_size"]) <= 8190
    assert settings["forwarded_allow_ips"] in {"", "[]"}
    assert settings["proxy_protocol"] in {"False", "off"}
    assert int(settings["umask"]) == 0o077
    assert int(settings["max_requests"]) > 0
    assert settings["bind"].startswith("['127.0.0.1:")

    module = runpy.run_path(str(DEPLOY / f"gunicorn/{name}.conf.py"))
    assert module["accesslog"] is None
    assert module["control_socket_disable"] is True


def test_both_configs_run_the_threaded_worker_with_socket_deadlines(tmp_path: Path) -> None:
    intake = _effective_settings("intake", tmp_path)
    admin = _effective_settings("admin", tmp_path)
    for settings in (intake, admin):
        assert "reprisal_intake.web.worker.ReprisalThreadWorker" in settings["worker_class"]
        # Enough threads that a few hundred slow connections leave room for everyone else.
        assert int(settings["threads"]) >= 64
    assert int(intake["threads"]) >= 256
    assert intake["bind"] == "['127.0.0.1:8080']"
    assert admin["bind"] == "['127.0.0.1:8081']"
    assert intake["proc_name"] == "reprisal-intake"
    assert admin["proc_name"] == "reprisal-admin"


# --- tor --------------------------------------------------------------------------------------------


def parse_torrc(path: Path) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Global options, and the options of each onion service keyed by its HiddenServiceDir."""
    global_options: list[tuple[str, str]] = []
    services: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _sep, value = line.partition(" ")
        value = value.strip()
        if key == "HiddenServiceDir":
            current = services.setdefault(value.rstrip("/"), [])
        elif key.startswith("HiddenService") and key not in {
            "HiddenServiceNonAnonymousMode",
            "HiddenServiceSingleHopMode",
        }:
            assert current is not None, f"{key} before any HiddenServiceDir"
            current.append((key, value))
        else:
            global_options.append((key, value))
    return global_options, services


def test_torrc_runs_two_onion_services_with_pow_on_the_intake() -> None:
    global_options, services = parse_torrc(DEPLOY / "tor/torrc")
    settings = dict(global_options)
    assert settings["SafeLogging"] == "1"
    assert settings["SocksPort"] == "0"
    assert settings.get("HiddenServiceNonAnonymousMode", "0") == "0"
    for key, value in global_options:
        if key == "Log":
            assert value.split()[0] in {"notice", "warn", "err"}, "tor must not log at info/debug"

    assert set(services) == {"/var/lib/tor/reprisal-intake", "/var/lib/tor/reprisal-admin"}
    intake = dict(services["/var/lib/tor/reprisal-intake"])
    admin = dict(services["/var/lib/tor/reprisal-admin"])
    assert intake["HiddenServiceVersion"] == admin["HiddenServiceVersion"] == "3"
    assert intake["HiddenServicePort"] == "80 127.0.0.1:8080"
    assert admin["HiddenServicePort"] == "80 127.0.0.1:8081"
    assert intake["HiddenServicePoWDefensesEnabled"] == "1"
    assert int(intake["HiddenServicePoWQueueRate"]) > 0
    assert int(intake["HiddenServicePoWQueueBurst"]) >= int(intake["HiddenServicePoWQueueRate"])
    assert intake["HiddenServiceEnableIntroDoSDefense"] == "1"
    assert intake["HiddenServiceMaxStreamsCloseCircuit"] == "1"


def test_admin_client_authorization_keys_are_in_tors_format(tmp_path: Path) -> None:
    sys.path.insert(0, str(DEPLOY / "tor"))
    try:
        import onion_client_auth
    finally:
        sys.path.pop(0)
    address = "a" * 56
    key = PrivateKey.generate()
    server, client = onion_client_auth.client_auth_lines(address + ".onion", key)
    assert re.fullmatch(r"descriptor:x25519:[A-Z2-7]{52}", server)
    assert re.fullmatch(rf"{address}:descriptor:x25519:[A-Z2-7]{{52}}", client)
    import base64

    secret = base64.b32decode(client.rsplit(":", 1)[1] + "====")
    public = base64.b32decode(server.rsplit(":", 1)[1] + "====")
    assert bytes(PrivateKey(secret).public_key) == public
    with pytest.raises(ValueError):
        onion_client_auth.client_auth_lines("example.onion")

    assert onion_client_auth.main(["ana-laptop", "--onion", address, "--out", str(tmp_path)]) == 0
    written = tmp_path / "ana-laptop.auth"
    assert written.read_text().startswith("descriptor:x25519:")
    assert written.stat().st_mode & 0o077 == 0
    assert (tmp_path / "ana-laptop.auth_private").read_text().startswith(address + ":")
    readme = (DEPLOY / "README.md").read_text()
    assert "authorized_clients" in readme and "onion_client_auth.py" in readme


# --- systemd ----------------------------------------------------------------------------------------


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a setting: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "UMask": "0077",
    "IPAddressDeny": "any",
}


@pytest.mark.parametrize("name", sorted(APPS))
def test_systemd_units_run_each_app_hardened_as_its_own_user(name: str) -> None:
    unit = parse_unit(DEPLOY / f"systemd/reprisal-{name}.service")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"reprisal-{name}.service: {key}"
    assert service["User"] == f"reprisal-{name}"
    assert service["CapabilityBoundingSet"] == ""
    instance = next(
        v.split("=", 1)[1]
        for v in unit["Service"]["Environment"]
        if v.startswith("REPRISAL_INSTANCE_PATH=")
    )
    assert instance in service["ReadWritePaths"].split()
    assert "@system-service" in unit["Service"]["SystemCallFilter"]
    exec_start = service["ExecStart"].split()
    assert exec_start[0].endswith("/gunicorn")
    assert exec_start[exec_start.index("-c") + 1].endswith(f"deploy/gunicorn/{name}.conf.py")
    assert exec_start[-1] == APPS[name]
    assert not any("access" in part for part in exec_start), "no access log option on the command"
    assert service["StandardOutput"] == "null"
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # No orphan worker keeps the port after the master dies (tests/ops/test_fault_answers_served.py
    # shows the restart binding): the whole control group is signalled and then killed.
    assert service["KillMode"] == "control-group"
    assert service["SendSIGKILL"] == "yes"
    assert service["Restart"] == "always"


def test_intake_and_admin_units_do_not_share_a_user_or_a_port() -> None:
    intake = parse_unit(DEPLOY / "systemd/reprisal-intake.service")["Service"]
    admin = parse_unit(DEPLOY / "systemd/reprisal-admin.service")["Service"]
    assert intake["User"] != admin["User"]
    assert "REPRISAL_INTAKE_BIND=127.0.0.1:8080" in intake["Environment"]
    assert "REPRISAL_ADMIN_BIND=127.0.0.1:8081" in admin["Environment"]
    assert intake["EnvironmentFile"] != admin["EnvironmentFile"]


def test_backup_timer_runs_the_backup_command() -> None:
    service = parse_unit(DEPLOY / "systemd/reprisal-backup.service")["Service"]
    assert "reprisal-admin backup --out" in service["ExecStart"][-1]
    assert service["User"] == ["reprisal-admin"]
    assert service["UMask"] == ["0077"]
    timer = parse_unit(DEPLOY / "systemd/reprisal-backup.timer")
    assert timer["Timer"]["Persistent"] == ["true"]


def test_alerts_timer_runs_alerts_as_the_admin_user_hardened() -> None:
    unit = parse_unit(DEPLOY / "systemd/reprisal-alerts.service")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"reprisal-alerts.service: {key}"
    assert service["ExecStart"].endswith("/reprisal-admin alerts run")
    assert service["User"] == "reprisal-admin", "the intake's user has no mail credentials"
    assert service["EnvironmentFile"] == "/etc/reprisal/admin.env"
    assert service["IPAddressAllow"] == "localhost"
    timer = parse_unit(DEPLOY / "systemd/reprisal-alerts.timer")["Timer"]
    assert timer["OnCalendar"] == ["*:0/2"]
    assert "RandomizedDelaySec" not in timer, "an immediate-risk alert is not to be delayed"


# --- nginx ------------------------------------------------------------------------------------------


def nginx_directives(path: Path) -> list[tuple[str, str]]:
    text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    directives = []
    for statement in re.split(r"[;{}]", text):
        words = statement.split(None, 1)
        if words:
            directives.append((words[0], words[1].strip() if len(words) > 1 else ""))
    return directives


def test_nginx_snippet_streams_uploads_and_logs_no_requests() -> None:
    directives = nginx_directives(DEPLOY / "nginx/reprisal-intake.conf")
    settings = dict(directives)
    assert settings["proxy_request_buffering"] == "off"
    assert settings["proxy_buffering"] == "off"
    assert settings["access_log"] == "off"
    assert settings["server_tokens"] == "off"
    assert settings["proxy_pass"] == "http://127.0.0.1:8080"
    listens = [value for key, value in directives if key == "listen"]
    assert listens and all(v.startswith("127.0.0.1:") for v in listens)
    body = settings["client_max_body_size"]
    assert body.endswith("m") and int(body[:-1]) >= 1100
    assert settings["error_log"].split()[-1] in {"crit", "alert", "emerg"}
    assert settings["proxy_set_header"]  # present; X-Forwarded-For is blanked below
    blanked = [v for k, v in directives if k == "proxy_set_header" and v.startswith("X-")]
    assert blanked and all(v.endswith('""') for v in blanked)


def test_nginx_sends_static_files_precompressed_with_the_apps_headers() -> None:
    text = (DEPLOY / "nginx/reprisal-intake.conf").read_text()
    block = text.split("location /static/ {", 1)[1].split("}", 1)[0]
    settings = dict(nginx_directives_from(block))
    assert settings["alias"].rstrip("/").endswith("reprisal_intake/static")
    assert settings["gzip_static"] == "on" and settings["gzip"] == "off"
    headers = [v for k, v in nginx_directives_from(block) if k == "add_header"]
    assert any(h.startswith('Cache-Control "no-store') for h in headers)
    assert 'X-Content-Type-Options "nosniff" always' in headers
    assert 'Cross-Origin-Resource-Policy "same-origin" always' in headers


def nginx_directives_from(text: str) -> list[tuple[str, str]]:
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [
        (words[0], words[1].strip() if len(words) > 1 else "")
        for statement in text.split(";")
        if (words := statement.split(None, 1))
    ]


def test_deploy_readme_walks_through_every_step() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for needed in (
        "reprisal-admin init",
        "REPRISAL_RATELIMIT_STORAGE_URI=redis://",
        "HiddenServicePoWDefensesEnabled",
        "authorized_clients",
        "proxy_request_buffering off",
        "systemctl enable",
        "reprisal-admin backup",
        "reprisal-admin restore",
    ):
        assert needed in readme, needed
