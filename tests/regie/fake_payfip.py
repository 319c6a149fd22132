"""A PayFiP web service the test controls, on a local HTTP server (SOAP in, SOAP out)."""

import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESPONSE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    '<ns2:{op}Response xmlns:ns2="http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/'
    'contrat_paiement_securise/PaiementSecuriseService"><return>{fields}</return></ns2:{op}Response>'
    "</S:Body></S:Envelope>"
)
FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>'
    "<faultcode>S:Server</faultcode><faultstring>fault</faultstring><detail><ns2:FonctionnelleErreur "
    'xmlns:ns2="http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/">'
    "<code>{code}</code><libelle>{code}</libelle></ns2:FonctionnelleErreur></detail>"
    "</S:Fault></S:Body></S:Envelope>"
)


def _field(xml: str, name: str) -> str:
    match = re.search(f"<{name}>(.*?)</{name}>", xml, re.S)
    return match.group(1) if match else ""


class FakePayfip:
    def __init__(self):
        self.operations: dict[str, dict[str, str]] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self.server = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.operations.clear()
            self.calls.clear()

    def finish(self, id_op: str, *, result: str = "P", amount: int | None = None) -> None:
        """The payer went through PayFiP's page: P paid, R refused, A abandoned."""
        with self._lock:
            operation = self.operations[id_op]
            operation["resultrans"] = result
            operation["numauto"] = "123456" if result == "P" else ""
            if amount is not None:
                operation["montant"] = str(amount)

    def handle(self, body: str) -> tuple[int, str]:
        if "creerPaiementSecurise" in body:
            self.calls.append("creer")
            fields = {
                name: _field(body, name)
                for name in (
                    "exer",
                    "mel",
                    "montant",
                    "numcli",
                    "objet",
                    "refdet",
                    "saisie",
                    "urlnotif",
                    "urlredirect",
                )
            }
            if not fields["numcli"] or not fields["montant"].isdigit():
                return 500, FAULT.format(code="R3")
            id_op = secrets.token_hex(16)
            with self._lock:
                self.operations[id_op] = {**fields, "idOp": id_op, "resultrans": ""}
            return 200, RESPONSE.format(op="creerPaiementSecurise", fields=f"<idOp>{id_op}</idOp>")
        if "recupererDetailPaiementSecurise" in body:
            self.calls.append("recuperer")
            operation = self.operations.get(_field(body, "idOp"))
            if operation is None or not operation["resultrans"]:
                return 500, FAULT.format(code="P1")
            fields = "".join(
                f"<{k}>{v}</{k}>" for k, v in operation.items() if k not in ("urlnotif", "urlredirect")
            )
            return 200, RESPONSE.format(op="recupererDetailPaiementSecurise", fields=fields)
        return 500, FAULT.format(code="X")

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, content = fake.handle(body)
                data = content.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
