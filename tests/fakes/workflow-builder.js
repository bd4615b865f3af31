// What the original workflow builder writes, made with node's crypto as it
// makes it, for the tests that import its data or accept its sessions.
//
//   node workflow-builder.js gcm KEY_HEX TEXT   -> iv:tag:ciphertext (hex)
//       AES-256-GCM, a 16-byte IV, no additional data (its first format)
//   node workflow-builder.js cbc KEY TEXT       -> {"iv","data"} (hex)
//       AES-256-CBC, the key's characters used as bytes (its later format)
//   node workflow-builder.js cookie SECRET TOKEN -> a session cookie value
//       URL-encoded "<token>.<base64 HMAC-SHA256(secret, token)>"
"use strict";
const crypto = require("crypto");

const [cmd, key, text] = process.argv.slice(2);
if (cmd === undefined || key === undefined || text === undefined) {
	console.error("usage: workflow-builder.js gcm|cbc|cookie KEY TEXT");
	process.exit(64);
}
if (cmd === "gcm") {
	const iv = crypto.randomBytes(16);
	const c = crypto.createCipheriv("aes-256-gcm", Buffer.from(key, "hex"), iv);
	const ct = c.update(text, "utf8", "hex") + c.final("hex");
	process.stdout.write(`${iv.toString("hex")}:${c.getAuthTag().toString("hex")}:${ct}`);
} else if (cmd === "cbc") {
	const iv = crypto.randomBytes(16);
	const c = crypto.createCipheriv("aes-256-cbc", Buffer.from(key, "binary"), iv);
	const data = c.update(text, "utf8", "hex") + c.final("hex");
	process.stdout.write(JSON.stringify({ iv: iv.toString("hex"), data }));
} else if (cmd === "cookie") {
	const sig = crypto.createHmac("sha256", key).update(text).digest("base64");
	process.stdout.write(encodeURIComponent(`${text}.${sig}`));
} else {
	console.error(`unknown command ${cmd}`);
	process.exit(64);
}
