// The suite's stand-in for third-party services, on 127.0.0.1 only.
//   node upstream.js --port-file FILE [--max-seconds N] [--fixtures DIR]
//                    [--piece-delay MS]
// Routes:
//   /ok                 200 {"ok":true}
//   /status/NNN         answers NNN
//   /echo               the request (method, url, headers, body) as JSON
//   /hang               accepts and never answers
//   /slow?ms=N          answers after N ms
//   /big?bytes=N        a chunked body of N bytes
//   /redirect?to=URL    302 to URL
//   /oauth[/X]/token    an OAuth2 token endpoint (code "good-code")
//   /authorize          an OAuth2 authorization page that approves at
//                       once: 302 to redirect_uri with code (?code=, else
//                       "good-code") and the state; ?deny=ERROR sends
//                       error=ERROR (and the state) instead
//   /lifecycle/token    a strict, stateful token endpoint (below)
//   /lifecycle/mode?set=ok|503|hangup   how it answers from now on
//   /lifecycle/check?token=AT           {"live":BOOL}: AT is unexpired
//   /whoami             200 when the Authorization header is
//                       "Bearer sk-good...", else 401 (a credential probe)
//   /api/v1/pieces...   recorded piece metadata from --fixtures (list.json
//                       and full/NAME@VERSION.json)
// Every request is logged on stdout (method, url, headers) so tests can
// check what apconn sent.  It exits by itself after --max-seconds.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const maxSeconds = Number(args['max-seconds'] || 600);
const fixtures = args.fixtures;
const pieceDelay = Number(args['piece-delay'] || 0);

