"""Alerts and ownership (issue 16): the on-call rota, content-free notifications about new
immediate-risk and untriaged cases, escalation to the coordinators, acknowledgement and case owners."""
