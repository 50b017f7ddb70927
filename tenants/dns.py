"""TXT records of a host name, through dnspython's resolver (the nameservers of DOMAIN_VERIFICATION_NAMESERVERS,
`host:port`, or the system's); tests point it at a DNS server of their own."""

import dns.exception
import dns.resolver
from django.conf import settings

TIMEOUT_SECONDS = 5.0


def _resolver() -> dns.resolver.Resolver:
    servers = settings.DOMAIN_VERIFICATION_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [server.rsplit(":", 1)[0] for server in servers]
        resolver.nameserver_ports = {
            server.rsplit(":", 1)[0]: int(server.rsplit(":", 1)[1]) for server in servers if ":" in server
        }
    resolver.lifetime = TIMEOUT_SECONDS
    return resolver


def txt_records(name: str) -> list[str]:
    """The TXT strings at `name` (each record's strings joined); none when it has none or DNS does not answer."""
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers, dns.exception.Timeout):
        return []
    return [b"".join(record.strings).decode(errors="replace") for record in answer]
