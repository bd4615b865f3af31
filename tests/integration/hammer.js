// node hammer.js URL TOKEN CONNECTIONS MS: GETs URL with the Bearer token
// on CONNECTIONS keep-alive connections, each sending its next request
// when the last is answered, for MS milliseconds.  Prints one line per
// answer: the time it was sent (milliseconds since the epoch, three
// decimals, the clock PostgreSQL's clock_timestamp() reads) and its
// status (0 for a failed connection).
'use strict';
const http = require('http');

const [url, token, conns, ms] = process.argv.slice(2);
if (!ms) {
	process.stderr.write('usage: node hammer.js URL TOKEN CONNECTIONS MS\n');
	process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const end = performance.now() + Number(ms);
const now = () => performance.timeOrigin + performance.now();
const lines = [];
let running = Number(conns);

function next() {
	if (performance.now() >= end) {
		if (--running === 0)
			process.stdout.write(lines.join('\n') + '\n', () => process.exit(0));
		return;
	}
	const sent = now();
	const req = http.get(url, { agent,
	    headers: { Authorization: 'Bearer ' + token } }, (res) => {
		res.resume();
		res.on('end', () => {
			lines.push(sent.toFixed(3) + ' ' + res.statusCode);
			next();
		});
	});
	req.on('error', () => {
		lines.push(sent.toFixed(3) + ' 0');
		setTimeout(next, 1);
	});
}
for (let i = 0; i < Number(conns); i++)
	next();
