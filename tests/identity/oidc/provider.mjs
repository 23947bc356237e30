// A real OpenID provider for the test suite: the certified `oidc-provider` package (npm, pinned
// in package-lock.json) on loopback, configured by a JSON file the tests write:
//   node provider.mjs config.json
// The config gives the issuer and port, signing keys (JWKS, private), clients, accounts with the
// claims of the shape under test (Keycloak or Entra ID), and API resources (JWT access tokens).
// Interactions are a plain login form (account name only: the tests are about tokens, not
// passwords); consent is granted for the first-party clients. Prints "ready <issuer>" when up.
import fs from 'node:fs';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;

function accountClaims(id) {
  const account = accounts[id];
  return { sub: id, ...account.claims };
}

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['zorgpad-test-provider-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
  claims: config.claims,
  acrValues: ['1', '2'],
  conformIdTokenClaims: false,
  subjectTypes: ['public', 'pairwise'],
  // Entra ID's `sub` differs per application (pairwise); `oid` stays the same.
  pairwiseIdentifier: async (ctx, accountId, client) =>
    createHash('sha256').update(`${client.sectorIdentifier}|${accountId}|zorgpad-test-salt`).digest('hex'),
  clockTolerance: 5,
  ttl: {
    AccessToken: config.ttl || 600,
    IdToken: config.ttl || 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html><body><h1>Uitloggen bij de provider</h1>${form}
          <button id="provider-logout" type="submit" form="op.logoutForm" name="logout" value="yes">Uitloggen</button>
          </body></html>`;
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = '<!doctype html><html><body><h1 id="provider-logged-out">Uitgelogd</h1></body></html>';
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        const server = config.resources[resource];
        if (!server) throw new Error(`unknown resource ${resource}`);
        return {
          scope: server.scope,
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: config.ttl || 600,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  findAccount: async (ctx, id) => {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => accountClaims(id) };
  },
  // JWT access tokens carry what the API needs about the user (as Keycloak and Entra ID do).
  extraTokenClaims: async (ctx, token) => {
    if (token.kind !== 'AccessToken' || !token.accountId || !accounts[token.accountId]) return undefined;
    const account = accounts[token.accountId];
    const { sub, ...claims } = accountClaims(token.accountId);
    return { ...claims, ...(account.mfa || {}) };
  },
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups offline_access');
    for (const [resource, server] of Object.entries(config.resources)) {
      grant.addResourceScope(resource, server.scope);
    }
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The back-channel logout goes to Zorgpad on loopback, which the provider's SSRF guard refuses
  // by default (a real provider calls a real host); the guard is lifted for this test only.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><body><h1 id="provider-error">${out.error}</h1><p>${out.error_description || ''}</p></body></html>`;
  },
});
provider.proxy = false;
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('backchannel.error', (ctx, err, client) => console.error('backchannel.error', client.clientId, err));
provider.on('backchannel.success', (ctx, client) => console.log('backchannel.success', client.clientId));

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST' && match[2]) {
      const form = await readForm(req);
      const id = form.get('login');
      if (!accounts[id]) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><p id="unknown">Onbekende gebruiker</p>');
      }
      const mfa = accounts[id].mfa || {};
      const login = { accountId: id };
      if (mfa.amr) login.amr = mfa.amr;
      if (mfa.acr) login.acr = mfa.acr;
      return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(`<!doctype html><html><body><h1>Inloggen bij ${config.name}</h1>
      <p>${details.prompt.name}</p>
      <form method="post" action="/interaction/${details.uid}/login">
        <label for="login">Account</label><input id="login" name="login" autofocus>
        <button id="provider-submit" type="submit">Inloggen</button>
      </form></body></html>`);
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    return res.end(String(err));
  }
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${config.issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
