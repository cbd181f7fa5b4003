"""Exemple de plugin Relais Santé : « Programmer un rappel », une conversation qui revient à une date choisie."""
