// The original workflow builder's browser client, replayed against apconn.
//
// The calls below are the ones the original's lib/api-client.ts (commit
// af0127ce) makes for app connections, its integration adapter, pieces and
// the workflow calls that carry connection references: the same methods,
// paths, query strings (built with URLSearchParams in the same order) and
// JSON bodies (keys in the same order, undefined keys left out), with the
// headers the browser sends (Content-Type: application/json on every call,
// the session cookie, an Origin on anything but GET).  Each answer is
// checked for the fields and types that client reads; every failure must
// carry "error" as a string, the only field its apiCall reads.
//
// usage: node contract-client.js BASE_URL
// environment: CONTRACT_COOKIE (the session cookie, "name=value"),
// CONTRACT_ORIGIN, CONTRACT_FOREIGN_ID (another user's connection id).
// Prints "ok - ..." / "not ok - ..." lines; exits 1 if any failed.
"use strict";
const fs = require("fs");
const http = require("http");

const base = new URL(process.argv[2]);
const cookie = process.env.CONTRACT_COOKIE || "";
const origin = process.env.CONTRACT_ORIGIN || "";
const foreignId = process.env.CONTRACT_FOREIGN_ID || "";
let failures = 0;

function ok(cond, what) {
	if (cond)
		console.log(`ok - ${what}`);
	else {
		failures++;
		console.log(`not ok - ${what}`);
	}
	return cond;
}

// Each answer is kept for the check against openapi.yaml when the test
// harness asks for it (APCONN_ANSWERS, tests/integration/lib.sh).
let recorded = 0;
function record(method, path, res, text) {
	const dir = process.env.APCONN_ANSWERS;
	if (!dir)
		return;
	const name = `c.${process.pid}.${++recorded}`;
	fs.writeFileSync(`${dir}/${name}`, text);
	fs.appendFileSync(`${dir}/index`, [name, method, path, res.statusCode,
	    res.headers["content-type"] || ""].join("\t") + "\n");
}

// The browser's request: what apiCall() sends.
function request(method, path, body, opts = {}) {
	const headers = { "Content-Type": "application/json" };
	if (opts.cookie !== null && (opts.cookie || cookie))
		headers.Cookie = opts.cookie || cookie;
	if (method !== "GET" && method !== "HEAD" && (opts.origin || origin))
		headers.Origin = opts.origin || origin;
	if (body !== undefined)
		headers["Content-Length"] = Buffer.byteLength(body);
	return new Promise((resolve, reject) => {
		const req = http.request({ host: base.hostname, port: base.port,
		    method, path, headers }, (res) => {
			let text = "";
			res.setEncoding("utf8");
			res.on("data", (c) => { text += c; });
			res.on("end", () => {
				record(method, path, res, text);
				let json;
				try { json = JSON.parse(text); } catch (e) { json = undefined; }
				resolve({ status: res.statusCode, json, text });
			});
		});
		req.on("error", reject);
		if (body !== undefined)
			req.write(body);
		req.end();
	});
}

// apiCall(endpoint, {method, body}) as the client has it: a non-2xx
// answer becomes ApiError(status, body.error || "Request failed").
async function apiCall(label, endpoint, options = {}, callOpts = {}) {
	const r = await request(options.method || "GET", endpoint, options.body,
	    callOpts);
	if (r.status < 200 || r.status > 299) {
		ok(r.json !== undefined && typeof r.json.error === "string" &&
		    r.json.error.length > 0,
		    `${label}: the ${r.status} answer has "error" as a string`);
		const e = new Error(r.json && r.json.error || "Request failed");
		e.status = r.status;
		e.body = r.json;
		throw e;
	}
	ok(r.json !== undefined, `${label}: ${r.status} with a JSON body`);
	return r.json;
}

// A call that must fail with this status (and an error string).
async function apiFails(label, status, endpoint, options, callOpts) {
	try {
		await apiCall(label, endpoint, options, callOpts);
		ok(false, `${label}: succeeded, want ${status}`);
	} catch (e) {
		ok(e.status === status, `${label}: status ${e.status}, want ${status}`);
		return e;
	}
	return null;
}

