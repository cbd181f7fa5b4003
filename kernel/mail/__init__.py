"""The MSSanté mail transport every mail-ish channel uses: outbox, SMTP relay, receiver, IMAP, MDNs.

Public API for channels (import from ``kernel.mail.api``): ``queue_mail`` in ``deliver``, the
address helpers, ``recipient_statuses``. See kernel/mail/README.md.
"""
