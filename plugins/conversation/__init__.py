"""Conversation: live, patient-centred chat between platform users (SPEC CONV-1 to CONV-12)."""
