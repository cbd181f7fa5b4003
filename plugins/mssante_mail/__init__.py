"""Secure mail (MAIL-1 to MAIL-4): free-form MSSanté mail through the kernel's mail transport."""
