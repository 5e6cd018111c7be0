"""Markers shared by services."""

# "Not given" for keyword arguments of update services, where None is a real value (clear the field).
UNSET = object()
