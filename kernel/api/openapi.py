"""The OpenAPI document, generated from the marshmallow schemas (apispec) and the enabled channels."""
from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from ..forms import build_schema, gather_fields
from ..relais import current_relais
from .admin_accounts import OPENAPI_ROUTES as ADMIN_ACCOUNT_ROUTES
from .admin_structures import OPENAPI_ROUTES as ADMIN_STRUCTURE_ROUTES
from .admin_audit import OPENAPI_ROUTES as ADMIN_AUDIT_ROUTES
from .delegations import ADMIN_ROUTES as ADMIN_DELEGATION_ROUTES
from .delegations import OPENAPI_ROUTES as DELEGATION_ROUTES
from ..schemas.directory import DirectoryQuerySchema, DirectoryResultSchema
from ..schemas.draft import DraftResponse, DraftSchema
from ..schemas.exchange import (ErrorSchema, ExchangeUpdateSchema, MembersAddSchema, MessageDraftSchema, ReadSchema,
                                SynthesisRequestSchema)
from ..schemas.integration import IntegrateSchema
from ..schemas.ins import InsDecodingSchema
from ..schemas.sessions import SessionListResponse, TokenListResponse
from ..schemas.patient import PatientCreateSchema, PatientEnvelopeSchema, PatientListSchema
from ..schemas.responses import (AttachmentResponse, ChannelFormResponse, ChannelListResponse, ConnectorListResponse,
                                 ExchangeResponse, ExchangeStartedResponse, ExchangeSummaryResponse, InboxResponse,
                                 IntegrationListResponse, IntegrationOneResponse, IntegrationResponse, MeResponse, MembersAddedResponse, MessagePageResponse,
                                 MessageResponse, ReadResponse, ReceiptsResponse, UploadResponse)

openapi_blueprint = Blueprint("openapi", __name__, url_prefix="/api")

