// An OpenID provider with a real sign-in page, for the browser test of single
// sign-on: npm oidc-provider (installed by scripts/setup --test) with its
// development interactions (a login form that takes any login and password,
// then a consent page). The login typed becomes the subject and the email
// address; every account is verified and in the group "floor-staff".
//
//   node oidc_login_provider.mjs REDIRECT_URI   prints {"issuer": …} once listening
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(process.env.OIDC_MOCK_DIR + "/");
const { default: Provider } = await import(require.resolve("oidc-provider"));

const redirect = process.argv[2];
const free = await new Promise((resolve) => {
  const s = http.createServer();
  s.listen(0, "127.0.0.1", () => {
    const port = s.address().port;
    s.close(() => resolve(port));
  });
});
const issuer = `http://127.0.0.1:${free}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "rapport-e2e-login",
      client_secret: "e2e-login-secret",
      redirect_uris: [redirect],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "groups"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  // The claims in the ID token itself (Rapport reads no userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["rapport-e2e-cookie-key"] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: sub, email_verified: true, name: "Lee Login", groups: ["floor-staff"] }),
  }),
});
provider.listen(free, "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer }));
});
