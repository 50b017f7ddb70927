"""Per-tenant IP allow-lists: CIDR ranges a tenant's API and dashboard may be reached from."""

import ipaddress
from functools import lru_cache

MAX_RANGES = 100


@lru_cache(maxsize=256)
def _networks(ranges: tuple[str, ...]):
    return tuple(ipaddress.ip_network(value, strict=False) for value in ranges)


def normalise(value: str) -> str:
    """A range as the allow-list stores it (`10.0.0.0/8`; a single address gets /32 or /128). ValueError if bad."""
    return str(ipaddress.ip_network(value.strip(), strict=False))


def allows(ranges, address: str) -> bool:
    """Whether `address` is in one of the ranges; an empty list allows everyone, an unparsable address no one."""
    if not ranges:
        return True
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(tuple(ranges)))
