#!/usr/bin/env node
// Validates a test's recorded answers against openapi.yaml.
//
//   node answers.js SPEC DIR
//
// DIR/index holds one line per answer: "N<TAB>METHOD<TAB>PATH<TAB>STATUS
// <TAB>CONTENT-TYPE", the body in DIR/N.  Each answer must match an
// operation of SPEC (path template and method; HEAD as GET), a response
// declared for its status (no "default"), a content type declared for it,
// and, for JSON, the declared schema: a status, a content type or a field
// the description lacks fails.  An /api/ path the description lacks must
// be a 404 or 405 with the Error shape.  JSON answers must also be
// compact, as every answer is written.  Prints one line per failure and
// exits 1 if there was any.
'use strict';

const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const Ajv = require('ajv');

const [specFile, dir] = process.argv.slice(2);
if (!specFile || !dir) {
	console.error('usage: answers.js SPEC DIR');
	process.exit(2);
}
const spec = yaml.load(fs.readFileSync(specFile, 'utf8'));

// The components as one schema document the responses refer into.
function rebase(node) {
	if (Array.isArray(node))
		return node.map(rebase);
	if (node && typeof node === 'object') {
		const out = {};
		for (const [k, v] of Object.entries(node))
			out[k] = k === '$ref' && typeof v === 'string' &&
			    v.startsWith('#/') ? 'spec' + v : rebase(v);
		return out;
	}
	return node;
}
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time',
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:/i);
ajv.addSchema({ $id: 'spec', components: rebase(spec.components || {}) });

function resolve(obj) {
	while (obj && obj.$ref) {
		const parts = obj.$ref.replace(/^#\//, '').split('/');
		obj = parts.reduce((o, k) => o && o[k], spec);
	}
	return obj;
}

// Path templates, the most literal first: /api/pieces/categories before
// /api/pieces/{name}.  The last parameter of a path may hold slashes
// (a piece's name is @scope/name).
const ops = Object.keys(spec.paths).map((p) => {
	const segs = p.split('/');
	const literal = segs.filter((s) => !s.startsWith('{')).length;
	const re = new RegExp('^' + segs.map((s, i) => s.startsWith('{') ?
	    (i === segs.length - 1 ? '(.+)' : '([^/]+)') :
	    s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('/') + '$');
	return { p, re, literal, item: spec.paths[p] };
}).sort((a, b) => b.literal - a.literal);

const validators = new Map();
function validator(key, schema) {
	if (!validators.has(key))
		validators.set(key, ajv.compile(rebase(schema)));
	return validators.get(key);
}

const errorSchema = { $ref: '#/components/schemas/Error' };
const failures = [];
const index = fs.readFileSync(path.join(dir, 'index'), 'utf8')
    .split('\n').filter(Boolean);

for (const line of index) {
	const [n, method, rawPath, status, ctype] = line.split('\t');
	const where = `${method} ${rawPath} -> ${status}`;
	const fail = (why) => failures.push(`${where}: ${why}`);
	const body = fs.readFileSync(path.join(dir, n), 'utf8');
	const p = decodeURI(rawPath.split('?')[0]);
	const mediaType = (ctype || '').split(';')[0].trim().toLowerCase();
	let json;

	if (mediaType === 'application/json' && body.length > 0 &&
	    method !== 'HEAD') {
		try {
			json = JSON.parse(body);
		} catch (e) {
			fail(`not JSON: ${e.message}`);
			continue;
		}
		if (JSON.stringify(json) !== body)
			fail('JSON not written compactly');
	}

	const op = ops.find((o) => o.re.test(p));
	if (!op) {
		if (!p.startsWith('/api/'))
			continue;	/* nginx's own pages: the static files */
		if (status !== '404' && status !== '405')
			fail('no path of openapi.yaml matches');
		else if (json === undefined ||
		    !validator('Error', errorSchema)(json))
			fail('an unknown path answers the Error shape');
		continue;
	}
	const m = method.toLowerCase() === 'head' ? 'get' :
	    method.toLowerCase();
	const operation = op.item[m];
	if (!operation) {
		/* Refused before routing (nginx's 413) or by the router. */
		if (!['404', '405', '413'].includes(status))
			fail(`${op.p} has no ${method}`);
		else if (json === undefined ||
		    !validator('Error', errorSchema)(json))
			fail('a method the path lacks answers the Error shape');
		continue;
	}
	const responses = operation.responses || {};
	const declared = responses[status] ||
	    responses[status[0] + 'XX'];
	if (!declared) {
		fail(`status ${status} not declared for ${method} ${op.p} ` +
		    `(declared: ${Object.keys(responses).join(' ')})`);
		continue;
	}
	const resp = resolve(declared);
	if (method === 'HEAD' || body.length === 0 || status[0] === '3') {
		if (body.length === 0 && resp.content &&
		    method !== 'HEAD' && status[0] !== '3')
			fail('an empty body where content is declared');
		continue;
	}
	if (!resp.content) {
		fail('a body where none is declared');
		continue;
	}
	const key = Object.keys(resp.content).find((k) =>
	    k.split(';')[0].trim().toLowerCase() === mediaType);
	const media = key && resp.content[key];
	if (!media) {
		fail(`content type ${mediaType} not declared ` +
		    `(declared: ${Object.keys(resp.content).join(' ')})`);
		continue;
	}
	if (json === undefined || !media.schema)
		continue;
	const v = validator(`${m} ${op.p} ${status} ${mediaType}`,
	    media.schema);
	if (!v(json))
		fail(v.errors.slice(0, 4).map((e) =>
		    `${e.instancePath || '(body)'} ${e.message}` +
		    (e.params && e.params.additionalProperty ?
		    ` '${e.params.additionalProperty}'` : '')).join('; ') +
		    `: ${body.slice(0, 160)}`);
}

for (const f of failures)
	console.log(f);
process.exit(failures.length ? 1 : 0);
