// A real, certified OpenID provider (node `oidc-provider`) configured like Pro Santé Connect, for the tests.
//
//   node provider.js <config.json>
//
// config.json: {"client_id", "client_secret", "accounts_file"}. The accounts file is re-read at every sign-in
// (tests add professionals while the provider runs): {"<login>": {"password": "...", "claims": {...}}}, the
// claims being PSC's userinfo (SubjectNameID = "8" + RPPS, given_name, family_name, SubjectRefPro...); an
// optional "acr" other than eidas1 stands for a weaker authentication than PSC's.
//
// It listens on a free loopback port and prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, once ready.
// Like PSC: scopes `openid scope_all`, acr `eidas1`, PKCE (S256) required, signed userinfo, RP-initiated logout.
// The client is registered as a loopback one (RFC 8252): its redirect URIs are accepted on any loopback port,
// so the tests' live servers, each on its own port, share one provider.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(readFileSync(config.accounts_file, 'utf8'));
const CLAIMS = ['SubjectNameID', 'given_name', 'family_name', 'SubjectRefPro', 'SubjectOrganization',
  'preferred_username'];

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;background:#f5f5fe;margin:0}main{max-width:26rem;margin:3rem auto;
background:#fff;padding:2rem;border-radius:4px;box-shadow:0 2px 6px rgba(0,0,0,.15)}h1{color:#000091;
font-size:1.4rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.6rem 1rem;background:#000091;color:#fff;border:0;cursor:pointer}
.error{color:#ce0500}</style></head><body><main><p>Pro Santé Connect (fournisseur de test)</p>
<h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function loginForm(uid, error = '', login = '') {
  return page('Connexion avec votre e-CPS', `
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="login">Identifiant national</label><input id="login" name="login" value="${escape(login)}" autofocus>
<label for="password">Code e-CPS</label><input id="password" name="password" type="password">
<button type="submit">Valider</button></form>
<p><a href="/interaction/${uid}/abort">Annuler</a></p>`);
}

function consentForm(uid, client) {
  return page('Autorisation', `
<p>« ${escape(client.clientName || client.clientId)} » souhaite connaître votre identité de professionnel de santé.</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autoriser</button></form>
<p><a href="/interaction/${uid}/abort">Refuser</a></p>`);
}

// The interactions (login, consent) are this file's own pages, as a real provider's are.
async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  const client = await provider.Client.find(params.client_id);
  if (action === '' ) {
    return send(res, 200, prompt.name === 'login' ? loginForm(uid) : consentForm(uid, client));
  }
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  if (req.method !== 'POST') return send(res, 405, page('Erreur', '<p>Méthode refusée.</p>'));
  const form = await readForm(req);
  if (action === 'login' && prompt.name === 'login') {
    const login = form.get('login') || '';
    const account = accounts()[login];
    if (!account || account.password !== form.get('password')) {
      return send(res, 200, loginForm(uid, 'Identifiant ou code e-CPS incorrect.', login));
    }
    return provider.interactionFinished(req, res, {
      login: { accountId: account.claims.SubjectNameID, acr: account.acr || 'eidas1', amr: ['mfa'] },
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
  }
  return send(res, 400, page('Erreur', '<p>Étape inattendue.</p>'));
}

function findAccount(_ctx, sub) {
  const entry = Object.values(accounts()).find((a) => a.claims.SubjectNameID === sub);
  if (!entry) return undefined;
  return { accountId: sub, claims: async () => ({ sub, ...entry.claims }) };
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      client_name: 'Relais Santé',
      application_type: 'native', // loopback redirect URIs on any port (RFC 8252, section 7.3)
      redirect_uris: ['http://127.0.0.1/login/psc/retour'],
      post_logout_redirect_uris: ['http://127.0.0.1/login'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      userinfo_signed_response_alg: 'RS256', // PSC answers userinfo as a signed JWT
    }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-psc', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'scope_all'],
    claims: { openid: ['sub'], scope_all: CLAIMS },
    acrValues: ['eidas1', 'test-weak'], // test-weak: an account's "acr" in the file, below PSC's level
    pkce: { required: () => true },
    findAccount,
    interactions: { url: (_ctx, interactionRow) => `/interaction/${interactionRow.uid}` },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Like PSC with an id_token_hint: no question asked, the logout form submits itself.
        async logoutSource(ctx, form) {
          ctx.body = page('Déconnexion', `${form}<p>Déconnexion de Pro Santé Connect…</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Se déconnecter</button>
<script>document.getElementById('op.logoutForm').insertAdjacentHTML('beforeend',
'<input type="hidden" name="logout" value="yes">');document.getElementById('op.logoutForm').submit();</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Déconnecté', '<p>Vous êtes déconnecté de Pro Santé Connect.</p>');
        },
      },
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Erreur', `<p class="error">${escape(out.error)} : ${escape(out.error_description || '')}</p>`);
    },
  });
  // The loopback rule holds for the way back after logout too, as in oidc-provider 9 (8 matches ports exactly).
  const { postLogoutRedirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.postLogoutRedirectUriAllowed = function loopbackAnyPort(value) {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (url && url.protocol === 'http:' && url.hostname === '127.0.0.1') url.port = '';
    return postLogoutRedirectUriAllowed.call(this, url ? url.href : value);
  };
  provider.on('server_error', (_ctx, err) => console.error(err));
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(req.url.split('?')[0]);
    if (!match) return callback(req, res);
    return interaction(provider, req, res, match[1], match[2] || '').catch((err) => {
      send(res, 400, page('Erreur', `<p class="error">${escape(err.message)}</p>`));
    });
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
