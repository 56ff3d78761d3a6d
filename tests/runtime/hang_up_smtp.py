"""An SMTP server for tests that keeps every message it is given, in a maildir, and then hangs up
instead of answering: the client never learns that the message was taken (a lost 250).

Run as aiosmtpd's handler: python3 -m aiosmtpd -n -l HOST:PORT -c hang_up_smtp.KeepThenHangUp MAILDIR
(with this folder on PYTHONPATH)."""

from aiosmtpd.handlers import Mailbox


class KeepThenHangUp(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        self.handle_message(self.prepare_message(session, envelope))
        server.transport.close()
        return "250 OK"
