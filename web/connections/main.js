// The connections page: start a session, list connections with filters
// and paging, create them from a piece's auth definition (OAuth2 through
// apconn's server-held flow), test, rename, update the credentials of and
// delete them.
// Every text from the API is inserted as text (dom.js); the session is the
// HttpOnly cookie, and no token is ever stored by the page.

import { api, ApiError } from './api.js';
import { h, fill, show, time, logo } from './dom.js';
import { build as buildAuthForm, authMethods, typeLabel, makeExternalId }
    from './authform.js';

const PAGE = 10;
const $ = (id) => document.getElementById(id);

const state = {
	user: null,
	filters: { name: '', piece: '', status: [] },
	cursor: null,
	page: null,
	highlight: null,	// { id } or { externalId } to mark once listed
	pieces: null,		// Map short name -> catalogue summary
	listSeq: 0,
	opener: null,		// what opened the create view, for the focus
};

const canWrite = () => !!state.user && Array.isArray(state.user.scopes) &&
    state.user.scopes.includes('connections:write');

/* Messages */

function notice(...parts) {
	fill($('notice'), ...parts);
	show($('notice'), parts.length > 0);
}

function alertMsg(...parts) {
	fill($('alert'), ...parts);
	show($('alert'), parts.length > 0);
}

function clearMessages() {
	notice();
	alertMsg();
}

// An API failure anywhere: an ended session goes back to the start, any
// other failure is shown (as text).  Returns true for an ended session.
function failed(err, what) {
	if (err instanceof ApiError && err.status === 401 && state.user) {
		state.user = null;
		showStart();
		alertMsg('Your session has ended. Start again to go on.');
		return true;
	}
	alertMsg(what ? what + ': ' : '', err.message || String(err));
	return false;
}

/* Views */

function showView(which) {
	show($('start'), which === 'start');
	show($('list-view'), which === 'list');
	show($('create-view'), which === 'create');
}

function showStart() {
	show($('who'), false);
	showView('start');
}

function renderWho() {
	const u = state.user;
	let who;
	if (u.isAnonymous)
		who = 'Anonymous user ' + String(u.id).slice(0, 8);
	else if (u.name && u.email)
		who = u.name + ' (' + u.email + ')';
	else
		who = u.email || u.name || 'User ' + u.id;
	fill($('who-text'), 'Signed in as ', h('strong', { text: who }),
	    canWrite() ? null : ' · read only');
	show($('who'), true);
	$('new').disabled = !canWrite();
	$('empty-new').disabled = !canWrite();
	show($('empty-readonly'), !canWrite());
}

async function loadUser() {
	try {
		state.user = await api.user();
	} catch (err) {
		state.user = null;
		if (!(err instanceof ApiError && err.status === 401))
			failed(err, 'Could not read who you are');
		showStart();
		return false;
	}
	renderWho();
	showView('list');
	loadPieces().then(fillPieceNames);
	await loadList(null);
	return true;
}

/* Start: anonymous, or an API token exchanged for the cookie */

async function startAnonymous() {
	clearMessages();
	$('anon').disabled = true;
	try {
		// The answer also carries the token; the cookie is what the
		// page uses, and the token is dropped with the answer.
		await api.anonymous();
		await loadUser();
	} catch (err) {
		failed(err, 'Could not start');
	} finally {
		$('anon').disabled = false;
	}
}

