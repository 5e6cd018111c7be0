"""Users, roles, data scope and API tokens."""
