# Gunicorn settings for the reviewer app (admin:create_app()), on its own port and onion service.
import os

bind = [os.environ.get("REPRISAL_ADMIN_BIND", "127.0.0.1:8081")]
workers = int(os.environ.get("REPRISAL_ADMIN_WORKERS", "2"))
# The intake's worker model (reprisal_intake/web/worker.py): slow or idle connections cost memory,
# not service; sign-in guesses are slowed per account without holding anyone else's thread.
worker_class = "reprisal_intake.web.worker.ReprisalThreadWorker"
threads = int(os.environ.get("REPRISAL_ADMIN_THREADS", "64"))
timeout = int(os.environ.get("REPRISAL_ADMIN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("REPRISAL_ADMIN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# No access log on the admin side either: the audit log in the database records what matters.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"
capture_output = False
syslog = False
statsd_host = None

control_socket_disable = True

limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

forwarded_allow_ips = ""
proxy_allow_ips = ""
proxy_protocol = False

umask = 0o077
proc_name = "reprisal-admin"