async function startWithToken(ev) {
	ev.preventDefault();
	clearMessages();
	const input = $('token');
	const err = $('token-error');
	let token = input.value.trim();
	input.value = '';
	err.hidden = true;
	input.removeAttribute('aria-invalid');
	if (token === '' || !/^[\x21-\x7e]+$/.test(token)) {
		err.textContent = token === '' ? 'Paste an API token first.' :
		    'This does not look like an API token.';
		token = null;
		err.hidden = false;
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	try {
		await api.exchangeToken(token);
		token = null;
		await loadUser();
	} catch (e) {
		token = null;
		err.textContent = e.status === 401 ? 'This token is not valid ' +
		    '(unknown, revoked or expired).' : e.message;
		err.hidden = false;
		input.setAttribute('aria-invalid', 'true');
		input.focus();
	}
}

async function logout() {
	clearMessages();
	try {
		await api.logout();
	} catch (err) {
		if (!(err instanceof ApiError && err.status === 401)) {
			failed(err, 'Could not sign out');
			return;
		}
	}
	state.user = null;
	showStart();
	notice('Signed out.');
	$('anon').focus();
}

/* The piece catalogue (names, logos, categories) */

// An empty catalogue is read again next time: an operator may have
// synced it since.
async function loadPieces() {
	if (state.pieces && state.pieces.size > 0)
		return state.pieces;
	try {
		const list = await api.pieces({});
		state.pieces = new Map((Array.isArray(list) ? list : [])
		    .map((p) => [p.name, p]));
	} catch (err) {
		state.pieces = new Map();
	}
	return state.pieces;
}

function fillPieceNames(pieces) {
	const dl = $('piece-names');
	const cats = new Set();
	fill(dl, Array.from(pieces.values()).map((p) =>
	    h('option', { value: p.name, label: p.displayName || p.name })));
	for (const p of pieces.values())
		for (const c of Array.isArray(p.categories) ? p.categories : [])
			cats.add(c);
	const sel = $('p-category');
	const keep = sel.value;
	fill(sel, h('option', { value: '', text: 'All categories' }),
	    Array.from(cats).sort().map((c) => h('option', { value: c,
	    text: humanize(c) })));
	sel.value = keep;
}

function humanize(s) {
	const t = String(s).toLowerCase().replace(/_/g, ' ');
	return t.charAt(0).toUpperCase() + t.slice(1);
}

function pieceInfo(name) {
	return state.pieces && state.pieces.get(name) || null;
}

/* The list */

function readFilters() {
	const f = $('filters');
	state.filters = {
		name: f.elements.name.value.trim(),
		piece: f.elements.piece.value.trim(),
		status: Array.from(f.querySelectorAll('input[name="status"]:checked'))
		    .map((c) => c.value),
	};
}

async function loadList(cursor) {
	const seq = ++state.listSeq;
	const f = state.filters;
	wfPromise = null;	/* names are read again for each page */
	$('list').setAttribute('aria-busy', 'true');
	fill($('list-status'), 'Loading connections…');
	let page;
	try {
		page = await api.connections({ pieceName: f.piece,
		    displayName: f.name, status: f.status, cursor,
		    limit: PAGE });
	} catch (err) {
		if (seq === state.listSeq) {
			$('list').removeAttribute('aria-busy');
			fill($('list-status'), '');
			failed(err, 'Could not list the connections');
		}
		return;
	}
	if (seq !== state.listSeq)
		return;
	await loadPieces();
	state.cursor = cursor;
	state.page = page;
	const rows = Array.isArray(page.data) ? page.data : [];
	fill($('list'), rows.map(renderRow));
	$('list').removeAttribute('aria-busy');
	const filtered = f.name || f.piece || f.status.length;
	/* None at all: invite the first one instead of filters and pages. */
	const none = rows.length === 0 && !filtered && !page.previous &&
	    !page.next;
	show($('empty'), none);
	show($('filters'), !none);
	show($('pager'), !none);
	fill($('list-status'), none ? '' : rows.length === 0 ?
	    'No connection matches these filters.' :
	    'Showing ' + rows.length + ' connection' + (rows.length === 1 ?
	    '' : 's') + (filtered ? ' matching the filters' : '') + '.');
	$('prev').disabled = !page.previous;
	$('next').disabled = !page.next;
	markHighlight();
	await Promise.all(rows.map((c) => loadUses(c.id, seq)));
}

function markHighlight() {
	const hl = state.highlight;
	if (!hl)
		return;
	const li = Array.from($('list').children).find((el) =>
	    hl.id ? el.dataset.id === hl.id :
	    el.dataset.externalId === hl.externalId);
	if (!li)
		return;
	state.highlight = null;
	if (hl.externalId) {
		/* Back from the provider: name what was connected. */
		notice('Connected “', li.querySelector('.conn-name')
		    .textContent, '” (', h('code', { text: hl.externalId }),
		    ').');
	}
	li.classList.add('highlight');
	li.setAttribute('tabindex', '-1');
	li.scrollIntoView({ block: 'center' });
	li.focus();
}

const STATUS_TEXT = { ACTIVE: 'Active', MISSING: 'Missing', ERROR: 'Error' };

function badge(status) {
	const s = String(status || '');
	return h('span', { class: 'badge badge-' + s.toLowerCase(),
	    dataset: { status: s }, text: STATUS_TEXT[s] || s });
}

function renderRow(c) {
	const p = pieceInfo(c.pieceName);
	const nameId = 'conn-' + c.id + '-name';
	const li = h('li', { class: 'conn', dataset: { id: c.id,
	    externalId: c.externalId, status: c.status } });
	const title = h('h3', { class: 'conn-name', id: nameId,
	    text: c.displayName });
	const head = h('div', { class: 'conn-head' },
	    logo(p && p.logoUrl, p && p.displayName || c.pieceName),
	    h('div', { class: 'conn-title' }, title,
		h('p', { class: 'conn-piece muted',
		    text: (p && p.displayName || c.pieceName) + ' · ' +
		    typeLabel(c.type) })),
	    badge(c.status));
	const meta = h('dl', { class: 'conn-meta' },
	    h('dt', { text: 'Connection id' }),
	    h('dd', {}, h('code', { text: c.externalId })),
	    h('dt', { text: 'Piece' }),
	    h('dd', { text: c.pieceName + ' ' + (c.pieceVersion || '') }),
	    h('dt', { text: 'Updated' }),
	    h('dd', {}, time(c.updatedAt)));
	li.append(head);
	if (c.status === 'ERROR')
		li.append(h('p', { class: 'status-reason' },
		    h('strong', { text: 'Error: ' }),
		    c.statusReason || 'no reason was recorded',
		    c.statusAt ? [' (since ', time(c.statusAt), ')'] : null));
	else if (c.status === 'MISSING')
		li.append(h('p', { class: 'status-reason' },
		    'No credential has been given yet.'));
	li.append(meta);
	li.append(h('div', { class: 'uses', dataset: { uses: '' } },
	    h('span', { class: 'muted', text: 'Looking for workflows…' })));
	const msg = h('p', { class: 'row-msg', role: 'status',
	    'aria-live': 'polite' });
	const label = (verb) => verb + ' ' + c.displayName;
	const actions = h('div', { class: 'actions' },
	    h('button', { type: 'button', class: 'secondary',
		dataset: { action: 'test' }, 'aria-label': label('Test'),
		disabled: !canWrite(), text: 'Test',
		on: { click: (ev) => testRow(c, li, msg, ev.currentTarget) } }),
	    /* An OAuth2 token can be renewed now rather than on its next use. */
	    c.type === 'OAUTH2' ? h('button', { type: 'button',
		class: 'secondary', dataset: { action: 'refresh' },
		'aria-label': label('Refresh the token of'),
		disabled: !canWrite(), text: 'Refresh now',
		on: { click: (ev) => refreshNow(c, li, msg,
		    ev.currentTarget) } }) : null,
	    h('button', { type: 'button', class: 'secondary',
		dataset: { action: 'rename' }, 'aria-label': label('Rename'),
		disabled: !canWrite(), text: 'Rename',
		on: { click: () => startRename(c, li, title) } }),
	    /* Every connection's credentials can be replaced; a broken one
	       makes it the obvious next step. */
	    h('button', { type: 'button', class: c.status === 'ERROR' ||
		c.status === 'MISSING' ? 'primary' : 'secondary',
		dataset: { action: 'update' },
		'aria-label': 'Update the credentials of ' + c.displayName,
		disabled: !canWrite(), text: 'Update credentials',
		on: { click: (ev) => openCreate({ id: c.id,
		    pieceName: c.pieceName, externalId: c.externalId,
		    displayName: c.displayName, type: c.type },
		    ev.currentTarget) } }),
	    h('button', { type: 'button', class: 'danger',
		dataset: { action: 'delete' }, 'aria-label': label('Delete'),
		disabled: !canWrite(), text: 'Delete',
		on: { click: (ev) => confirmDelete(c, ev.currentTarget) } }));
	li.append(actions, msg);
	return li;
}

// The workflows that use a connection (GET /api/app-connections/{id}).
async function loadUses(id, seq) {
	let ids;
	try {
		const one = await api.connection(id);
		ids = Array.isArray(one.workflowIds) ? one.workflowIds : [];
	} catch (err) {
		ids = null;
	}
	if (seq !== undefined && seq !== state.listSeq)
		return;
	const li = Array.from($('list').children).find((el) =>
	    el.dataset.id === id);
	if (!li)
		return;
	const box = li.querySelector('[data-uses]');
	if (ids === null) {
		fill(box, h('span', { class: 'muted', text: 'The workflows ' +
		    'using it could not be read.' }));
		return;
	}
	if (ids.length === 0) {
		fill(box, h('span', { class: 'muted',
		    text: 'Not used by any workflow.' }));
		return;
	}
	const names = await workflowNames();
	fill(box, 'Used by ' + ids.length + ' workflow' + (ids.length === 1 ?
	    '' : 's') + ':', h('ul', { class: 'wf-list' }, ids.map((w) =>
	    h('li', { text: names.get(w) || w }))));
	box.dataset.count = String(ids.length);
}

// Workflow names by id, read once a page (ids alone when they cannot be).
let wfPromise = null;
function workflowNames() {
	if (!wfPromise)
		wfPromise = api.workflows().then((list) => new Map(
		    (Array.isArray(list) ? list : []).map((w) => [w.id,
		    w.name]))).catch(() => new Map());
	return wfPromise;
}

async function refreshRow(id) {
	let c;
	try {
		c = await api.connection(id);
	} catch (err) {
		failed(err, 'Could not read the connection');
		return null;
	}
	const old = Array.from($('list').children).find((el) =>
	    el.dataset.id === id);
	if (!old)
		return null;
	const li = renderRow(c);
	if (old.classList.contains('highlight'))
		li.classList.add('highlight');
	old.replaceWith(li);
	await loadUses(id);
	return li;
}

/* Test, rename, delete */

async function testRow(c, li, msg, button) {
	clearMessages();
	button.disabled = true;
	fill(msg, 'Testing…');
	let res;
	try {
		res = await api.test(c.id);
	} catch (err) {
		button.disabled = false;
		fill(msg);
		failed(err, 'Could not test ' + c.displayName);
		return;
	}
	const ok = res && res.status === 'success';
	/* Passed only when the service itself was asked (probed). */
	const probed = !!res && res.probed === true;
	const fresh = await refreshRow(c.id);
	const target = fresh || li;
	const m = target.querySelector('.row-msg');
	m.classList.toggle('ok', ok && probed);
	m.classList.toggle('note', ok && !probed);
	m.classList.toggle('bad', !ok);
	if (ok && !probed)
		fill(m, h('strong', { text: 'Format looks valid: ' }),
		    'no live check is set up for this piece, so the credential ' +
		    'was not tried against the service.');
	else
		fill(m, h('strong', { text: ok ? 'Test passed: ' :
		    'Test failed: ' }), res && typeof res.message === 'string' ?
		    res.message : '');
	const b = target.querySelector('[data-action="test"]');
	if (b) {
		b.disabled = !canWrite();
		b.focus();
	}
}

// POST /api/app-connections/{id}/refresh: the answer is the connection,
// ACTIVE with no reason when the provider issued a new token.
async function refreshNow(c, li, msg, button) {
	clearMessages();
	button.disabled = true;
	fill(msg, 'Refreshing…');
	let res;
	try {
		res = await api.refresh(c.id);
	} catch (err) {
		button.disabled = false;
		fill(msg);
		failed(err, 'Could not refresh ' + c.displayName);
		return;
	}
	const ok = !!res && res.status === 'ACTIVE' && !res.statusReason;
	const fresh = await refreshRow(c.id);
	const target = fresh || li;
	const m = target.querySelector('.row-msg');
	m.classList.toggle('ok', ok);
	m.classList.toggle('bad', !ok);
	if (ok)
		fill(m, h('strong', { text: 'Token refreshed: ' }),
		    'the connection is ready to use.');
	else
		fill(m, h('strong', { text: 'Refresh failed: ' }),
		    res && res.statusReason ? res.statusReason :
		    'the service did not renew the token.');
	const b = target.querySelector('[data-action="refresh"]');
	if (b) {
		b.disabled = !canWrite();
		b.focus();
	}
}

function startRename(c, li, title) {
	clearMessages();
	if (li.querySelector('.rename-form'))
		return;
	const inputId = 'rename-' + c.id;
	const err = h('p', { class: 'field-error', id: inputId + '-error',
	    hidden: true });
	const input = h('input', { id: inputId, type: 'text', maxlength: 255,
	    value: c.displayName, autocomplete: 'off',
	    'aria-describedby': inputId + '-error' });
	const cancel = () => {
		form.replaceWith(title);
		li.querySelector('[data-action="rename"]').focus();
	};
	const form = h('form', { class: 'rename-form', novalidate: true },
	    h('label', { for: inputId, text: 'New name' }), input, err,
	    h('div', { class: 'form-actions' },
		h('button', { type: 'submit', class: 'primary', text: 'Save' }),
		h('button', { type: 'button', class: 'secondary',
		    text: 'Cancel', on: { click: cancel } })));
	input.addEventListener('keydown', (ev) => {
		if (ev.key === 'Escape') {
			ev.preventDefault();
			cancel();
		}
	});
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const name = input.value.trim();
		err.hidden = true;
		input.removeAttribute('aria-invalid');
		if (name === '') {
			/* The API would keep the old name: say so here. */
			err.textContent = 'Give the connection a name.';
			err.hidden = false;
			input.setAttribute('aria-invalid', 'true');
			input.focus();
			return;
		}
		if (name === c.displayName) {
			cancel();
			return;
		}
		try {
			await api.rename(c.id, name);
		} catch (e) {
			if (e instanceof ApiError && e.status === 401) {
				failed(e);
				return;
			}
			err.textContent = e.message;
			err.hidden = false;
			input.setAttribute('aria-invalid', 'true');
			input.focus();
			return;
		}
		const fresh = await refreshRow(c.id);
		notice('Renamed to “', name, '”.');
		if (fresh)
			fresh.querySelector('[data-action="rename"]').focus();
	});
	title.replaceWith(form);
	input.focus();
	input.select();
}

