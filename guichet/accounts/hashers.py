from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum: 19 MiB of memory, 2 passes, 1 lane.

    Django's default (100 MiB) allows about 20 logins per second on two cores;
    this keeps the opening-morning rush affordable while staying in OWASP's range.
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
