#!/usr/bin/env python3
"""Alert delivery end to end (docs/ALERTS.md "Delivery"): the real
`tarifador serve` delivers an alert by e-mail to a real SMTP server that
demands STARTTLS (Debian's python3-aiosmtpd, with a certificate made here and
given to tarifador as alerts.ca_file), and by webhook to a local receiver that
fails the first attempt and checks every signature. tarifador is stopped
between the failure and its retry, restarted, and the webhook must then arrive
exactly once, with the same event id. Prints the delivery latency.

  delivery_test.py <tarifador binary>
"""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes
from email.header import decode_header, make_header

try:
    from aiosmtpd.controller import Controller
except ImportError:
    print("python3-aiosmtpd is not installed (scripts/install-deps.sh --test)")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)


def check(cond, message):
    if not cond:
        raise SystemExit("FAIL: " + message)
    print("ok: " + message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit("FAIL: timed out waiting for " + what)


class Mailbox:
    """aiosmtpd handler: every message accepted, with whether it came over TLS."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"at": time.time(), "tls": session.ssl is not None,
                              "rcpt": list(envelope.rcpt_tos), "from": envelope.mail_from,
                              "data": envelope.original_content or envelope.content})
        return "250 OK"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Webhook receiver: 500 for the first `fail_first` posts, then 200."""
    posts = []
    fail_first = 1
    secret = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers["X-Tarifador-Timestamp"]
        want = "v1=" + hmac.new(Receiver.secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        ok_sig = hmac.compare_digest(want, self.headers.get("X-Tarifador-Signature", ""))
        code = 500 if len(Receiver.posts) < Receiver.fail_first else 200
        Receiver.posts.append({"at": time.time(), "event": self.headers["X-Tarifador-Event"], "signed": ok_sig,
                               "body": json.loads(body), "code": code})
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Box:
    def __init__(self, binary, work, config):
        self.binary, self.work, self.config = binary, work, config
        self.port = json.load(open(config))["http"]["listen"].split(":")[1]
        self.proc = None

    def cli(self, *args):
        return subprocess.run([self.binary, *args, "--config", self.config], check=True, capture_output=True,
                              text=True).stdout

    def start(self):
        self.log = open(os.path.join(self.work, "serve.log"), "a")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for(lambda: self.healthy(), 20, "tarifador serve")

    def healthy(self):
        try:
            return self.call("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)

    def call(self, method, path, body=None, token=None):
        c = http.client.HTTPConnection("127.0.0.1", int(self.port), timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, (json.loads(data) if data else None)


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="tarifador-alerts-")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port, tls_context=tls, require_starttls=True)
    smtp.start()
    hook_port = free_port()
    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Receiver)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()

    config = os.path.join(work, "tarifador.json")
    with open(config, "w") as f:
        json.dump({"data_dir": os.path.join(work, "data"), "site_id": "oficina-1",
                   "http": {"listen": f"127.0.0.1:{free_port()}", "tls_listen": ""},
                   "freeswitch": {"host": "127.0.0.1", "port": free_port(), "password": "alerts-test"},
                   "alerts": {"smtp_url": f"smtp://127.0.0.1:{smtp_port}", "smtp_from": "tarifador@example.com",
                              "ca_file": cert}}, f)
    box = Box(binary, work, config)
    admin = box.cli("token", "create", "alerts-admin", "--role", "admin").strip()
    box.start()
    try:
        st, mail_r = box.call("POST", "/api/v1/alert-recipients",
                              {"name": "Ana", "channel": "email", "address": "ana@example.com",
                               "kinds": "budget_reached", "language": "es"}, admin)
        check(st == 201 and "secret" not in mail_r, "an e-mail recipient is added (201), with no secret")
        st, hook_r = box.call("POST", "/api/v1/alert-recipients",
                              {"name": "HQ", "channel": "webhook", "address": f"http://127.0.0.1:{hook_port}/t",
                               "language": "en"}, admin)
        check(st == 201 and len(hook_r.get("secret", "")) >= 43, "a webhook recipient gets its secret once")
        Receiver.secret = hook_r["secret"]
        st, listed = box.call("GET", "/api/v1/alert-recipients", None, admin)
        check(st == 200 and all("secret" not in r for r in listed["items"]), "the list never shows a secret")
        st, bad = box.call("POST", "/api/v1/alert-recipients",
                           {"name": "x", "channel": "email", "address": "not-an-address", "quiet_hours": "25:00-7"},
                           admin)
        check(st == 400 and "address" in bad["error"] and "quiet_hours" in bad["error"],
              "a bad recipient gets 400 naming each bad field")

        st, account = box.call("POST", "/api/v1/accounts",
                               {"name": "Ventas", "type": "postpaid", "credit_limit": "100"}, admin)
        check(st == 201, "an account is created")
        raised_at = time.time()
        st, _ = box.call("PATCH", f"/api/v1/accounts/{account['id']}", {"monthly_budget": "0"}, admin)
        check(st == 200, "a budget of 0 is set: the budget is reached at once")

        msg = wait_for(lambda: mailbox.messages and mailbox.messages[0], 15, "the e-mail")
        mail_latency = msg["at"] - raised_at
        check(msg["tls"], "the e-mail came over STARTTLS")
        check(msg["rcpt"] == ["ana@example.com"] and msg["from"] == "tarifador@example.com", "envelope from and to")
        parsed = message_from_bytes(msg["data"])
        subject = str(make_header(decode_header(parsed["Subject"])))
        check(subject == "[tarifador] Presupuesto agotado: Ventas", f"the subject is in Spanish ({subject})")
        text = parsed.get_payload(decode=True).decode("utf-8")
        check("presupuesto mensual de 0,00 agotado" in text, "the body is in Spanish with a decimal comma")
        check(parsed["Message-ID"].endswith("@oficina-1>"), "the Message-ID names the site")

        first = wait_for(lambda: Receiver.posts and Receiver.posts[0], 15, "the first webhook attempt")
        hook_latency = first["at"] - raised_at
        check(first["code"] == 500 and first["signed"], "the first webhook attempt is signed and fails (500)")
        # Stopped during the 10 s backoff; the retry must survive the restart.
        box.stop()
        box.start()
        wait_for(lambda: len(Receiver.posts) >= 2, 30, "the retried webhook after the restart")
        time.sleep(2)  # nothing more may come
        check(len(Receiver.posts) == 2, f"two webhook attempts in all ({len(Receiver.posts)})")
        second = Receiver.posts[1]
        check(second["code"] == 200 and second["signed"], "the retry is signed and accepted")
        check(second["event"] == first["event"] and second["body"]["event_id"] == int(first["event"]),
              "the same event id on the retry")
        check(second["body"]["kind"] == "budget_reached" and second["body"]["text"].startswith("Ventas: monthly"),
              "the webhook carries the alert in English")
        check(second["at"] - first["at"] >= 9.5, "the retry waited its backoff (10 s)")
        check(len(mailbox.messages) == 1, "the e-mail was not sent again after the restart")
        st, listed = box.call("GET", "/api/v1/alert-recipients", None, admin)
        check(listed["deliveries"] == {"pending": 0, "sent": 2, "failed": 0}, "both deliveries are sent")
        print(f"figure: alert delivery latency: e-mail {mail_latency * 1000:.0f} ms, "
              f"webhook first attempt {hook_latency * 1000:.0f} ms (poll interval 200 ms)")
    finally:
        if box.proc and box.proc.poll() is None:
            box.stop()
        smtp.stop()
        hooks.shutdown()
    print("alert delivery: all checks passed")


if __name__ == "__main__":
    main()