// The confirmation dialog: ask(title, body nodes, ok label) resolves true
// when confirmed.
function ask(title, body, okLabel) {
	const d = $('confirm');
	fill($('confirm-title'), title);
	fill($('confirm-body'), body);
	fill($('confirm-ok'), okLabel);
	return new Promise((resolve) => {
		const done = (v) => {
			$('confirm-ok').removeEventListener('click', ok);
			$('confirm-cancel').removeEventListener('click', no);
			d.removeEventListener('cancel', esc);
			if (d.open)
				d.close();
			resolve(v);
		};
		const ok = () => done(true);
		const no = () => done(false);
		const esc = (ev) => {
			ev.preventDefault();
			done(false);
		};
		$('confirm-ok').addEventListener('click', ok);
		$('confirm-cancel').addEventListener('click', no);
		d.addEventListener('cancel', esc);
		d.showModal();
		$('confirm-cancel').focus();
	});
}

async function confirmDelete(c, button) {
	clearMessages();
	const yes = await ask('Delete “' + c.displayName + '”?',
	    [h('p', { text: 'The credential is removed for good. Workflows ' +
	    'that use it will no longer find it.' })], 'Delete');
	if (!yes) {
		button.focus();
		return;
	}
	let res;
	try {
		res = await api.remove(c.id, true);
	} catch (err) {
		if (!(err instanceof ApiError && err.status === 409)) {
			failed(err, 'Could not delete ' + c.displayName);
			button.focus();
			return;
		}
		const ids = Array.isArray(err.body.workflowIds) ?
		    err.body.workflowIds : [];
		const names = await workflowNames();
		const anyway = await ask('“' + c.displayName + '” is in use',
		    [h('p', { text: 'These workflows use it:' }),
		    h('ul', { class: 'wf-list', dataset: { referencing: '' } },
			ids.map((w) => h('li', { text: names.get(w) || w }))),
		    h('p', { text: 'Deleting it anyway detaches it from ' +
			(ids.length === 1 ? 'this workflow' : 'these ' +
			ids.length + ' workflows') + '.' })],
		    'Delete anyway');
		if (!anyway) {
			button.focus();
			return;
		}
		try {
			res = await api.remove(c.id, false);
		} catch (e2) {
			failed(e2, 'Could not delete ' + c.displayName);
			button.focus();
			return;
		}
	}
	const n = res && Array.isArray(res.detachedWorkflows) ?
	    res.detachedWorkflows.length : 0;
	await loadList(state.cursor);
	notice('Deleted “', c.displayName, '”', n ? ' and detached it from ' +
	    n + ' workflow' + (n === 1 ? '' : 's') : '', '.');
	$('list-title').setAttribute('tabindex', '-1');
	$('list-title').focus();
}

