"""Shared kernel: base model, audit log, data scope, errors, masking, identity checks, scheduler."""
