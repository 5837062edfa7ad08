# Gunicorn settings for the public intake (reprisal_intake:create_app()).
# No access log: the intake must not record who came, when, or from where. The error log (stderr, the
# systemd journal in production) carries only start/stop, worker crashes and content-free error lines.
import os

bind = [os.environ.get("REPRISAL_INTAKE_BIND", "127.0.0.1:8080")]
# Sync workers: one request per worker at a time. A slow upload over Tor holds its worker for its whole
# duration, so size this for the number of uploads that may run at once (each worker streams: its memory
# stays flat whatever the size of the upload).
workers = int(os.environ.get("REPRISAL_INTAKE_WORKERS", "2"))
worker_class = "sync"
# Uploads over Tor are slow; a 1 GiB attachment may take many minutes.
timeout = int(os.environ.get("REPRISAL_INTAKE_TIMEOUT", "1800"))
graceful_timeout = 60
keepalive = 5
# Replace each worker after this many requests (plus jitter) so that slow growth cannot pile up;
# 0 turns recycling off.
max_requests = int(os.environ.get("REPRISAL_INTAKE_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10

# Logging: no access log anywhere, no request lines in the error log.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"
capture_output = False
syslog = False
statsd_host = None

# No control socket (gunicorn 24+): nothing to steer the server from outside.
control_socket_disable = True

# Request limits. Bodies are limited by the app (REPRISAL_MAX_UPLOAD_MIB, MAX_FORM_PARTS, ...).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Every request reaches us from tor or nginx on the loopback; never trust forwarded addresses.
forwarded_allow_ips = ""
proxy_allow_ips = ""
proxy_protocol = False

# Files the server creates (the worker heartbeat, spooled ciphertext) are readable only by its user.
umask = 0o077
proc_name = "reprisal-intake"