/* New connection: pick a piece, then its form */

let searchTimer = null;
let pieceSeq = 0;

async function searchPieces() {
	const seq = ++pieceSeq;
	const q = $('p-query').value.trim();
	const cat = $('p-category').value;
	fill($('piece-status'), 'Searching…');
	let list;
	try {
		list = await api.pieces({ searchQuery: q, categories: cat ?
		    [cat] : [], limit: 60 });
	} catch (err) {
		if (seq === pieceSeq) {
			fill($('piece-status'), '');
			failed(err, 'Could not read the pieces');
		}
		return;
	}
	if (seq !== pieceSeq)
		return;
	list = Array.isArray(list) ? list : [];
	/* Nothing found: is there a catalogue at all? */
	let empty = list.length === 0 && !q && !cat;
	if (list.length === 0 && !empty) {
		try {
			const any = await api.pieces({ limit: 1 });
			empty = Array.isArray(any) && any.length === 0;
		} catch (err) {
			empty = false;
		}
		if (seq !== pieceSeq)
			return;
	}
	show($('catalogue-empty'), empty);
	fill($('piece-status'), empty ? '' : list.length === 0 ?
	    'No piece matches.' : list.length + ' piece' + (list.length === 1 ?
	    '' : 's') + '.');
	fill($('pieces'), list.map((p) => h('li', {},
	    h('button', { type: 'button', class: 'piece',
		dataset: { piece: p.name },
		on: { click: () => choosePiece(p.name, {}) } },
		logo(p.logoUrl, p.displayName || p.name),
		h('span', { class: 'piece-text' },
		    h('span', { class: 'piece-name',
			text: p.displayName || p.name }),
		    h('span', { class: 'piece-cats muted', text:
			(Array.isArray(p.categories) && p.categories.length ?
			p.categories.map(humanize).join(', ') : 'Uncategorized') +
			' · ' + authSummary(p) }))))));
}