// Type checks for what the client reads.
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const is = {
	string: (v) => typeof v === "string",
	stringOrNull: (v) => v === null || typeof v === "string",
	boolean: (v) => typeof v === "boolean",
	booleanOrNull: (v) => v === null || typeof v === "boolean",
	number: (v) => typeof v === "number",
	iso: (v) => typeof v === "string" && ISO.test(v) && !isNaN(Date.parse(v)),
	object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
	objectOrNull: (v) => v === null || (typeof v === "object" && !Array.isArray(v)),
	array: (v) => Array.isArray(v),
	strings: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
	any: () => true,
	oneOf: (...xs) => (v) => xs.includes(v),
};

function shape(label, v, spec) {
	if (!ok(is.object(v), `${label}: an object`))
		return false;
	let good = true;
	for (const [k, t] of Object.entries(spec)) {
		if (!(k in v) && t !== is.any) {
			good = ok(false, `${label}: has ${k}`) && good;
			continue;
		}
		if (!t(v[k]))
			good = ok(false, `${label}: ${k} has the client's type (got ${JSON.stringify(v[k])})`) && good;
	}
	if (good)
		ok(true, `${label}: fields and types as the client reads them`);
	return good;
}

const CONN_TYPES = ["OAUTH2", "PLATFORM_OAUTH2", "CLOUD_OAUTH2", "SECRET_TEXT",
    "BASIC_AUTH", "CUSTOM_AUTH", "NO_AUTH"];
// AppConnection (lib/api-client.ts) = AppConnectionWithoutSensitiveData
// + createdAt/updatedAt strings.
const APP_CONNECTION = {
	id: is.string, externalId: is.string, type: is.oneOf(...CONN_TYPES),
	scope: is.oneOf("PROJECT", "PLATFORM"), pieceName: is.string,
	displayName: is.string, projectIds: is.strings,
	platformId: is.stringOrNull, status: is.oneOf("ACTIVE", "MISSING", "ERROR"),
	ownerId: is.stringOrNull, metadata: is.objectOrNull,
	pieceVersion: is.string, createdAt: is.iso, updatedAt: is.iso,
};
const TEST_RESULT = { status: is.oneOf("success", "error"), message: is.string };
const PIECE = {
	id: is.string, name: is.string, authors: is.strings, displayName: is.string,
	logoUrl: is.string, description: is.stringOrNull, platformId: is.stringOrNull,
	version: is.string, minimumSupportedRelease: is.string,
	maximumSupportedRelease: is.string, auth: is.any, actions: is.object,
	triggers: is.object, pieceType: is.string, categories: is.strings,
	packageType: is.string, i18n: is.any, createdAt: is.iso, updatedAt: is.iso,
};
// DESIGN.md section 6: the list's summaries count actions and triggers.
const PIECE_SUMMARY = Object.assign({}, PIECE, { actions: is.number, triggers: is.number });
const SAVED_WORKFLOW = {
	id: is.string, name: is.string, visibility: is.oneOf("private", "public"),
	createdAt: is.iso, updatedAt: is.iso, nodes: is.array, edges: is.array,
};

function shapeConnection(label, c) {
	return shape(label, c, APP_CONNECTION);
}

// ---- The client, as lib/api-client.ts builds its requests ----

const appConnectionApi = {
	list: (query) => {
		const search = new URLSearchParams();
		search.set("projectId", query && query.projectId ? query.projectId : "default");
		if (query && query.pieceName) search.set("pieceName", query.pieceName);
		if (query && query.displayName) search.set("displayName", query.displayName);
		if (query && query.scope) search.set("scope", query.scope);
		if (query && query.status)
			for (const s of query.status) search.append("status", s);
		if (query && query.limit) search.set("limit", String(query.limit));
		return apiCall("appConnection.list", `/api/app-connections?${search.toString()}`);
	},
	get: (id) => apiCall("appConnection.get", `/api/app-connections/${id}`),
	upsert: (body) => apiCall("appConnection.upsert", "/api/app-connections",
	    { method: "POST", body: JSON.stringify(body) }),
	update: (id, body) => apiCall("appConnection.update", `/api/app-connections/${id}`,
	    { method: "POST", body: JSON.stringify(body) }),
	delete: (id) => apiCall("appConnection.delete", `/api/app-connections/${id}`,
	    { method: "DELETE" }),
	test: (body) => apiCall("appConnection.test", "/api/app-connections/test",
	    { method: "POST", body: JSON.stringify(body) }),
	testExisting: (id) => apiCall("appConnection.testExisting",
	    `/api/app-connections/${id}/test`, { method: "POST" }),
	oauth2Start: (body) => apiCall("appConnection.oauth2Start",
	    "/api/app-connections/oauth2/start", { method: "POST", body: JSON.stringify(body) }),
};