function send(res, status, body, type) {
	res.writeHead(status, { 'Content-Type': type || 'application/json' });
	res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

// The strict token endpoint's state: client X authenticates as cid-X with
// secret cs-X (body or Basic); code "lc-code" and the client credentials
// grant get an access token at-X-N that lives ?ttl= seconds (default 2);
// refresh tokens rt-X-N rotate: each works once, then invalid_grant.
const lc = { mode: 'ok', n: 0, refresh: new Set(), access: new Map() };

function lifecycleToken(req, res, u, body) {
	if (lc.mode === '503')
		return send(res, 503, { error: 'temporarily_unavailable',
		    error_description: 'The token service is down' });
	if (lc.mode === 'hangup')
		return req.socket.destroy();
	const f = new URLSearchParams(body);
	let id = f.get('client_id') || '', secret = f.get('client_secret') || '';
	const a = req.headers.authorization || '';
	if (a.startsWith('Basic ')) {
		const pair = Buffer.from(a.slice(6), 'base64').toString();
		id = decodeURIComponent(pair.split(':')[0]);
		secret = decodeURIComponent(pair.split(':').slice(1).join(':'));
	}
	if (!id.startsWith('cid-') || secret !== 'cs-' + id.slice(4))
		return send(res, 401, { error: 'invalid_client',
		    error_description: 'Client authentication failed' });
	const who = id.slice(4), ttl = Number(u.searchParams.get('ttl') || 2);
	const issue = (rotate) => {
		lc.n++;
		const o = { access_token: 'at-' + who + '-' + lc.n,
		    token_type: 'Bearer', expires_in: ttl };
		lc.access.set(o.access_token, Date.now() + ttl * 1000);
		if (rotate) {
			o.refresh_token = 'rt-' + who + '-' + lc.n;
			lc.refresh.add(o.refresh_token);
		}
		return send(res, 200, o);
	};
	const grant = f.get('grant_type');
	if (grant === 'refresh_token') {
		if (!lc.refresh.delete(f.get('refresh_token') || ''))
			return send(res, 400, { error: 'invalid_grant',
			    error_description: 'Unknown or used refresh token' });
		return issue(true);
	}
	if (grant === 'client_credentials')
		return issue(false);
	if (grant === 'authorization_code' && f.get('code') === 'lc-code')
		return issue(true);
	return send(res, 400, { error: 'invalid_grant',
	    error_description: 'The code is invalid' });
}

const server = http.createServer((req, res) => {
	let body = '';
	req.on('data', (c) => { body += c; });
	req.on('end', () => {
		console.log(JSON.stringify({ method: req.method, url: req.url,
		    headers: req.headers, body }));
		const u = new URL(req.url, 'http://127.0.0.1');
		const p = u.pathname;
		let m;
		if (p === '/ok')
			return send(res, 200, { ok: true });
		if ((m = p.match(/^\/status\/(\d{3})$/)))
			return send(res, Number(m[1]), { status: Number(m[1]) });
		if (p === '/echo')
			return send(res, 200, { method: req.method, url: req.url,
			    headers: req.headers, body });
		if (p === '/hang')
			return;		/* never answer */
		if (p === '/slow')
			return setTimeout(() => send(res, 200, { ok: true }),
			    Number(u.searchParams.get('ms') || 1000));
		if (p === '/big') {
			let n = Number(u.searchParams.get('bytes') || 0);
			res.writeHead(200, { 'Content-Type': 'text/plain' });
			const chunk = 'x'.repeat(8192);
			while (n > 0) {
				res.write(chunk.slice(0, Math.min(n, 8192)));
				n -= 8192;
			}
			return res.end();
		}
		if (p === '/redirect') {
			res.writeHead(302, { Location: u.searchParams.get('to') });
			return res.end();
		}
		if (p === '/authorize') {
			// The provider's consent screen, approved (or denied)
			// without a person: back to redirect_uri at once.
			const q = u.searchParams;
			let back;
			try {
				back = new URL(q.get('redirect_uri') || '');
			} catch (e) {
				return send(res, 400, { error: 'invalid_request',
				    error_description: 'redirect_uri is not a URL' });
			}
			if (q.get('deny'))
				back.searchParams.set('error', q.get('deny'));
			else
				back.searchParams.set('code', q.get('code') ||
				    'good-code');
			if (q.get('state') !== null)
				back.searchParams.set('state', q.get('state'));
			res.writeHead(302, { Location: back.toString() });
			return res.end();
		}
		if (p === '/lifecycle/token')
			return lifecycleToken(req, res, u, body);
		if (p === '/lifecycle/mode') {
			lc.mode = u.searchParams.get('set') || 'ok';
			return send(res, 200, { mode: lc.mode });
		}
		if (p === '/lifecycle/check') {
			const e = lc.access.get(u.searchParams.get('token'));
			return send(res, 200, { live: e !== undefined &&
			    e > Date.now() });
		}
		if (p === '/whoami') {
			const a = req.headers.authorization || '';
			if (a.startsWith('Bearer sk-good'))
				return send(res, 200, { ok: true });
			return send(res, 401, { error: 'invalid api key' });
		}
		if ((m = p.match(/^\/oauth\/(?:([^/]+)\/)?token$/))) {
			// A token endpoint: code "good-code" (or the
			// client_credentials grant) gets tokens, others an error.
			// Codes "short-*" get tokens that expire in a second:
			// short-code (refresh token rt-1), short-revoked
			// (rt-revoked, refused on refresh), short-norefresh.
			// A refresh with rt-1 answers a new access token and no
			// refresh token.  ?slow=MS delays the answer.
			const f = new URLSearchParams(body);
			const code = f.get('code') || '';
			const grant = f.get('grant_type');
			const ok = (extra) => setTimeout(() => send(res, 200,
			    Object.assign({ access_token: 'at-' + Date.now(),
			    token_type: 'Bearer', refresh_token: 'rt-1',
			    expires_in: '3600', scope: 'a b',
			    region: m[1] || null, team: { id: 'T1' } }, extra)),
			    Number(u.searchParams.get('slow') || 0));
			if (grant === 'refresh_token') {
				if (f.get('refresh_token') === 'rt-1')
					return ok({ access_token: 'at-refreshed-' +
					    Date.now(), refresh_token: undefined });
				if (f.get('refresh_token') === 'rt-chain')
					return ok({ refresh_token: undefined,
					    expires_in: 1 });
				return send(res, 400, { error: 'invalid_grant',
				    error_description: 'Token revoked' });
			}
			if (grant === 'client_credentials')
				return ok({ refresh_token: undefined,
				    expires_in: f.get('scope') === 'short' ? 1 : 3600 });
			if (code === 'good-code')
				return ok({});
			if (code === 'short-code')
				return ok({ expires_in: '1' });
			if (code === 'short-revoked')
				return ok({ expires_in: 1, refresh_token: 'rt-revoked' });
			if (code === 'short-chain')
				return ok({ expires_in: 1, refresh_token: 'rt-chain' });
			if (code === 'short-norefresh')
				return ok({ expires_in: 1, refresh_token: undefined });
			return send(res, 400, { error: 'invalid_grant',
			    error_description: 'The code is invalid' });
		}
		if (fixtures && (m = p.match(/^\/api\/v1\/pieces(?:\/(.+))?$/))) {
			if (!m[1])
				return send(res, 200, fs.readFileSync(
				    path.join(fixtures, 'list.json'), 'utf8'));
			const name = decodeURIComponent(m[1]).replace(
			    /^@activepieces\/piece-/, '');
			const version = u.searchParams.get('version');
			const dir = path.join(fixtures, 'full');
			const file = fs.readdirSync(dir).find((f) =>
			    f === name + '@' + version + '.json' ||
			    (!version && f.startsWith(name + '@')));
			if (!file)
				return send(res, 404, { message: 'not found' });
			const text = fs.readFileSync(path.join(dir, file), 'utf8');
			return setTimeout(() => send(res, 200, text), pieceDelay);
		}
		send(res, 404, { error: 'no such route' });
	});
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(args['port-file'], String(server.address().port));
});
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
