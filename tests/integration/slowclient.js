// A FastCGI client that connects, waits, then sends a GET: what a web
// server that is slow to write its request looks like to a worker.
// Usage: node slowclient.js SOCKET DELAY_MS PATH; prints the answer's
// status, or "none" when the connection closed without one.
"use strict";
const net = require("net");

function record(type, body) {
	const head = Buffer.alloc(8);
	head[0] = 1;			// version
	head[1] = type;
	head.writeUInt16BE(1, 2);	// request id
	head.writeUInt16BE(body.length, 4);
	return Buffer.concat([head, body]);
}
function pair(name, value) {	// names and values under 128 bytes
	return Buffer.concat([Buffer.from([name.length, value.length]),
	    Buffer.from(name), Buffer.from(value)]);
}

const [sock, delay, path] = process.argv.slice(2);
const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]);	// responder, no keep
const params = Buffer.concat([pair("REQUEST_METHOD", "GET"),
    pair("DOCUMENT_URI", path), pair("REQUEST_URI", path),
    pair("QUERY_STRING", "")]);
const chunks = [];
const s = net.connect(sock);
s.on("data", (d) => chunks.push(d));
s.on("error", () => {});
s.on("close", () => {
	const m = /Status: (\d+)/.exec(Buffer.concat(chunks).toString("latin1"));
	process.stdout.write(m ? m[1] : "none");
});
setTimeout(() => s.write(Buffer.concat([record(1, begin),
    record(4, params), record(4, Buffer.alloc(0)),
    record(5, Buffer.alloc(0))])), Number(delay));