function authSummary(p) {
	const m = authMethods(p);
	return m.length === 0 ? 'no credentials' :
	    m.map((x) => typeLabel(x.type)).join(' or ');
}

// The create view: a new connection (update null), or new credentials for
// the connection update describes (same piece, same connection id).
// opener gets the focus back when the view closes.
async function openCreate(update, opener) {
	clearMessages();
	state.opener = opener || null;
	showView('create');
	fill($('create-title'), update ? 'Update the credentials of “' +
	    update.displayName + '”' : 'New connection');
	if (update) {
		show($('picker'), false);
		show($('piece-form'), false);
		fill($('piece-form'));
		/* What is not secret is shown again (the API leaves secrets
		   out), so that only what changes needs typing. */
		let values = null;
		try {
			const one = await api.connection(update.id);
			values = one && one.value;
		} catch (err) {
			values = null;
		}
		if ($('create-view').hidden)
			return;		/* left meanwhile */
		choosePiece(update.pieceName, Object.assign({ values }, update));
		return;
	}
	show($('catalogue-empty'), false);
	show($('picker'), true);
	show($('piece-form'), false);
	fill($('piece-form'));
	$('p-query').value = '';
	loadPieces().then(fillPieceNames);
	searchPieces();
	$('p-query').focus();
}

