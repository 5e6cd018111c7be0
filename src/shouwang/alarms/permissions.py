"""Who may do what with alarms: the console, devices and incidents. The incidents and devices a user
reaches are still limited by their scope (``selectors``). Services, the live push and the console all
ask these predicates."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role

# Roles that see alarms in their region scope (admins see all) and manage the devices there.
ALARM_ROLES = REGION_STAFF_ROLES
# Roles that handle incidents (in their scope): acknowledge, call, send, note, close.
INCIDENT_HANDLERS = REGION_STAFF_ROLES
# The answer-time report is for those who supervise the call centre, and the call centre itself.
ANSWER_TIME_READERS = BUREAU_ROLES | {Role.OPERATOR}


def may_see_alarms(user) -> bool:
    """The alarm console, incidents and devices (of the user's scope)."""
    return role_of(user) in ALARM_ROLES and user.is_active


def may_manage_devices(user) -> bool:
    return role_of(user) in ALARM_ROLES


def may_register_unbound_device(user) -> bool:
    """A device with no elder yet (stock, a spare) is registered by the platform admin only."""
    return role_of(user) == Role.ADMIN


def may_read_rejections(user) -> bool:
    """Rejected device messages may not name a known device, so they are not anyone's region's: the
    platform admin reads them."""
    return may_see_alarms(user) and role_of(user) == Role.ADMIN


def may_handle_incidents(user) -> bool:
    """Whether the user's role handles incidents; which incidents is their scope's business."""
    return role_of(user) in INCIDENT_HANDLERS


def may_read_answer_times(user) -> bool:
    return role_of(user) in ANSWER_TIME_READERS