# (path, method, summary, request schema, response schema, success status)
ROUTES: list[tuple[str, str, str, Any, Any, int]] = [
    ("/channels", "get", "Canaux d'envoi du panneau « + »", None, ChannelListResponse, 200),
    ("/channels/{name}/form", "get", "Champs de l'écran d'envoi d'un canal", None, ChannelFormResponse, 200),
    ("/channels/{name}/exchanges", "post", "Démarrer un échange (le corps dépend du canal : voir l'opération "
     "propre à chaque canal)", None, ExchangeStartedResponse, 201),
    ("/exchanges", "get", "Échanges visibles (boîte de réception)", None, InboxResponse, 200),
    ("/exchanges/{id}", "get", "Un échange, ses actions et panneaux", None, ExchangeResponse, 200),
    ("/exchanges/{id}", "patch", "Renommer un échange, changer son statut ou son patient (fil de mails)",
     ExchangeUpdateSchema, ExchangeSummaryResponse, 200),
    ("/exchanges/{id}/messages", "get", "Messages d'un échange (pagination before/after)", None, MessagePageResponse, 200),
    ("/exchanges/{id}/messages", "post", "Écrire dans un échange", MessageDraftSchema, MessageResponse, 201),
    ("/exchanges/{id}/read", "post", "Marquer comme lu", ReadSchema, ReadResponse, 200),
    ("/exchanges/{id}/receipts", "get", "Qui a ouvert l'échange et vu chaque message", None, ReceiptsResponse, 200),
    ("/exchanges/{id}/members", "post", "Ajouter des participants", MembersAddSchema, MembersAddedResponse, 201),
    ("/exchanges/{id}/synthesis", "post", "Générer la synthèse PDF", SynthesisRequestSchema, AttachmentResponse, 201),
    ("/attachments", "post", "Déposer une ou plusieurs pièces jointes (multipart, champ « file »)", None,
     UploadResponse, 201),
    ("/attachments/{id}", "get", "Télécharger une pièce jointe", None, None, 200),
    ("/attachments/{id}/integrate", "post", "Envoyer une pièce jointe vers un logiciel métier (202 : en cours, "
     "l'issue arrive en direct, événement integration.status ; 502 : le logiciel l'a refusée, voir receipts)",
     IntegrateSchema, IntegrationResponse, 200),
    ("/integrations", "get", "Mes envois vers des logiciels métier et où ils en sont (exchange : ceux des documents "
     "d'un échange ; attachment : ceux d'un document)", None, IntegrationListResponse, 200),
    ("/integrations/{id}", "get", "Un de mes envois vers un logiciel métier", None, IntegrationOneResponse, 200),
    ("/integrations/{id}/retry", "post", "Relancer un envoi en échec (409 : il n'est pas en échec)", None,
     IntegrationResponse, 200),
    ("/connectors", "get", "Logiciels métier raccordés ouverts au compte (target : logiciel, dossier_regional ou "
     "dmp)", None, ConnectorListResponse, 200),
    ("/directory", "get", "Rechercher dans l'annuaire : professionnels et services, par groupe", None,
     DirectoryResultSchema, 200),
    ("/patients", "get", "Rechercher un patient parmi ceux que l'on prend en charge (q : noms dans n'importe quel "
     "ordre, date de naissance ; q vide : patients récents du compte). Tout autre patient : par son INS complet "
     "dans q, ou par ses quatre traits exacts (birth_name, first_names, birth_date, sex) ; tracé au journal. "
     "activity=1 (« Mes patients ») : q vide liste tous les patients pris en charge, récents d'abord, et chacun "
     "porte exchange_count et unread_count",
     None, PatientListSchema, 200),
    ("/patients", "post", "Créer une identité patient (200 : cet INS avec exactement ces traits est déjà "
     "enregistré, l'identité existante est renvoyée)", PatientCreateSchema, PatientEnvelopeSchema, 201),
    ("/patients/{id}", "get", "Une identité patient", None, PatientEnvelopeSchema, 200),
    ("/ins/{ins}", "get", "Décoder un matricule INS (sexe, mois et année, lieu de naissance)", None,
     InsDecodingSchema, 200),
    ("/me", "get", "Le compte connecté et ses identités", None, MeResponse, 200),
    ("/me/sessions", "get", "Mes sessions de navigateur en cours", None, SessionListResponse, 200),
    ("/me/sessions/{id}", "delete", "Terminer une de mes sessions (la sienne : se déconnecter)", None, None, 204),
    ("/me/tokens", "get", "Mes jetons d'accès non révoqués", None, TokenListResponse, 200),
    ("/me/tokens/{id}", "delete", "Révoquer un de mes jetons d'accès", None, None, 204),
    ("/drafts/{screen}", "get", "Mon brouillon d'un écran (screen : channel:<canal>, channel:<canal>:patient:<id> ou "
     "exchange:<id>)", None, DraftResponse, 200),
    ("/drafts/{screen}", "put", "Enregistrer mon brouillon d'un écran (remplace le précédent ; retiré par l'envoi)",
     DraftSchema, DraftResponse, 200),
    ("/drafts/{screen}", "delete", "Supprimer mon brouillon d'un écran", None, None, 204),
]
# The administration's routes, described beside them.
ROUTES += ADMIN_ACCOUNT_ROUTES + ADMIN_STRUCTURE_ROUTES + ADMIN_AUDIT_ROUTES
ROUTES += DELEGATION_ROUTES  # « Mes délégations », and the administration's list
# Answers every operation may give besides its success: 400 (a body that is not a JSON object, a bad
# query string), 401, 404 (or not visible to the account), 422 (a field refused, in French).
COMMON_ERRORS = ("400", "401", "404", "422")
# And those of particular operations.
# Successes other than the main one: adding members who all were members already changes nothing.
EXTRA_SUCCESSES = {("/exchanges/{id}/members", "post"): "200", ("/patients", "post"): "200",
                   ("/attachments/{id}/integrate", "post"): "202", ("/integrations/{id}/retry", "post"): "202",
                   ("/drafts/{screen}", "get"): "204"}  # no draft of that screen: nothing to take back
EXTRA_ERRORS = {("/admin/accounts/import", "post"): ("413",), ("/attachments", "post"): ("413",), ("/attachments/{id}/integrate", "post"): ("502",),
                ("/integrations/{id}/retry", "post"): ("409", "502"),
                ("/exchanges/{id}/synthesis", "post"): ("503",), ("/admin/patients/{id}/export", "post"): ("503",), ("/drafts/{screen}", "put"): ("413",)}
