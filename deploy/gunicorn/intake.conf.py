# Gunicorn settings for the public intake (reprisal_intake:create_app()).
# No access log: the intake must not record who came, when, or from where. The error log (stderr, the
# systemd journal in production) carries only start/stop, worker crashes and content-free error lines.
import os

bind = [os.environ.get("REPRISAL_INTAKE_BIND", "127.0.0.1:8080")]
# Threaded workers with deadlines on every socket (reprisal_intake/web/worker.py; deploy/README.md says
# why threads and not gevent): a connection that sends nothing waits in a poller, not in a thread; the
# headers must come within 20 s; a body must keep a minimum rate (web/bodies.py); so hundreds of slow
# or idle connections cost memory, not service. Each worker streams uploads (flat memory).
workers = int(os.environ.get("REPRISAL_INTAKE_WORKERS", "2"))
worker_class = "reprisal_intake.web.worker.ReprisalThreadWorker"
threads = int(os.environ.get("REPRISAL_INTAKE_THREADS", "256"))
worker_connections = int(os.environ.get("REPRISAL_INTAKE_CONNECTIONS", "1000"))
# The heartbeat timeout only catches a stuck worker: a slow upload keeps the worker's main loop alive.
timeout = int(os.environ.get("REPRISAL_INTAKE_TIMEOUT", "120"))
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
