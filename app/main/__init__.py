"""Site shell: home page, language switch, health and readiness probes."""
