// The new-connection form, generated from a piece's auth definition
// (GET /api/pieces/{name}): one method or an array of them (SECRET_TEXT,
// BASIC_AUTH, CUSTOM_AUTH with typed props, OAUTH2, or none).  Secrets are
// typed into password fields, never prefilled and never shown again.  An
// API validation error names a field ("value.props.host"); showError()
// puts its message under that field, with the API's names for fields
// replaced by the labels on screen ("host is required" reads "Host is
// required").

import { h, fill, nextId } from './dom.js';

const TYPE_LABELS = {
	SECRET_TEXT: 'Secret text',
	BASIC_AUTH: 'Username and password',
	CUSTOM_AUTH: 'Custom fields',
	OAUTH2: 'OAuth2',
	CLOUD_OAUTH2: 'OAuth2 (cloud)',
	PLATFORM_OAUTH2: 'OAuth2 (platform)',
	NO_AUTH: 'No credentials',
};

// The methods this form can make a connection with.
const SUPPORTED = ['SECRET_TEXT', 'BASIC_AUTH', 'CUSTOM_AUTH', 'OAUTH2',
    'NO_AUTH'];

export function typeLabel(type) {
	return TYPE_LABELS[type] || String(type || 'Unknown');
}

// The piece's auth methods as an array (empty when it needs none).
export function authMethods(piece) {
	const a = piece && piece.auth;
	if (Array.isArray(a))
		return a.filter((m) => m && typeof m === 'object' && m.type);
	if (a && typeof a === 'object' && a.type)
		return [a];
	return [];
}

// A lowercase id from a name, with a random suffix: a new connection never
// replaces an existing one by accident.
export function makeExternalId(name) {
	const base = String(name || 'connection').toLowerCase()
	    .normalize('NFKD').replace(/[^a-z0-9]+/g, '-')
	    .replace(/^-+|-+$/g, '').slice(0, 40) || 'connection';
	const r = new Uint8Array(3);
	crypto.getRandomValues(r);
	return base + '-' + Array.from(r, (b) => b.toString(16)
	    .padStart(2, '0')).join('');
}

function label(text, required, forId) {
	return h('label', { for: forId }, text, required ?
	    h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) :
	    null);
}

// A help text (plain text, line breaks kept): short ones inline, long
// ones (piece instructions) folded.
function help(id, text) {
	if (typeof text !== 'string' || text.trim() === '')
		return null;
	const t = text.trim();
	if (t.length <= 160)
		return h('p', { class: 'help', id, text: t });
	return h('details', { class: 'help' },
	    h('summary', { text: 'Instructions' }),
	    h('p', { id, class: 'help-text', text: t }));
}

// The server-held flow's redirect URI, for someone registering their own
// OAuth app: a read-only field to copy from.
function redirectUri(url) {
	if (typeof url !== 'string' || url === '')
		return h('p', { class: 'help', text: 'Register apconn\u2019s ' +
		    'OAuth2 callback with the provider as the redirect URI: ' +
		    'the server\u2019s public address followed by ' +
		    '/api/app-connections/oauth2/callback (ask your operator).' });
	const id = nextId('redirect');
	const input = h('input', { id, type: 'text', readonly: true,
	    value: url, spellcheck: 'false', autocomplete: 'off',
	    'aria-describedby': id + '-help', dataset: { redirectUri: '' },
	    on: { focus: (ev) => ev.currentTarget.select() } });
	const copied = h('span', { class: 'muted', role: 'status',
	    'aria-live': 'polite' });
	const copy = h('button', { type: 'button', class: 'secondary',
	    text: 'Copy', on: { click: async () => {
		try {
			await navigator.clipboard.writeText(url);
			copied.textContent = 'Copied.';
		} catch (e) {
			input.focus();
			copied.textContent = 'Selected: copy it with your keyboard.';
		}
	    } } });
	return h('div', { class: 'field' },
	    h('label', { for: id, text: 'Redirect URI' }),
	    h('div', { class: 'redirect-uri' }, input, copy),
	    h('p', { class: 'help', id: id + '-help', text: 'Register this ' +
		'address with the provider as the OAuth app\u2019s redirect ' +
		'(callback) URI: the provider sends you back to it.' }),
	    copied);
}

