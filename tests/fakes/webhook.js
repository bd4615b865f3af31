// A webhook receiver for the event tests, on 127.0.0.1 only.
//   node webhook.js --port-file FILE --secret SECRET [--port N]
//                   [--max-seconds N]
// Every POST is logged on stdout as one JSON line: {path, status (what
// it answered), verified (the Apconn-Signature header is right for the
// secret and at most 5 minutes old), headers, body (raw text)}.
// Control (GET):
//   /fail?n=N               the next N deliveries are answered 500
//   /status?path=P&code=C   deliveries to path P are answered C from now
'use strict';
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const secret = args.secret || '';
let failNext = 0;
const byPath = new Map();

// The verification recipe of the README, in Node.js.
function verified(header, body) {
	const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
	if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300)
		return false;
	const want = crypto.createHmac('sha256', secret)
	    .update(m[1] + '.' + body).digest();
	return crypto.timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const u = new URL(req.url, 'http://127.0.0.1');
		if (req.method === 'GET' && u.pathname === '/fail') {
			failNext = Number(u.searchParams.get('n') || 1);
			return res.end('ok');
		}
		if (req.method === 'GET' && u.pathname === '/status') {
			byPath.set(u.searchParams.get('path'),
			    Number(u.searchParams.get('code')));
			return res.end('ok');
		}
		const body = Buffer.concat(chunks).toString();
		let status = byPath.get(u.pathname) || 200;
		if (failNext > 0) {
			failNext--;
			status = 500;
		}
		console.log(JSON.stringify({ path: u.pathname, status,
		    verified: verified(req.headers['apconn-signature'], body),
		    headers: req.headers, body }));
		res.writeHead(status, { 'Content-Type': 'text/plain' });
		res.end(status === 200 ? 'thanks' : 'not now');
	});
});
server.listen(Number(args.port || 0), '127.0.0.1', () => {
	fs.writeFileSync(args['port-file'], String(server.address().port));
});
setTimeout(() => process.exit(0), Number(args['max-seconds'] || 300) * 1000);
