"""Messages to a patient's Mon Espace Santé mailbox over MSSanté (USAGER-1, USAGER-2)."""
