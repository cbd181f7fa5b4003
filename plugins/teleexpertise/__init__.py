"""Téléexpertise: a professional asks an expert for an opinion about a patient (TE-1 to TE-8)."""
