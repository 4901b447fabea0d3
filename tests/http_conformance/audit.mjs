// Runs graphql-http's server audits against SHOUHU_AUDIT_URL, sending SHOUHU_AUDIT_TOKEN as
// a bearer token (the service answers documents to signed-in callers only), and prints
// every result as one JSON array on stdout.
import { serverAudits } from "graphql-http";

const url = process.env.SHOUHU_AUDIT_URL;
const token = process.env.SHOUHU_AUDIT_TOKEN;

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  const result = await audit.fn();
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === "ok" ? null : String(result.reason),
  });
}
process.stdout.write(JSON.stringify(results));
