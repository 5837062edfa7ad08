# Gunicorn settings for the public intake (reprisal_intake:create_app()).
# No access log: the intake must not record who came, when, or from where.
import os

bind = [os.environ.get("REPRISAL_INTAKE_BIND", "127.0.0.1:8080")]
workers = int(os.environ.get("REPRISAL_INTAKE_WORKERS", "2"))
worker_class = "sync"
# Uploads over Tor are slow; a 1 GiB attachment may take many minutes.
timeout = int(os.environ.get("REPRISAL_INTAKE_TIMEOUT", "1800"))
graceful_timeout = 60
keepalive = 5
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"
capture_output = False
control_socket_disable = True
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Every request reaches us from tor or nginx on the loopback; never trust forwarded addresses.
forwarded_allow_ips = ""
proxy_allow_ips = ""
proc_name = "reprisal-intake"
