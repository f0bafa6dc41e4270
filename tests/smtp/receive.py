"""A throwaway SMTP server for Provisio's alert tests (tests/it/alerts.rs).

aiosmtpd on 127.0.0.1:PORT that requires STARTTLS (with the test CA's server
certificate) before anything else, and accepts AUTH PLAIN or LOGIN only for
USER and PASSWORD, only over TLS. Every message it accepts is written to
FOLDER as NNNN.json: the envelope sender and recipients, the user it signed
in as, whether the session was encrypted, the raw message, and its subject and
text as a mail client decodes them. It runs
until killed.

    python receive.py --port PORT --cert server.pem --key server.key \
        --user USER --password PASSWORD --folder FOLDER
"""

import argparse
import email
import email.policy
import json
import os
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Keep:
    """Writes each accepted message to the folder."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.login.decode() if session.authenticated else None,
            "tls": session.ssl is not None,
            "data": envelope.content.decode("utf-8", "replace"),
            "subject": message["subject"],
            "text": message.get_body(preferencelist=("plain",)).get_content(),
        }
        path = os.path.join(self.folder, "%04d.json" % self.count)
        with open(path + ".part", "w") as out:
            json.dump(record, out)
        os.rename(path + ".part", path)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    for option in ("--port", "--cert", "--key", "--user", "--password", "--folder"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    class Controlled(Controller):
        def factory(self):
            return SMTP(
                self.handler,
                tls_context=context,
                require_starttls=True,
                authenticator=authenticate,
                auth_required=True,
                auth_require_tls=True,
                hostname="smtp.test",
            )

    controller = Controlled(Keep(args.folder), hostname="127.0.0.1", port=int(args.port))
    controller.start()
    print("listening on smtp://127.0.0.1:%s" % args.port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
