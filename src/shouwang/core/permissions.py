"""Who may do what with the platform's own machinery (the outbox of outgoing messages)."""


def may_manage_outbox(user) -> bool:
    """Outgoing messages carry phone numbers from every region, so only the platform admin sees the ones
    that failed and queues them again."""
    return user is not None and user.is_authenticated and user.is_platform_admin