function closeCreate() {
	fill($('piece-form'));
	showView('list');
	const back = state.opener && state.opener.isConnected &&
	    !state.opener.closest('[hidden]') ? state.opener : $('new');
	state.opener = null;
	back.focus();
}

async function choosePiece(name, opts) {
	const box = $('piece-form');
	let piece;
	try {
		piece = await api.piece(name);
	} catch (err) {
		failed(err, 'Could not read the piece ' + name);
		return;
	}
	show($('picker'), false);
	const titleId = 'piece-form-title';
	const f = buildAuthForm(piece, {
		titleId,
		externalId: opts.externalId,
		displayName: opts.displayName,
		lockExternalId: !!opts.externalId,
		preferType: opts.type,
		values: opts.values,
		redirectUrl: state.user && state.user.oauth2RedirectUrl,
		onCancel: closeCreate,
		onSubmit: (v) => submitConnection(piece, f, v, !!opts.externalId),
	});
	fill(box, h('div', { class: 'piece-head' },
	    logo(piece.logoUrl, piece.displayName || piece.name),
	    h('h3', { id: titleId, text: piece.displayName || piece.name }),
	    opts.externalId ? null : h('button', { type: 'button',
		class: 'link', text: 'Choose another piece',
		on: { click: () => {
			show($('piece-form'), false);
			show($('picker'), true);
			$('p-query').focus();
		} } })),
	    piece.description ? h('p', { class: 'muted piece-desc',
		text: piece.description }) : null,
	    f.form);
	show(box, true);
	f.focusFirst();
}

