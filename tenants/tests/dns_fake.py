"""A DNS server for tests (UDP on 127.0.0.1, a port of its own): answers TXT questions from `records`, NXDOMAIN for
any other name, with real DNS messages (dnspython's wire format), so the resolver under test is the real one."""

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class FakeDns:
    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.questions: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def publish(self, name: str, value: str) -> None:
        self.records.setdefault(name.lower().rstrip("."), []).append(value)

    def _serve(self):
        while True:
            try:
                wire, peer = self._socket.recvfrom(4096)
            except OSError:
                return  # closed
            query = dns.message.from_wire(wire)
            question = query.question[0]
            name = question.name.to_text().lower().rstrip(".")
            self.questions.append(name)
            response = dns.message.make_response(query)
            values = self.records.get(name) if question.rdtype == dns.rdatatype.TXT else None
            if values:
                texts = [f'"{value}"' for value in values]
                response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", "TXT", texts))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self._socket.sendto(response.to_wire(), peer)

    def close(self):
        self._socket.close()
