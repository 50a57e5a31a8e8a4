"""Dashboard figures (SPEC §7). Owned by the dashboard issue; kept to a fixed number of queries."""


def dashboard_context(user) -> dict:
    return {}