# The administration's routes refuse other accounts (403, « Réservé aux administrateurs… »).
for _path, _method, *_ in ADMIN_ACCOUNT_ROUTES + ADMIN_STRUCTURE_ROUTES + ADMIN_AUDIT_ROUTES:
    EXTRA_ERRORS[_path, _method] = EXTRA_ERRORS.get((_path, _method), ()) + ("403",)
for _path, _method in ADMIN_DELEGATION_ROUTES:
    EXTRA_ERRORS[_path, _method] = EXTRA_ERRORS.get((_path, _method), ()) + ("403",)
# The send operations take an Idempotency-Key: the same key from the same account within 24 hours gets the
# first answer again (header Idempotent-Replayed: true) instead of a second message.
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string",
                   "maxLength": 200}, "description": "Clé choisie par le client (un UUID) : un envoi répété avec la "
                   "même clé n'est enregistré qu'une fois et reçoit la première réponse."}


def build_spec() -> dict[str, Any]:
    relais = current_relais()
    spec = APISpec(title="Relais Santé", version="0.1.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "API de la messagerie sécurisée Relais Santé. Toutes les erreurs 4xx "
                                        "ont le corps {\"errors\": {champ: [message]}}."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "relais_session"})
    spec.components.schema("Error", schema=ErrorSchema)
    error = {"description": "Erreur", "content": {"application/json": {"schema": "Error"}}}

    paths: dict[str, dict[str, Any]] = {}
    for path, method, summary, request_schema, response_schema, status in ROUTES:
        operation: dict[str, Any] = {"summary": summary, "responses": {
            str(status): {"description": "Succès", **({"content": {"application/json": {"schema": response_schema}}}
                                                      if response_schema is not None else {})},
            **{code: error for code in COMMON_ERRORS + EXTRA_ERRORS.get((path, method), ())}}}
        if (path, method) in EXTRA_SUCCESSES:
            extra = EXTRA_SUCCESSES[path, method]
            operation["responses"][extra] = ({"description": "Rien à renvoyer"} if extra == "204"
                                             else operation["responses"][str(status)])
        if request_schema is not None:
            operation["responses"]["415"] = error  # a body that is not application/json
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request_schema}}}
        if "{" in path:
            operation["parameters"] = [{"in": "path", "name": name, "required": True,
                                        "schema": {"type": "string" if name in ("name", "ins", "screen") else "integer"}}
                                       for name in re.findall(r"{(\w+)}", path)]
        paths.setdefault(path, {})[method] = operation
    paths["/exchanges/{id}/messages"]["post"]["parameters"].append(IDEMPOTENCY_KEY)
    # The directory search is driven by its query string (bad values: 422; a parameter given twice: 400).
    paths["/directory"]["get"].update(parameters=[{"in": "query", "schema": DirectoryQuerySchema}])
    paths["/directory"]["get"]["responses"]["400"] = error
    # Pushes into software: filtered by exchange or document; connectors by target.
    paths["/integrations"]["get"]["parameters"] = [
        {"in": "query", "name": name, "required": False, "schema": {"type": "integer"}} for name in ("exchange", "attachment")]
    paths["/connectors"]["get"]["parameters"] = [{"in": "query", "name": "target", "required": False, "schema": {
        "type": "string", "enum": ["logiciel", "dossier_regional", "dmp"]}}]
    # One operation per enabled channel: its draft schema is built from the fields every plugin gives.
    for name in sorted(relais.channels):
        draft = build_schema(name, gather_fields(relais.pm, name, None))
        paths[f"/channels/{name}/exchanges"] = {"post": {
            "summary": f"Démarrer : {relais.channels[name].label}", "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": draft}}},
            "responses": {"201": {"description": "Échange créé",
                                  "content": {"application/json": {"schema": ExchangeStartedResponse}}},
                          **{code: error for code in (*COMMON_ERRORS, "415", "503")}}}}
    for path, operations in paths.items():
        spec.path(path="/api/v1" + path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}, {"session": []}]
    return document


@openapi_blueprint.get("/openapi.json")
def openapi_document() -> Any:
    return jsonify(build_spec())
