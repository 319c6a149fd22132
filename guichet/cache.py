"""Django's Redis cache, without building a redis.Redis object for every cache call.

Django's RedisCacheClient.get_client() makes a new client around the (shared) connection pool on each
call; building one copies about 170 response callbacks, some 0.25 ms, and a sign-in makes some 25 calls
(sessions, throttling, allauth's rate limits). A client is thread-safe (it takes a connection from the
pool for each command), so one per pool is kept and reused.

    CACHES = {"default": {"BACKEND": "guichet.cache.RedisCache", "LOCATION": REDIS_URL}}
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