// build(piece, opts): the form.  opts: externalId and displayName to
// start from, lockExternalId (an update keeps the connection's id),
// values (the connection's stored value, secrets left out, to prefill
// what is not secret), redirectUrl (the server-held flow's, shown for
// one's own OAuth app), onSubmit(form) called with collect()'s result.
export function build(piece, opts = {}) {
	const methods = authMethods(piece);
	const fields = new Map();	// API field name -> {input, error, label}
	const stored = opts.values && typeof opts.values === 'object' ?
	    opts.values : {};
	const storedProps = stored.props && typeof stored.props === 'object' ?
	    stored.props : {};
	const form = h('form', { class: 'auth-form', novalidate: true,
	    'aria-labelledby': opts.titleId || null });
	const formError = h('div', { class: 'form-error', role: 'alert',
	    hidden: true });
	const methodBox = h('div', { class: 'method-fields' });
	let current = methods[0] || { type: 'NO_AUTH' };
	let perMethod = [];	// collectors of the current method's fields
	let submit;

	// field(): one labelled control with its help and error lines.
	function field(names, text, control, opt = {}) {
		const id = control.id || nextId('f');
		control.id = id;
		const helpId = id + '-help', errId = id + '-error';
		const err = h('p', { class: 'field-error', id: errId,
		    hidden: true });
		const hp = help(helpId, opt.help);
		control.setAttribute('aria-describedby',
		    (hp ? helpId + ' ' : '') + errId);
		if (opt.required)
			control.setAttribute('aria-required', 'true');
		const wrap = h('div', { class: 'field' + (opt.inline ?
		    ' field-inline' : '') },
		    opt.inline ? [control, label(text, opt.required, id)] :
		    [label(text, opt.required, id), control], hp, err);
		for (const n of names)
			fields.set(n, { input: control, error: err, wrap,
			    label: String(text) });
		return wrap;
	}

	const nameInput = h('input', { type: 'text', name: 'displayName',
	    autocomplete: 'off', maxlength: 255,
	    value: opts.displayName || piece.displayName || '' });
	const extInput = h('input', { type: 'text', name: 'externalId',
	    autocomplete: 'off', spellcheck: 'false', maxlength: 255,
	    value: opts.externalId || '', readonly: !!opts.lockExternalId,
	    placeholder: opts.lockExternalId ? null : 'made from the name' });

	function propControl(key, p, prefix) {
		const names = [prefix + key];
		if (prefix === 'props.')
			names.push('value.props.' + key);
		const text = p.displayName || key;
		const required = p.required === true;
		const t = p.type;
		/* The stored value first (the API leaves secrets out). */
		const dv = key in storedProps && t !== 'SECRET_TEXT' &&
		    t !== 'PASSWORD' ? storedProps[key] : p.defaultValue;
		if (t === 'MARKDOWN')
			return { el: h('p', { class: 'help markdown',
			    text: String(p.description || '') }) };
		if (t === 'CHECKBOX') {
			const c = h('input', { type: 'checkbox', name: key,
			    checked: dv === true });
			return { el: field(names, text, c, { help: p.description,
			    inline: true }), get: () => c.checked };
		}
		if (t === 'STATIC_DROPDOWN' || t === 'STATIC_MULTI_SELECT_DROPDOWN') {
			const multi = t === 'STATIC_MULTI_SELECT_DROPDOWN';
			const opts2 = p.options && Array.isArray(p.options.options) ?
			    p.options.options : [];
			const s = h('select', { name: key, multiple: multi });
			if (!multi)
				s.append(h('option', { value: '', text: 'Choose…' }));
			opts2.forEach((o, i) => {
				s.append(h('option', { value: String(i),
				    text: String(o.label ?? o.value),
				    selected: multi ? Array.isArray(dv) &&
				    dv.includes(o.value) : dv === o.value }));
			});
			return { el: field(names, text, s, { help: p.description,
			    required }), get: () => {
				const picked = Array.from(s.selectedOptions)
				    .filter((o) => o.value !== '')
				    .map((o) => opts2[Number(o.value)].value);
				return multi ? picked : picked.length ? picked[0] :
				    undefined;
			} };
		}
		let c;
		if (t === 'SECRET_TEXT' || t === 'PASSWORD')
			c = h('input', { type: 'password', name: key,
			    autocomplete: 'new-password', spellcheck: 'false' });
		else if (t === 'LONG_TEXT' || t === 'JSON')
			c = h('textarea', { name: key, rows: 4,
			    value: typeof dv === 'string' ? dv : '' });
		else if (t === 'NUMBER')
			c = h('input', { type: 'number', name: key, step: 'any',
			    inputmode: 'decimal', value: typeof dv === 'number' ||
			    typeof dv === 'string' ? String(dv) : '' });
		else
			c = h('input', { type: 'text', name: key,
			    autocomplete: 'off', value: typeof dv === 'string' ?
			    dv : '' });
		return { el: field(names, text, c, { help: p.description,
		    required }), get: () => {
			const v = c.value;
			if (t === 'NUMBER' && v.trim() !== '' &&
			    Number.isFinite(Number(v)))
				return Number(v);
			return v === '' ? undefined : v;
		} };
	}

	// Props in a stable order: notes first, then required fields, then
	// optional ones (the catalogue keeps no author's order: it is stored
	// as jsonb).
	function orderedProps(props) {
		const rank = (p) => p.type === 'MARKDOWN' ? 0 :
		    p.required === true ? 1 : 2;
		return Object.entries(props || {}).filter(([, p]) => p &&
		    typeof p === 'object').map((e, i) => [e, i]).sort((a, b) =>
		    rank(a[0][1]) - rank(b[0][1]) || a[1] - b[1]).map((x) => x[0]);
	}

	function propsFields(props, prefix) {
		const getters = {};
		const els = [];
		for (const [key, p] of orderedProps(props)) {
			const pc = propControl(key, p, prefix);
			els.push(pc.el);
			if (pc.get)
				getters[key] = pc.get;
		}
		return { els, get: () => {
			const out = {};
			for (const [k, g] of Object.entries(getters)) {
				const v = g();
				if (v !== undefined)
					out[k] = v;
			}
			return out;
		} };
	}

	function renderMethod() {
		for (const k of Array.from(fields.keys()))
			if (k !== 'displayName' && k !== 'externalId')
				fields.delete(k);
		perMethod = [];
		const m = current;
		const els = [];
		const intro = help(nextId('mh'), m.description);
		if (intro)
			els.push(intro);
		if (m.type === 'SECRET_TEXT') {
			const c = h('input', { type: 'password',
			    name: 'secret_text', autocomplete: 'new-password',
			    spellcheck: 'false' });
			els.push(field(['value.secret_text'], m.displayName ||
			    'Secret', c, { required: true }));
			perMethod.push((v) => { v.secret_text = c.value; });
		} else if (m.type === 'BASIC_AUTH') {
			const u = h('input', { type: 'text', name: 'username',
			    autocomplete: 'off', spellcheck: 'false',
			    value: typeof stored.username === 'string' ?
			    stored.username : '' });
			const p = h('input', { type: 'password', name: 'password',
			    autocomplete: 'new-password' });
			els.push(field(['value.username'], m.username &&
			    m.username.displayName || 'Username', u,
			    { required: true, help: m.username &&
			    m.username.description }));
			els.push(field(['value.password'], m.password &&
			    m.password.displayName || 'Password', p,
			    { required: true, help: m.password &&
			    m.password.description }));
			perMethod.push((v) => {
				v.username = u.value;
				v.password = p.value;
			});
		} else if (m.type === 'CUSTOM_AUTH') {
			const pf = propsFields(m.props, 'value.props.');
			els.push(...pf.els);
			perMethod.push((v) => { v.props = pf.get(); });
		} else if (m.type === 'OAUTH2') {
			const pf = propsFields(m.props, 'props.');
			els.push(...pf.els);
			const cid = h('input', { type: 'text', name: 'clientId',
			    autocomplete: 'off', spellcheck: 'false' });
			const csec = h('input', { type: 'password',
			    name: 'clientSecret', autocomplete: 'new-password' });
			const own = h('details', { class: 'own-app' },
			    h('summary', { text: 'Use your own OAuth app (optional)' }),
			    h('p', { class: 'help', text: 'Leave these empty to use ' +
			    'the OAuth app configured on the server.' }),
			    redirectUri(opts.redirectUrl),
			    field(['clientId'], 'Client ID', cid),
			    field(['clientSecret'], 'Client secret', csec));
			els.push(own);
			fields.get('clientId').open = own;
			perMethod.push((v, out) => {
				out.props = pf.get();
				if (cid.value.trim() !== '')
					out.clientId = cid.value.trim();
				if (csec.value !== '')
					out.clientSecret = csec.value;
			});
		} else if (m.type === 'NO_AUTH') {
			els.push(h('p', { class: 'help', text: 'This piece needs ' +
			    'no credentials.' }));
		} else {
			els.push(h('p', { class: 'form-error', text: 'This page ' +
			    'cannot make ' + typeLabel(m.type) + ' connections.' }));
		}
		fill(methodBox, els);
		if (submit)
			submit.textContent = m.type === 'OAUTH2' ? 'Connect' :
			    'Save connection';
		if (submit)
			submit.disabled = !SUPPORTED.includes(m.type);
	}

	const parts = [formError,
	    h('p', { class: 'help', text: 'Fields marked * are required.' }),
	    field(['displayName'], 'Name', nameInput, { required: true }),
	    field(['externalId'], 'Connection id', extInput, {
		help: opts.lockExternalId ? 'Updating the credentials keeps ' +
		    'the id workflows use.' : 'How workflows name this connection. ' +
		    'A connection with the same id is replaced.' })];
	if (methods.length > 1) {
		const legendId = nextId('legend');
		const fs = h('fieldset', { class: 'methods' },
		    h('legend', { id: legendId, text: 'How to connect' }));
		methods.forEach((m, i) => {
			const id = nextId('method');
			fs.append(h('div', { class: 'field-inline' },
			    h('input', { type: 'radio', name: 'method', id,
				value: String(i), checked: i === 0,
				on: { change: () => {
					current = methods[i];
					renderMethod();
				} } }),
			    h('label', { for: id }, m.displayName &&
				m.displayName !== 'Connection' ? m.displayName +
				' (' + typeLabel(m.type) + ')' :
				typeLabel(m.type))));
		});
		parts.push(fs);
	}
	parts.push(methodBox);
	submit = h('button', { type: 'submit', class: 'primary' });
	const cancel = h('button', { type: 'button', class: 'secondary',
	    text: 'Cancel', on: { click: () => opts.onCancel &&
	    opts.onCancel() } });
	parts.push(h('div', { class: 'form-actions' }, submit, cancel));
	form.append(...parts);
	if (opts.preferType) {
		const i = methods.findIndex((m) => m.type === opts.preferType);
		if (i > 0) {
			current = methods[i];
			const r = form.querySelector('input[name="method"][value="' +
			    i + '"]');
			if (r)
				r.checked = true;
		}
	}
	renderMethod();

	function collect() {
		const value = { type: current.type };
		const out = {
			type: current.type,
			displayName: nameInput.value.trim(),
			externalId: extInput.value.trim(),
			value,
		};
		for (const f of perMethod)
			f(value, out);
		return out;
	}

	function clearErrors() {
		formError.hidden = true;
		formError.replaceChildren();
		for (const f of fields.values()) {
			f.error.hidden = true;
			f.error.textContent = '';
			if (f.input.removeAttribute)
				f.input.removeAttribute('aria-invalid');
		}
	}

	// The field entry an API field name (or path) stands for.
	function fieldOf(name) {
		return fields.get(name) || (name.startsWith('value.props.') ?
		    null : fields.get('value.' + name)) || null;
	}

	// msg with the API's field names replaced by the labels on screen.
	// Whole paths ("value.props.host", "props.host") are replaced
	// anywhere; a bare key ("host") only when the error is about that
	// field or the key cannot be an ordinary word ("secret_text",
	// "clientId").
	function onScreen(msg, own) {
		const to = new Map();
		for (const [name, f] of fields) {
			const bare = name.replace(/^value\./, '');
			const key = bare.replace(/^props\./, '');
			for (const t of [name, bare, key]) {
				if (t.includes('.') || /[_A-Z]/.test(t) ||
				    (own && f.input === own.input))
					if (!to.has(t))
						to.set(t, f.label);
			}
		}
		if (to.size === 0)
			return msg;
		const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		const re = new RegExp('(?<![\\w.])(' + Array.from(to.keys())
		    .sort((a, b) => b.length - a.length).map(esc).join('|') +
		    ')(?!\\w|\\.\\w)', 'g');
		return String(msg).replace(re, (t) => to.get(t))
		    .replace(/ must be a non-empty string$/, ' is required');
	}

	// Shows an error under the field it names (or above the form), in
	// the words on screen, and moves the focus there.
	function showError(err, fieldName) {
		const name = fieldName || err.field || '';
		const f = fieldOf(name);
		const msg = onScreen(err.message || 'The request failed', f);
		if (f) {
			f.error.textContent = msg;
			f.error.hidden = false;
			f.input.setAttribute('aria-invalid', 'true');
			if (f.open)
				f.open.open = true;
			f.input.focus();
			return;
		}
		fill(formError, msg);
		formError.hidden = false;
		formError.setAttribute('tabindex', '-1');
		formError.focus();
	}

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		clearErrors();
		if (opts.onSubmit)
			opts.onSubmit(collect());
	});

	return {
		form,
		collect,
		showError,
		clearErrors,
		setBusy(b) {
			submit.disabled = b || !SUPPORTED.includes(current.type);
			form.setAttribute('aria-busy', b ? 'true' : 'false');
		},
		focusFirst() {
			nameInput.focus();
		},
		get method() {
			return current;
		},
	};
}
