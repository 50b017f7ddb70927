"""The thread pools of live calls: work that blocks or waits, off the event loop every call's audio runs on.

- `POOL` (the media pool): providers, which block (espeak-ng, pocketsphinx) or wait on the network (hosted APIs),
  and the engine, inside the call's tenant schema: its LLM requests and actions may take seconds, which would hold
  Channels' single database thread (the one `tenants.channels.in_tenant` uses) for every call of the process.
- `SET_UP` and `RECORDS`: two small pools for the ORM-heavy work of starting a stream and of storing what
  happened (turns, the end of the call). A burst of either (calls starting or ending together) on the media pool
  would have every thread running ORM code at once, each taking the interpreter from the event loop; with a few
  threads, such a burst waits its turn instead, and the calls under way keep their audio. Records are written by
  one thread, in order, and nobody waits for them.

Each thread has its own database connection; work "in a tenant" runs in that tenant's schema.
"""

import asyncio
import concurrent.futures
import functools
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django_tenants.utils import tenant_context

POOL = ThreadPoolExecutor(max_workers=settings.CALL_MEDIA_THREADS, thread_name_prefix="call-media")
SET_UP = ThreadPoolExecutor(max_workers=settings.CALL_SET_UP_THREADS, thread_name_prefix="call-set-up")
RECORDS = ThreadPoolExecutor(max_workers=settings.CALL_RECORD_THREADS, thread_name_prefix="call-records")


async def offload(func, *args, **kwargs):
    """`func` on the media pool, back on the event loop as soon as it returns."""
    return await asyncio.get_running_loop().run_in_executor(POOL, functools.partial(func, *args, **kwargs))


def start(func, *args) -> concurrent.futures.Future:
    """`func` on the media pool (no database), handed to the pool before this returns."""
    return POOL.submit(func, *args)


def _in_schema(tenant, func, *args, **kwargs):
    """`func` in the tenant's schema, or the public one for None."""
    close_old_connections()
    try:
        with tenant_context(tenant) if tenant is not None else nullcontext():
            return func(*args, **kwargs)
    finally:
        connection.set_schema_to_public()


def _run_in(executor, tenant, func, *args, **kwargs) -> asyncio.Future:
    return asyncio.get_running_loop().run_in_executor(
        executor, functools.partial(_in_schema, tenant, func, *args, **kwargs)
    )


def start_in_tenant(tenant, func, *args, **kwargs) -> asyncio.Future:
    """`func` on the pool, inside the tenant's schema (each pool thread has its own connection), handed to the
    pool before this returns; await the future for its result."""
    return _run_in(POOL, tenant, func, *args, **kwargs)


def start_in_tenant_then(tenant, then, func, *args) -> None:
    """`func` on the pool, inside the tenant's schema; `then(done)` on the event loop as soon as it has finished
    (`done`: its concurrent future). An asyncio future would wake whoever awaits it one pass of the event loop
    later, and under load a pass is every live call's frames."""
    loop = asyncio.get_running_loop()

    def finished(done):
        if not loop.is_closed():
            loop.call_soon_threadsafe(then, done)

    POOL.submit(_in_schema, tenant, func, *args).add_done_callback(finished)


async def offload_in_tenant(tenant, func, *args, **kwargs):
    """`func` on the pool, inside the tenant's schema."""
    return await _run_in(POOL, tenant, func, *args, **kwargs)


def start_set_up(tenant, func, *args, **kwargs) -> asyncio.Future:
    """`func` on the set-up pool, inside the tenant's schema (None: the public one), handed to the pool before this
    returns; await the future for its result."""
    return _run_in(SET_UP, tenant, func, *args, **kwargs)


async def record_in_tenant(tenant, func, *args, **kwargs):
    """`func` on the records pool, inside the tenant's schema."""
    return await _run_in(RECORDS, tenant, func, *args, **kwargs)


async def record_publishing(tenant, func, *args, waits_on_network: bool = False, **kwargs):
    """As `record_in_tenant`, for work that sends to the channel layer (`async_to_sync`: a domain event on
    commit). Through asgiref, those sends run on this process's event loop and Redis connections rather than
    on a new loop with a new connection each. Work that `waits_on_network` (a provider's API, which may take
    seconds) goes to the media pool instead: on the records pool it would hold up the records of every other
    call meanwhile, and waiting takes no GIL."""
    executor = POOL if waits_on_network else RECORDS
    return await sync_to_async(_in_schema, thread_sensitive=False, executor=executor)(tenant, func, *args, **kwargs)
