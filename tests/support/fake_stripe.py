"""A stand-in for Stripe's API on a local port, for tests (this machine cannot reach
Stripe). The real SDK talks to it over HTTP exactly as it talks to Stripe (settings
STRIPE_API_BASE); it answers the few calls the app makes with objects shaped like
Stripe's, keeps what it was asked, and builds the events Stripe would then send, which
`signed` signs the way Stripe signs them (the SDK's own signer).

It also serves the Checkout page a browser is sent to (`/pay/<id>`): one button that
completes the payment and goes back to the success address, as Stripe's page does.
"""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

import stripe

DECLINED = "pm_card_chargeDeclined"  # Stripe's test card that is always declined


def nested(pairs):
    """Stripe's form encoding (`metadata[fee]=...`, `line_items[0][quantity]=1`) as dicts."""
    out = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self):
        self.calls = []  # (method, path, params)
        self.sessions = {}
        self.intents = {}
        self.refunds = []
        self.numbers = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix):
        return f"{prefix}_test_{next(self.numbers):06d}"

    # --- the API ---------------------------------------------------------------------

    def answer(self, method, path, params):
        self.calls.append((method, path, params))
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if len(parts) == 3 and method == "POST":
                return 200, self.create_session(params)
            session = self.sessions.get(parts[3])
            if session is None:
                return 404, error("resource_missing", "No such checkout session")
            if len(parts) == 5 and parts[4] == "expire":
                session["status"] = "expired"
            return 200, session
        if parts == ["v1", "refunds"]:
            refund = {
                "id": self.new_id("re"),
                "object": "refund",
                "amount": int(params["amount"]),
                "payment_intent": params["payment_intent"],
                "status": "succeeded",
            }
            self.refunds.append(refund)
            return 200, refund
        if parts == ["v1", "payment_intents"]:
            if params.get("payment_method") == DECLINED:
                return 402, error("card_error", "Your card was declined.", code="card_declined")
            intent = self.intent(int(params["amount"]), params.get("metadata", {}))
            return 200, intent
        if parts[:2] == ["v1", "setup_intents"]:
            return 200, {
                "id": parts[2],
                "object": "setup_intent",
                "customer": "cus_test_saved",
                "payment_method": "pm_card_visa",
                "status": "succeeded",
            }
        if parts[:2] == ["v1", "payment_methods"]:
            return 200, {
                "id": parts[2],
                "object": "payment_method",
                "card": {"brand": "visa", "last4": "4242" if parts[2] != DECLINED else "0341"},
            }
        return 404, error("invalid_request_error", f"Unknown path {path}")

    def create_session(self, params):
        session_id = self.new_id("cs")
        line = params.get("line_items", {}).get("0", {})
        amount = int(line.get("price_data", {}).get("unit_amount", 0))
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "url": f"{self.base}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": params.get("currency") or line.get("price_data", {}).get("currency", "gbp"),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "expires_at": int(params["expires_at"]),
            "metadata": params.get("metadata", {}),
            "client_reference_id": params.get("client_reference_id"),
            "payment_intent": None,
            "setup_intent": None,
            "_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
        }
        self.sessions[session_id] = session
        return session

    def intent(self, amount, metadata):
        intent = {
            "id": self.new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount,
            "status": "succeeded",
            "metadata": metadata,
        }
        self.intents[intent["id"]] = intent
        return intent

    # --- what the client does on Stripe's page, and the events it causes --------------

    def pay(self, session_id):
        """The client pays on the Checkout page: the session completes."""
        session = self.sessions[session_id]
        if session["mode"] == "setup":
            session["setup_intent"] = self.new_id("seti")
        else:
            intent = self.intent(session["amount_total"], session["_intent_metadata"])
            session["payment_intent"] = intent["id"]
            session["payment_status"] = "paid"
        session["status"] = "complete"
        return session

    def event(self, kind, obj):
        body = {k: v for k, v in obj.items() if not k.startswith("_")}
        return {
            "id": self.new_id("evt"),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "api_version": "2025-01-27.acacia",
            "data": {"object": body},
        }

    def completed(self, session_id):
        return self.event("checkout.session.completed", self.sessions[session_id])

    def intent_succeeded(self, session_id):
        session = self.sessions[session_id]
        return self.event("payment_intent.succeeded", self.intents[session["payment_intent"]])

    def expired(self, session_id):
        session = self.sessions[session_id]
        session["status"] = "expired"
        return self.event("checkout.session.expired", session)

    def last_session(self):
        return list(self.sessions.values())[-1]

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlparse(self.path).path
                if path.startswith("/pay/"):
                    return self.checkout_page(path.rsplit("/", 1)[1])
                self.reply(*fake.answer("GET", path, nested(parse_qsl(urlparse(self.path).query))))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                path = urlparse(self.path).path
                if path.startswith("/pay/"):
                    session = fake.pay(path.rsplit("/", 1)[1])
                    self.send_response(303)
                    self.send_header("Location", session["success_url"])
                    self.end_headers()
                    return
                self.reply(*fake.answer("POST", path, nested(parse_qsl(body))))

            def checkout_page(self, session_id):
                session = fake.sessions.get(session_id)
                if session is None:
                    return self.reply(404, error("resource_missing", "No such page"))
                what = "Save card" if session["mode"] == "setup" else "Pay"
                page = (
                    "<!doctype html><html lang='en'><title>Checkout (test)</title>"
                    f"<h1>Test checkout</h1><p>Amount: {session['amount_total']}</p>"
                    f"<form method='post'><button type='submit'>{what}</button></form></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def reply(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", "req_test")
                self.end_headers()
                self.wfile.write(body)

        return Handler


def error(kind, message, code=None):
    return {"error": {"type": kind, "message": message, "code": code}}


def signed(event, secret, timestamp=None):
    """The body and the Stripe-Signature header of an event, signed as Stripe signs."""
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp or int(time.time())
    )
    return payload, header
