"""Argon2 at the cheapest cost it allows, for the test suite only.

The platform's hasher (argon2 with Django's defaults: 100 MB and two passes) takes about a fifth of a second
per password. Every test user is created with a password and most tests log in, so at those costs hashing
was a large share of CI. The algorithm, the stored format ("argon2$…") and every code path stay the same;
only the work factor is lowered.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB: argon2's minimum is 8 × parallelism
    parallelism = 1
