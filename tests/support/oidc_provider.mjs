// A real OpenID provider on loopback for the single sign-on tests:
// npm oauth2-mock-server (installed by scripts/setup --test), whose
// /authorize answers at once with a code. A small control server on a second
// port says what the next ID token holds and how to spoil it:
//   POST /next {"claims": {...}, "spoil": "signature"|"audience"|"issuer"|"expired"|"nonce"|null}
//   POST /fail {"error": "invalid_client"}   the next token request fails so
// Prints one line of JSON ({"issuer": …, "control": …}) once both listen.
//
//   node oidc_provider.mjs PORT   (0: any free port)
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(process.env.OIDC_MOCK_DIR + "/");
const { OAuth2Server } = await import(require.resolve("oauth2-mock-server"));

const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
await server.start(Number(process.argv[2] || 0), "127.0.0.1");
// The address it listens on, not "localhost" (which may try ::1 first).
server.issuer.url = `http://127.0.0.1:${server.address().port}`;

let next = { claims: {}, spoil: null };
let fail = null;

server.service.on("beforeTokenSigning", (token) => {
  // The ID token is the one with an audience and no scope.
  if (token.payload.scope !== undefined) return;
  Object.assign(token.payload, next.claims);
  switch (next.spoil) {
    case "audience": token.payload.aud = "someone-else"; break;
    case "issuer": token.payload.iss = "http://127.0.0.1:1/other"; break;
    case "expired":
      token.payload.iat = Math.floor(Date.now() / 1000) - 7200;
      token.payload.exp = Math.floor(Date.now() / 1000) - 3600;
      break;
    case "nonce": token.payload.nonce = "a-nonce-from-another-sign-in"; break;
  }
});

server.service.on("beforeResponse", (response) => {
  if (fail) {
    response.statusCode = 401;
    response.body = { error: fail, error_description: "Client authentication failed" };
    fail = null;
    return;
  }
  if (next.spoil === "signature" && response.body.id_token) {
    const [h, p, s] = response.body.id_token.split(".");
    // Same header and payload, a signature that is not theirs.
    const bad = (s[0] === "A" ? "B" : "A") + s.slice(1);
    response.body.id_token = [h, p, bad].join(".");
  }
});

const control = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const json = body ? JSON.parse(body) : {};
    if (req.url === "/next") next = { claims: json.claims || {}, spoil: json.spoil || null };
    else if (req.url === "/fail") fail = json.error || "invalid_client";
    res.writeHead(204);
    res.end();
  });
});
control.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer: server.issuer.url, control: `http://127.0.0.1:${control.address().port}` }));
});