async function submitConnection(piece, f, v, updating) {
	if (v.displayName === '') {
		f.showError(new ApiError(400, { error: 'Give the connection a ' +
		    'name', field: 'displayName' }));
		return;
	}
	const externalId = v.externalId || makeExternalId(v.displayName);
	f.setBusy(true);
	if (v.type === 'OAUTH2') {
		let res;
		try {
			res = await api.oauth2Start({ pieceName: piece.name,
			    pieceVersion: piece.version, externalId,
			    displayName: v.displayName, props: v.props,
			    clientId: v.clientId, clientSecret: v.clientSecret });
		} catch (err) {
			f.setBusy(false);
			if (err instanceof ApiError && err.status === 401) {
				failed(err);
				return;
			}
			f.showError(err, err.code === 'no_oauth_app' ?
			    'clientId' : undefined);
			return;
		}
		let url;
		try {
			url = new URL(res.authorizationUrl);
		} catch (e) {
			url = null;
		}
		if (!url || (url.protocol !== 'https:' &&
		    url.protocol !== 'http:')) {
			f.setBusy(false);
			f.showError(new Error('The server gave no usable ' +
			    'authorization address.'));
			return;
		}
		// To the provider; it comes back through apconn's callback,
		// which stores the connection and returns here with
		// ?connection= or ?error=.
		location.assign(url.href);
		return;
	}
	let saved;
	try {
		saved = await api.upsert({ externalId,
		    displayName: v.displayName, pieceName: piece.name,
		    pieceVersion: piece.version, type: v.type, value: v.value });
	} catch (err) {
		f.setBusy(false);
		if (err instanceof ApiError && err.status === 401) {
			failed(err);
			return;
		}
		f.showError(err);
		return;
	}
	fill($('piece-form'));
	resetFilters();
	state.highlight = { id: saved.id };
	state.opener = null;
	showView('list');
	await loadList(null);
	notice(updating ? 'Updated the credentials of “' : 'Saved “',
	    saved.displayName, '”.');
}

function resetFilters() {
	$('filters').reset();
	readFilters();
}

/* Coming back from the provider */

const OAUTH_ERRORS = {
	access_denied: 'access was refused at the provider',
	invalid_state: 'the authorization expired or was already used',
	oauth2_exchange_failed: 'the provider did not accept the ' +
	    'authorization code',
	invalid_value: 'the provider’s answer was not a usable credential',
	internal: 'the server failed to finish it',
	invalid_request: 'the provider’s answer was incomplete',
};

function readReturn() {
	const q = new URLSearchParams(location.search);
	const conn = q.get('connection');
	const error = q.get('error');
	if (conn === null && error === null)
		return;
	history.replaceState(null, '', location.pathname);
	if (conn !== null) {
		state.highlight = { externalId: conn };
		notice('Connected: ', h('code', { text: conn }), '.');
	} else {
		alertMsg('The connection was not made: ',
		    OAUTH_ERRORS[error] || 'the provider answered an error',
		    ' (', h('code', { text: error }), ').');
	}
}

/* Wiring */

function init() {
	readReturn();
	$('anon').addEventListener('click', startAnonymous);
	$('token-form').addEventListener('submit', startWithToken);
	$('logout').addEventListener('click', logout);
	$('filters').addEventListener('submit', (ev) => {
		ev.preventDefault();
		clearMessages();
		readFilters();
		loadList(null);
	});
	$('filters').addEventListener('reset', () => {
		setTimeout(() => {
			readFilters();
			loadList(null);
		}, 0);
	});
	$('prev').addEventListener('click', () => {
		const p = state.page && state.page.previous;
		if (p)
			loadList(p);
	});
	$('next').addEventListener('click', () => {
		const n = state.page && state.page.next;
		if (n)
			loadList(n);
	});
	$('new').addEventListener('click', (ev) => openCreate(null,
	    ev.currentTarget));
	$('empty-new').addEventListener('click', (ev) => openCreate(null,
	    ev.currentTarget));
	$('catalogue-retry').addEventListener('click', () => {
		loadPieces().then(fillPieceNames);
		searchPieces();
	});
	$('create-back').addEventListener('click', closeCreate);
	$('p-query').addEventListener('input', () => {
		clearTimeout(searchTimer);
		searchTimer = setTimeout(searchPieces, 250);
	});
	$('p-category').addEventListener('change', searchPieces);
	$('piece-search').addEventListener('submit', (ev) => {
		ev.preventDefault();
		searchPieces();
	});
	loadUser();
}

init();
