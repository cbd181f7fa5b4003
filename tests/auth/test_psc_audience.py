"""The id_token must be meant for us: a token whose audience is another application is refused, even when its
« azp » names our client (authlib alone would accept it)."""
from __future__ import annotations

import time

import pytest
from authlib.oidc.core import CodeIDToken
from joserfc.errors import InvalidClaimError

from kernel.auth.psc import ACR, claims_options

ISSUER = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
CLIENT = "relais-sante-test"


def _claims(aud, options):
    now = int(time.time())
    payload = {"iss": ISSUER, "sub": "f:550dc1c8:810100000000", "aud": aud, "azp": CLIENT, "acr": ACR,
               "exp": now + 60, "iat": now, "nonce": "n0nce"}
    return CodeIDToken(payload, {"alg": "RS256"}, options, {"client_id": CLIENT, "nonce": "n0nce"})


def test_a_token_for_another_application_is_refused():
    with pytest.raises(InvalidClaimError) as refused:
        _claims("une-autre-application", claims_options(ISSUER, CLIENT)).validate()
    assert "aud" in str(refused.value)


def test_a_token_for_us_passes():
    _claims(CLIENT, claims_options(ISSUER, CLIENT)).validate()
    _claims([CLIENT], claims_options(ISSUER, CLIENT)).validate()


def test_the_audience_is_essential():
    assert claims_options(ISSUER, CLIENT)["aud"] == {"essential": True, "value": CLIENT}