const pieceApi = {
	list: (params) => {
		const search = new URLSearchParams();
		if (params && params.searchQuery) search.set("searchQuery", params.searchQuery);
		if (params && params.limit) search.set("limit", String(params.limit));
		if (params && params.categories)
			for (const c of params.categories) search.append("categories", c);
		const query = search.toString();
		return apiCall("piece.list", `/api/pieces${query ? `?${query}` : ""}`);
	},
	get: (name, version) => apiCall("piece.get", `/api/pieces/${encodeURIComponent(name)}${
	    version ? `?version=${encodeURIComponent(version)}` : ""}`),
};

function createExternalId(type) {
	return `${type}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
}

function mapAppConnectionToIntegration(c) {
	return { id: c.id, externalId: c.externalId, name: c.displayName,
	    type: c.pieceName, isManaged: false, createdAt: c.createdAt,
	    updatedAt: c.updatedAt };
}

function mapConnectionValueToConfig(value) {
	switch (value.type) {
	case "CUSTOM_AUTH":
		return Object.fromEntries(Object.entries(value.props || {}).map(([k, v]) =>
		    [k, v === undefined || v === null ? undefined : String(v)]));
	case "SECRET_TEXT":
		return { secret_text: value.secret_text };
	case "BASIC_AUTH":
		return { username: value.username, password: value.password };
	case "OAUTH2":
		return { client_id: value.client_id, client_secret: value.client_secret,
		    redirect_url: value.redirect_url, scope: value.scope };
	default:
		return {};
	}
}

const integrationApi = {
	getAll: async (type) => {
		const r = await appConnectionApi.list({ pieceName: type, projectId: "default", limit: 1000 });
		return r.data.map(mapAppConnectionToIntegration);
	},
	get: async (id) => {
		const c = await appConnectionApi.get(id);
		return Object.assign(mapAppConnectionToIntegration(c),
		    { config: mapConnectionValueToConfig(c.value) });
	},
	create: async (data) => {
		const c = await appConnectionApi.upsert({
			externalId: createExternalId(data.type),
			displayName: data.name || data.type,
			pieceName: data.type,
			projectId: "default",
			type: "CUSTOM_AUTH",
			value: { type: "CUSTOM_AUTH", props: data.config },
		});
		return { raw: c, mapped: mapAppConnectionToIntegration(c) };
	},
	update: async (id, data) => {
		const updated = await apiCall("integration.update", `/api/app-connections/${id}`, {
			method: "POST",
			body: JSON.stringify({ displayName: data.name !== undefined && data.name !== null ? data.name : "",
			    config: data.config }),
		});
		return { raw: updated, mapped: Object.assign(mapAppConnectionToIntegration(updated),
		    { config: data.config || {} }) };
	},
	delete: (id) => appConnectionApi.delete(id),
	testConnection: (id) => appConnectionApi.testExisting(id),
	testCredentials: (data) => appConnectionApi.test({
		externalId: createExternalId(data.type),
		displayName: data.type,
		pieceName: data.type,
		projectId: "default",
		type: "CUSTOM_AUTH",
		value: { type: "CUSTOM_AUTH", props: data.config },
	}),
};

const workflowApi = {
	getAll: () => apiCall("workflow.getAll", "/api/workflows"),
	getById: (id) => apiCall("workflow.getById", `/api/workflows/${id}`),
	create: (w) => apiCall("workflow.create", "/api/workflows/create",
	    { method: "POST", body: JSON.stringify(w) }),
	update: (id, w) => apiCall("workflow.update", `/api/workflows/${id}`,
	    { method: "PATCH", body: JSON.stringify(w) }),
	delete: (id) => apiCall("workflow.delete", `/api/workflows/${id}`, { method: "DELETE" }),
	duplicate: (id) => apiCall("workflow.duplicate", `/api/workflows/${id}/duplicate`,
	    { method: "POST" }),
	getCurrent: () => apiCall("workflow.getCurrent", "/api/workflows/current"),
	saveCurrent: (nodes, edges) => apiCall("workflow.saveCurrent", "/api/workflows/current",
	    { method: "POST", body: JSON.stringify({ nodes, edges }) }),
};

const userApi = {
	get: () => apiCall("user.get", "/api/user"),
};

// ---- The replay: a user's session in the UI ----

async function main() {
	// The header menu asks who is signed in.
	const me = await userApi.get();
	shape("user.get", me, { id: is.string, name: is.stringOrNull,
	    email: is.stringOrNull, image: is.stringOrNull,
	    isAnonymous: is.booleanOrNull, providerId: is.stringOrNull });

	// Pieces.
	const pieces = await pieceApi.list();
	ok(is.array(pieces) && pieces.length > 0, "piece.list(): an array of pieces");
	pieces.forEach((p, i) => shape(`piece.list()[${i}] (${p && p.name})`, p, PIECE_SUMMARY));
	const some = await pieceApi.list({ searchQuery: "open", categories: ["ARTIFICIAL_INTELLIGENCE", "developer_tools"], limit: 10 });
	ok(is.array(some), "piece.list({searchQuery, categories, limit}): an array");
	ok(some.length === 1 && some[0].name === "openai",
	    "piece.list({searchQuery: open, categories, limit}): openai only");
	const full = await pieceApi.get("@activepieces/piece-openai");
	shape("piece.get(@activepieces/piece-openai)", full, PIECE);
	ok(full.name === "openai" && full.version === "0.10.1", "piece.get: the newest openai");
	const old = await pieceApi.get("openai", "0.3.0");
	ok(old.version === "0.3.0", "piece.get(openai, 0.3.0): that version");
	const np = await apiFails("piece.get(unknown)", 404, `/api/pieces/${encodeURIComponent("no-such-piece")}`);
	ok(np && np.body.error === "Piece not found", "piece.get(unknown): the original's text");

	// Settings -> Connections: the integrations manager.
	let all = await integrationApi.getAll();
	ok(is.array(all) && all.length === 0, "integration.getAll(): nothing yet");
	const list0 = await appConnectionApi.list({ projectId: "default", limit: 1000 });
	shape("appConnection.list answer", list0, { data: is.array, next: is.stringOrNull, previous: is.stringOrNull });

	// Add connection: test the credentials, then create.
	const t1 = await integrationApi.testCredentials({ type: "openai", config: { apiKey: "sk-contract-1" } });
	shape("integration.testCredentials(openai)", t1, TEST_RESULT);
	const t2 = await integrationApi.testCredentials({ type: "postgres", config: { host: "db" } });
	shape("integration.testCredentials(postgres, a required prop missing)", t2, TEST_RESULT);
	ok(t2.status === "error" && t2.message.length > 0,
	    "a failed test is a 200 with status error and a message the overlay shows");
	const ai = await integrationApi.create({ name: "My OpenAI", type: "openai", config: { apiKey: "sk-contract-1" } });
	shapeConnection("integration.create(openai)", ai.raw);
	ok(ai.mapped.name === "My OpenAI" && ai.mapped.type === "openai" && ai.raw.type === "CUSTOM_AUTH",
	    "integration.create: the adapter's mapping reads back name and type");
	const db = await integrationApi.create({ name: "", type: "database", config: { url: "postgres://u:p@h/d" } });
	ok(db.mapped.name === "database", "integration.create without a name: named by its type");
	const resend = await integrationApi.create({ name: "Mail", type: "resend", config: { apiKey: "re-1", fromEmail: "a@b.c" } });
	ok(resend.raw.metadata && resend.raw.metadata.validated === false,
	    "a legacy type no piece describes is kept, marked unvalidated");
	const wh = await integrationApi.create({ name: "Warehouse", type: "postgres",
	    config: { host: "db", port: "5432", password: "pw-1" } });
	all = await integrationApi.getAll();
	ok(all.length === 4, "integration.getAll(): four");
	all.forEach((x, i) => shape(`integration.getAll()[${i}]`, x, { id: is.string,
	    externalId: is.string, name: is.string, type: is.string, isManaged: is.boolean,
	    createdAt: is.iso, updatedAt: is.iso }));
	const onlyAi = await integrationApi.getAll("openai");
	ok(onlyAi.length === 1 && onlyAi[0].id === ai.raw.id, "integration.getAll(openai): filtered by piece");

	// integration.get (unused by the UI at af0127ce, but part of the client).
	const got = await integrationApi.get(wh.raw.id);
	ok(is.object(got.config) && got.config.host === "db" && got.config.port === "5432",
	    "integration.get: config from the value's props");
	ok(got.config.password === undefined, "integration.get: the secret stays on the server (README)");

	// Edit connection: the overlay sends only what the user typed.
	const ed1 = await integrationApi.update(wh.raw.id, { name: "Warehouse 2", config: { password: "pw-2" } });
	shapeConnection("integration.update(name, config)", ed1.raw);
	ok(ed1.raw.displayName === "Warehouse 2", "integration.update: renamed");
	const ed2 = await integrationApi.update(wh.raw.id, { name: "", config: { host: "db2" } });
	ok(ed2.raw.displayName === "Warehouse 2", "integration.update with an empty name keeps the name");
	const ed3 = await integrationApi.update(wh.raw.id, { name: "Warehouse 3" });
	ok(ed3.raw.displayName === "Warehouse 3", "integration.update with a name only renames");
	const again = await integrationApi.get(wh.raw.id);
	ok(again.config.host === "db2" && again.config.port === "5432",
	    "integration.update: the typed field changed, the others kept");
	const tc = await integrationApi.testConnection(wh.raw.id);
	shape("integration.testConnection", tc, TEST_RESULT);

	// The app connection API.
	const up = await appConnectionApi.upsert({ externalId: "openai-main", displayName: "OpenAI main",
	    pieceName: "@activepieces/piece-openai", projectId: "default", type: "SECRET_TEXT",
	    value: { type: "SECRET_TEXT", secret_text: "sk-main-1" } });
	shapeConnection("appConnection.upsert(SECRET_TEXT)", up);
	ok(up.pieceName === "openai" && up.externalId === "openai-main", "appConnection.upsert: short piece name, external id");
	const up2 = await appConnectionApi.upsert({ externalId: "openai-main", displayName: "OpenAI main",
	    pieceName: "openai", projectId: "default", pieceVersion: "0.3.0", metadata: { a: 1 },
	    type: "SECRET_TEXT", value: { type: "SECRET_TEXT", secret_text: "sk-main-2" } });
	ok(up2.id === up.id && up2.pieceVersion === "0.3.0", "appConnection.upsert again: the same connection");
	const ren = await appConnectionApi.update(up.id, { displayName: "OpenAI (main)", metadata: { team: "x" } });
	shapeConnection("appConnection.update(displayName, metadata)", ren);
	ok(ren.displayName === "OpenAI (main)" && ren.metadata && ren.metadata.team === "x",
	    "appConnection.update: renamed, metadata set");
	const one = await appConnectionApi.get(up.id);
	shape("appConnection.get", one, Object.assign({ value: is.object }, APP_CONNECTION));
	ok(one.value.type === "SECRET_TEXT", "appConnection.get: value.type");
	const filtered = await appConnectionApi.list({ projectId: "default", pieceName: "openai",
	    displayName: "openai", scope: "PROJECT", status: ["ACTIVE", "ERROR"], limit: 50 });
	ok(filtered.data.length === 2, "appConnection.list(pieceName, displayName, scope, status x2, limit)");
	filtered.data.forEach((c, i) => shapeConnection(`appConnection.list().data[${i}]`, c));
	const tt = await appConnectionApi.test({ externalId: "x", displayName: "x", pieceName: "openai",
	    projectId: "default", type: "SECRET_TEXT", value: { type: "SECRET_TEXT", secret_text: "sk-x" } });
	shape("appConnection.test", tt, TEST_RESULT);
	const te = await appConnectionApi.testExisting(up.id);
	shape("appConnection.testExisting", te, TEST_RESULT);
	const oa = await appConnectionApi.oauth2Start({ pieceName: "slack", clientId: "client-1",
	    redirectUrl: "https://app.example/oauth/callback" });
	shape("appConnection.oauth2Start", oa, { authorizationUrl: is.string, state: is.string,
	    codeVerifier: is.string, codeChallenge: is.string });
	ok(/^https:\/\/slack\.com\//.test(oa.authorizationUrl) && oa.authorizationUrl.includes(`state=${oa.state}`),
	    "appConnection.oauth2Start: the provider's URL with the state");
	const cb = await apiCall("oauth2 callback (the provider's redirect)",
	    `/api/app-connections/oauth2/callback?code=abc&state=${oa.state}`);
	shape("oauth2 callback", cb, { status: is.oneOf("success"), code: is.string, state: is.stringOrNull });

	// The client-held OAuth2 flow: start, the provider sends the browser
	// back to the callback, the client posts the code with the verifier
	// (as value.code_challenge, Activepieces' naming) and the server
	// exchanges it.
	const ob = { pieceName: "acme", clientId: "client-1", redirectUrl: "https://app.example/oauth/callback" };
	const o2 = await appConnectionApi.oauth2Start(ob);
	const back2 = await apiCall("oauth2 callback (acme)",
	    `/api/app-connections/oauth2/callback?code=good-code&state=${o2.state}`);
	const withCode = (code) => ({ externalId: "acme-main", displayName: "Acme", pieceName: "acme",
	    projectId: "default", type: "OAUTH2", value: { type: "OAUTH2", client_id: ob.clientId,
	    client_secret: "client-secret-1", redirect_url: ob.redirectUrl, code, scope: "",
	    code_challenge: o2.codeVerifier } });
	const tested = await appConnectionApi.test(withCode("wrong-code"));
	shape("appConnection.test(OAUTH2 with a bad code)", tested, TEST_RESULT);
	ok(tested.status === "error", "appConnection.test: a refused code is status error");
	const acme = await appConnectionApi.upsert(withCode(back2.code));
	shapeConnection("appConnection.upsert(OAUTH2 with a code)", acme);
	ok(acme.type === "OAUTH2" && acme.status === "ACTIVE", "appConnection.upsert: the code was exchanged");
	const acmeRead = await appConnectionApi.get(acme.id);
	ok(acmeRead.value.type === "OAUTH2" && acmeRead.value.access_token === undefined &&
	    acmeRead.value.client_id === "client-1", "appConnection.get(OAUTH2): no token in the answer (README)");
	await apiFails("appConnection.upsert(OAUTH2 with a refused code)", 400, "/api/app-connections",
	    { method: "POST", body: JSON.stringify(withCode("wrong-code")) });
	const gone = await appConnectionApi.delete(acme.id);
	ok(gone.success === true, "appConnection.delete(OAUTH2)");

	// Failures: each carries "error" as a string (checked in apiCall).
	await apiFails("appConnection.get(unknown)", 404, "/api/app-connections/zzzzzzzzzzzzzzzzzzzzz");
	await apiFails("appConnection.update(unknown)", 404, "/api/app-connections/zzzzzzzzzzzzzzzzzzzzz",
	    { method: "POST", body: JSON.stringify({ displayName: "x" }) });
	await apiFails("appConnection.delete(unknown)", 404, "/api/app-connections/zzzzzzzzzzzzzzzzzzzzz",
	    { method: "DELETE" });
	await apiFails("appConnection.testExisting(unknown)", 404, "/api/app-connections/zzzzzzzzzzzzzzzzzzzzz/test",
	    { method: "POST" });
	await apiFails("appConnection.upsert without a value", 400, "/api/app-connections",
	    { method: "POST", body: JSON.stringify({ externalId: "e", displayName: "d", pieceName: "openai",
	    projectId: "default", type: "SECRET_TEXT" }) });
	await apiFails("appConnection.upsert CLOUD_OAUTH2", 400, "/api/app-connections",
	    { method: "POST", body: JSON.stringify({ externalId: "e", displayName: "d", pieceName: "slack",
	    projectId: "default", type: "CLOUD_OAUTH2", value: { type: "CLOUD_OAUTH2", client_id: "c", code: "x", scope: "" } }) });
	await apiFails("appConnection.test without a type", 400, "/api/app-connections/test",
	    { method: "POST", body: JSON.stringify({ pieceName: "openai" }) });
	await apiFails("appConnection.oauth2Start without a clientId", 400, "/api/app-connections/oauth2/start",
	    { method: "POST", body: JSON.stringify({ pieceName: "slack", redirectUrl: "https://app.example/cb" }) });
	await apiFails("a body that is not JSON", 400, "/api/app-connections",
	    { method: "POST", body: "{not json" });
	await apiFails("appConnection.list without a session", 401, "/api/app-connections?projectId=default",
	    {}, { cookie: null });
	await apiFails("appConnection.upsert from another origin", 403, "/api/app-connections",
	    { method: "POST", body: JSON.stringify({ externalId: "e" }) }, { origin: "https://evil.example" });
	const nf = await apiFails("appConnection.get(unknown): text", 404, "/api/app-connections/zzzzzzzzzzzzzzzzzzzzy");
	ok(nf && nf.body.error === "Connection not found", "the original's \"Connection not found\"");

	// Workflows that carry connection references.
	const trigger = { id: "trigger-1", type: "trigger", position: { x: 0, y: 0 },
	    data: { label: "", description: "", type: "trigger", config: { triggerType: "Manual" }, status: "idle" } };
	const action = { id: "action-1", type: "action", position: { x: 0, y: 100 },
	    data: { label: "Generate", type: "action", status: "idle",
	    config: { actionType: "openai/generate-text", integrationId: up.id,
	    auth: "{{connections['openai-main']}}", prompt: "hello" } } };
	const legacy = { id: "action-2", type: "action", position: { x: 0, y: 200 },
	    data: { label: "Mail", type: "action", config: { actionType: "resend/send-email",
	    integrationId: resend.raw.id } } };
	const edges = [{ id: "e1", source: "trigger-1", target: "action-1" },
	    { id: "e2", source: "action-1", target: "action-2" }];
	const wf = await workflowApi.create({ name: "Contract flow", description: "", nodes: [trigger, action, legacy], edges });
	shape("workflow.create", wf, SAVED_WORKFLOW);
	ok(wf.nodes.length === 3 && wf.nodes[1].data.config.auth === "{{connections['openai-main']}}",
	    "workflow.create: the nodes come back as sent");
	const ws = await workflowApi.getAll();
	ok(is.array(ws) && ws.some((w) => w.id === wf.id), "workflow.getAll: includes it");
	ws.forEach((w, i) => shape(`workflow.getAll()[${i}]`, w, SAVED_WORKFLOW));
	const byId = await workflowApi.getById(wf.id);
	shape("workflow.getById", byId, Object.assign({ isOwner: is.boolean }, SAVED_WORKFLOW));
	ok(byId.isOwner === true, "workflow.getById: isOwner");
	const usedBy = await appConnectionApi.get(up.id);
	ok(is.array(usedBy.workflowIds) && usedBy.workflowIds.includes(wf.id),
	    "the connection knows the workflow that uses it");
	const cleared = JSON.parse(JSON.stringify(action));
	cleared.data.config.integrationId = undefined;
	cleared.data.config.auth = undefined;
	const upd = await workflowApi.update(wf.id, { nodes: [trigger, cleared, legacy], edges });
	shape("workflow.update(nodes, edges)", upd, Object.assign({ isOwner: is.boolean }, SAVED_WORKFLOW));
	ok(!("auth" in upd.nodes[1].data.config), "workflow.update: a cleared connection is gone");
	const back = await workflowApi.update(wf.id, { nodes: [trigger, action, legacy], edges, name: "Contract flow" });
	ok(back.nodes[1].data.config.integrationId === up.id, "workflow.update: the connection again");
	const vis = await apiFails("workflow.update(bad visibility)", 400, `/api/workflows/${wf.id}`,
	    { method: "PATCH", body: JSON.stringify({ visibility: "friends" }) });
	ok(vis && vis.body.error === "Invalid visibility value. Must be 'private' or 'public'",
	    "the original's visibility text");
	if (foreignId) {
		const bad = JSON.parse(JSON.stringify(action));
		bad.data.config.integrationId = foreignId;
		bad.data.config.auth = undefined;
		const f = await apiFails("workflow.create with another user's connection", 403, "/api/workflows/create",
		    { method: "POST", body: JSON.stringify({ name: "Foreign", nodes: [trigger, bad], edges: [] }) });
		ok(f && f.body.error === "Invalid integration references in workflow",
		    "the original's \"Invalid integration references in workflow\"");
		await apiFails("workflow.update with another user's connection", 403, `/api/workflows/${wf.id}`,
		    { method: "PATCH", body: JSON.stringify({ nodes: [trigger, bad], edges: [] }) });
	}
	const dup = await workflowApi.duplicate(wf.id);
	shape("workflow.duplicate", dup, Object.assign({ isOwner: is.boolean }, SAVED_WORKFLOW));
	ok(dup.name === "Contract flow (Copy)" && dup.id !== wf.id, "workflow.duplicate: \"X (Copy)\"");
	const cur0 = await workflowApi.getCurrent();
	shape("workflow.getCurrent", cur0, { nodes: is.array, edges: is.array });
	const cur = await workflowApi.saveCurrent([trigger, action], [edges[0]]);
	shape("workflow.saveCurrent", cur, { id: is.string, nodes: is.array, edges: is.array });
	const cur1 = await workflowApi.getCurrent();
	ok(cur1.id === cur.id && cur1.nodes.length === 2, "workflow.getCurrent: what was saved");
	const wnf = await apiFails("workflow.getById(unknown)", 404, "/api/workflows/zzzzzzzzzzzzzzzzzzzzz");
	ok(wnf && wnf.body.error === "Workflow not found", "the original's \"Workflow not found\"");
	await apiFails("workflow.create without nodes", 400, "/api/workflows/create",
	    { method: "POST", body: JSON.stringify({ name: "x", edges: [] }) });

	// Delete: the connection screen deletes even a connection in use.
	const del = await integrationApi.delete(up.id);
	shape("appConnection.delete (in use)", del, { success: is.boolean });
	ok(del.success === true, "appConnection.delete: success");
	await apiFails("appConnection.get after delete", 404, `/api/app-connections/${up.id}`);
	for (const x of [ai.raw, db.raw, resend.raw, wh.raw]) {
		const d = await integrationApi.delete(x.id);
		ok(d.success === true, `integration.delete(${x.pieceName})`);
	}
	const wd = await workflowApi.delete(dup.id);
	shape("workflow.delete", wd, { success: is.boolean });
	const none = await integrationApi.getAll();
	ok(none.length === 0, "integration.getAll(): empty again");
	// Without a session the workflow list is empty, not an error.
	const anon = await apiCall("workflow.getAll without a session", "/api/workflows", {}, { cookie: null });
	ok(is.array(anon) && anon.length === 0, "workflow.getAll without a session: 200 []");
}

main().then(() => {
	console.log(`# ${failures} failed`);
	process.exit(failures ? 1 : 0);
}, (e) => {
	console.log(`not ok - the replay stopped: ${e.message} (status ${e.status || "-"}) ${e.body ? JSON.stringify(e.body) : ""}`);
	process.exit(1);
});
