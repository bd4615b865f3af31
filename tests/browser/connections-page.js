// Browser scenarios of the connections page (web/connections/), in
// Debian's chromium driven by puppeteer-core, against a running apconn
// (nginx, workers, PostgreSQL) and the suite's fake upstream.  Started by
// tests/integration/t0800-connections-page.sh, which sets:
//   APCONN_URL      the page's origin, e.g. http://127.0.0.1:31234
//   APCONN_TOKEN    an API key (connections:*, workflows:*) of kim@example.com
//   APCONN_SHOTS    where each scenario saves a screenshot
//   APCONN_PHASE    "empty-catalogue": only the scenario of a deployment
//                   whose piece catalogue is still empty (run before any
//                   piece is stored); else the main scenarios
//   CHROMIUM        the browser (default /usr/bin/chromium)
// Prints TAP-like lines ("ok N - ...", "not ok N - ...") and exits 1 when
// any check failed.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const BASE = process.env.APCONN_URL;
const TOKEN = process.env.APCONN_TOKEN;
const SHOTS = process.env.APCONN_SHOTS;
const PAGE_URL = BASE + '/connections/';
const SECRET = 'sk-good-4f7c1e9a2b';
const NEW_SECRET = 'sk-good-rotated-6e2d90';
const BAD_SECRET = 'sk-revoked-0d3b55';
const CALLBACK = BASE + '/api/app-connections/oauth2/callback';
const DB_PASSWORD = 'pg-pass-81c2a7';

let n = 0;
let failures = 0;
function ok(cond, what, detail) {
	n += 1;
	if (cond) {
		console.log('ok ' + n + ' - ' + what);
	} else {
		failures += 1;
		console.log('not ok ' + n + ' - ' + what +
		    (detail !== undefined ? ': ' + String(detail).slice(0, 300) : ''));
	}
	return cond;
}

// The API, as the test itself uses it (Bearer key, never the browser's
// cookie).
async function apiCall(method, p, body) {
	const res = await fetch(BASE + p, {
		method,
		headers: Object.assign({ Authorization: 'Bearer ' + TOKEN },
		    body !== undefined ? { 'Content-Type': 'application/json' } : {}),
		body: body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	let data = null;
	try { data = JSON.parse(text); } catch (e) { data = text; }
	return { status: res.status, data, headers: res.headers };
}

async function shot(page, name) {
	const file = path.join(SHOTS, name + '.png');
	await page.screenshot({ path: file, fullPage: true });
	ok(fs.statSync(file).size > 1000, 'screenshot ' + name + '.png saved');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until fn(arg), run in the page, is truthy; false after the
// timeout.  It polls with page.evaluate: puppeteer's waitForFunction
// builds its predicate with new Function inside the page, which the
// page's CSP (no unsafe-eval, Trusted Types) rightly refuses.
async function until(page, fn, arg, timeout = 8000) {
	const end = Date.now() + timeout;
	for (;;) {
		try {
			if (await page.evaluate(fn, arg))
				return true;
		} catch (e) {
			/* navigating: try again */
		}
		if (Date.now() > end)
			return false;
		await sleep(50);
	}
}

const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim())
    .catch(() => null);

// The list row (li.conn) whose name is exactly name, as a handle.
async function row(page, name) {
	const handle = await page.evaluateHandle((nm) => Array.from(
	    document.querySelectorAll('#list > li.conn')).find((li) => {
		const t = li.querySelector('.conn-name');
		return t && t.textContent === nm;
	    }) || null, name);
	return handle.asElement();
}

async function waitRow(page, name, timeout = 8000) {
	return until(page, (nm) => Array.from(
	    document.querySelectorAll('#list > li.conn')).some((li) => {
		const t = li.querySelector('.conn-name');
		return t && t.textContent === nm;
	    }), name, timeout);
}

async function rowInfo(page, name) {
	return page.evaluate((nm) => {
		const li = Array.from(document.querySelectorAll('#list > li.conn'))
		    .find((l) => {
			const t = l.querySelector('.conn-name');
			return t && t.textContent === nm;
		    });
		if (!li)
			return null;
		const q = (s) => li.querySelector(s);
		return {
			id: li.dataset.id,
			externalId: li.dataset.externalId,
			status: q('.badge') && q('.badge').dataset.status,
			badge: q('.badge') && q('.badge').textContent,
			highlighted: li.classList.contains('highlight'),
			focused: document.activeElement === li,
			reason: q('.status-reason') && q('.status-reason').textContent,
			reasonTime: !!(q('.status-reason time')),
			uses: q('[data-uses]') && q('[data-uses]').textContent,
			usesCount: q('[data-uses]') && q('[data-uses]').dataset.count,
			msg: q('.row-msg') && q('.row-msg').textContent,
			update: !!q('[data-action="update"]'),
			updateText: q('[data-action="update"]') &&
			    q('[data-action="update"]').textContent,
		};
	}, name);
}

async function clickAction(page, name, action) {
	const li = await row(page, name);
	if (!li)
		return false;
	const b = await li.$('[data-action="' + action + '"]');
	if (!b)
		return false;
	await b.click();
	return true;
}

async function pickPiece(page, query, pieceName) {
	await page.click('#new');
	await page.waitForSelector('#create-view:not([hidden])');
	await page.type('#p-query', query);
	await page.waitForSelector('button[data-piece="' + pieceName + '"]',
	    { timeout: 8000 });
	await page.click('button[data-piece="' + pieceName + '"]');
	await page.waitForSelector('#piece-form:not([hidden]) form.auth-form');
}

// The control that the label with this text labels, in the piece form.
async function fieldByLabel(page, label) {
	const handle = await page.evaluateHandle((l) => {
		const lab = Array.from(document.querySelectorAll(
		    '#piece-form label')).find((x) =>
		    x.textContent.replace(/\s*\*$/, '').trim() === l);
		return lab ? document.getElementById(lab.htmlFor) : null;
	}, label);
	return handle.asElement();
}

async function typeInto(page, label, value) {
	const el = await fieldByLabel(page, label);
	if (!el)
		throw new Error('no field labelled ' + label);
	await el.click({ clickCount: 3 });
	await el.press('Backspace');
	await el.type(value);
}

async function storageEmpty(page) {
	return page.evaluate(() => localStorage.length === 0 &&
	    sessionStorage.length === 0);
}

async function main() {
	fs.mkdirSync(SHOTS, { recursive: true });
	const args = ['--disable-gpu', '--disable-dev-shm-usage',
	    '--no-first-run', '--no-default-browser-check',
	    '--disable-background-networking', '--disable-sync',
	    '--disable-extensions', '--lang=en-US'];
	// Chromium's sandbox refuses root; the suite runs as an
	// unprivileged user and keeps it.
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const phase = process.env.APCONN_PHASE || 'main';
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args,
		userDataDir: path.join(process.env.HOME || '/tmp',
		    'chromium-profile-' + phase),
	});
	try {
		if (phase === 'empty-catalogue')
			await emptyCatalogue(browser);
		else
			await scenarios(browser);
	} finally {
		await browser.close();
	}
}

// Keeps every answer of apconn's API the page receives for the test's
// check against openapi.yaml (APCONN_ANSWERS, tests/integration/lib.sh).
let answersKept = 0;
function keepAnswers(page) {
	const dir = process.env.APCONN_ANSWERS;
	if (!dir)
		return;
	page.on('response', async (r) => {
		const u = new URL(r.url());
		if (!r.url().startsWith(BASE) || !u.pathname.startsWith('/api/'))
			return;
		/* A body the page navigated away from is gone: not kept. */
		const body = r.status() >= 300 && r.status() < 400 ? '' :
		    await r.text().catch(() => null);
		if (body === null)
			return;
		const name = `b.${process.pid}.${++answersKept}`;
		fs.writeFileSync(path.join(dir, name), body);
		fs.appendFileSync(path.join(dir, 'index'), [name,
		    r.request().method(), u.pathname + u.search, r.status(),
		    r.headers()['content-type'] || ''].join('\t') + '\n');
	});
}

// A deployment whose catalogue nobody has synced yet: a new user is
// invited to make a first connection, and the piece picker says how the
// catalogue gets filled instead of "No piece matches."
async function emptyCatalogue(browser) {
	const page = await browser.newPage();
	keepAnswers(page);
	await page.setViewport({ width: 1100, height: 900 });
	const problems = [];
	page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
	page.on('console', (m) => {
		if (/Content Security Policy|Trusted Type/i.test(m.text()))
			problems.push('console: ' + m.text());
	});
	await page.goto(PAGE_URL, { waitUntil: 'networkidle0' });
	await page.waitForSelector('#start:not([hidden])');
	await page.click('#anon');
	ok(await until(page, () => !document.getElementById('empty').hidden),
	    'empty catalogue: a new user sees the empty state');
	ok(await page.evaluate(() => document.getElementById('filters').hidden),
	    '... without filters to apply to nothing');
	await page.click('#empty-new');
	ok(await until(page, () => !document.getElementById('create-view')
	    .hidden && !document.getElementById('catalogue-empty').hidden),
	    'the piece picker says the catalogue is empty');
	const said = await page.evaluate(() => ({
		text: document.getElementById('catalogue-empty').textContent,
		codes: Array.from(document.querySelectorAll(
		    '#catalogue-empty code')).map((c) => c.textContent),
		status: document.getElementById('piece-status').textContent,
	}));
	ok(said.codes.includes('apconn-sync-pieces'),
	    '... and names the command that fills it', JSON.stringify(said));
	ok(said.codes.some((c) => c === 'runuser -u postgres -- env ' +
	    'APCONN_CONFIG=/var/tmp/apconn-run/apconn.conf ' +
	    '/var/tmp/apconn-run/bin/apconn-sync-pieces'),
	    '... as an operator runs it against what scripts/run started',
	    JSON.stringify(said.codes));
	ok(!/No piece matches/.test(said.text + said.status),
	    '... rather than "No piece matches."', said.status);
	await page.type('#p-query', 'slack');
	await sleep(400);
	ok(await until(page, () => !document.getElementById('catalogue-empty')
	    .hidden && document.getElementById('piece-status').textContent ===
	    ''), 'a search in an empty catalogue says the same');
	await shot(page, '00-empty-catalogue');
	await page.click('#create-back');
	ok(await until(page, () => document.activeElement.id === 'empty-new'),
	    'Back returns the focus to the empty state\'s button');
	ok(problems.length === 0, 'no CSP or Trusted Types violation or page ' +
	    'error', problems.join(' | '));
	await page.close();
}

async function scenarios(browser) {
	const page = await browser.newPage();
	keepAnswers(page);
	await page.setViewport({ width: 1100, height: 900 });
	const problems = [];	// CSP violations, page errors, dialogs
	page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
	page.on('dialog', async (d) => {
		problems.push('a native dialog opened: ' + d.message());
		await d.dismiss();
	});
	page.on('console', (m) => {
		if (/Content Security Policy|Trusted Type/i.test(m.text()))
			problems.push('console: ' + m.text());
	});
	const foreign = [];	// requests to anything but apconn and the fake
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(BASE) && !u.startsWith('http://127.0.0.1:') &&
		    !u.startsWith('data:'))
			foreign.push(u);
	});

	/* The page itself: served by nginx with its own strict policy. */
	const resp = await page.goto(PAGE_URL, { waitUntil: 'networkidle0' });
	const csp = resp.headers()['content-security-policy'] || '';
	ok(resp.status() === 200, 'GET /connections/ answers 200');
	for (const d of ["default-src 'self'", "script-src 'self'",
	    "style-src 'self'", "img-src 'self' https:",
	    "frame-ancestors 'none'", "require-trusted-types-for 'script'"])
		ok(csp.includes(d), 'the page\'s CSP has ' + d, csp);
	ok(!/unsafe-inline|unsafe-eval/.test(csp), 'the CSP allows no inline ' +
	    'script or style');
	ok(await page.$$eval('script:not([src]), style, [style]',
	    (els) => els.length) === 0, 'no inline script, style element or ' +
	    'style attribute');
	await page.addScriptTag({ content: 'window.__inlineRan = 1' })
	    .catch(() => null);
	ok(await page.evaluate(() => window.__inlineRan === undefined),
	    'an injected inline script does not run');
	await sleep(300);
	problems.length = 0;	/* that refusal was the point */

	/* Scenario 1: anonymous start. */
	await page.waitForSelector('#start:not([hidden])');
	ok(true, 'without a session the page offers the start');
	await shot(page, '01-start');
	await page.click('#anon');
	ok(await until(page, () => !document.getElementById('who').hidden &&
	    /Anonymous user/.test(document.getElementById('who-text')
	    .textContent)), 'continue as an anonymous user: the page says who');
	ok(await until(page, () => !document.getElementById('empty').hidden &&
	    document.querySelectorAll('#list > li').length === 0),
	    'an empty list for a new user: the empty state');
	ok(await page.evaluate(() => {
		const b = document.getElementById('empty-new');
		return /No connections yet/.test(document.getElementById(
		    'empty-title').textContent) && b.textContent ===
		    'Create your first connection' && !b.disabled &&
		    b.offsetParent !== null;
	}), '... invites the first connection with a button');
	await page.click('#empty-new');
	ok(await until(page, () => !document.getElementById('create-view').hidden &&
	    document.activeElement.id === 'p-query' &&
	    document.querySelector('#pieces button[data-piece]')),
	    '... which opens the new connection view on the pieces');
	ok(await page.evaluate(() => document.getElementById('catalogue-empty')
	    .hidden), 'a catalogue with pieces does not say it is empty');
	await page.click('#create-back');
	ok(await until(page, () => document.activeElement.id === 'empty-new'),
	    '... and Back returns there');
	const cookies = await page.cookies();
	const sess = cookies.find((c) => c.name === 'apconn_session');
	ok(sess && sess.httpOnly && sess.secure && sess.sameSite === 'Lax',
	    'the session is an HttpOnly, Secure, SameSite=Lax cookie',
	    JSON.stringify(sess));
	ok(await page.evaluate(() => !document.cookie.includes('apconn_session')),
	    'the page script cannot read the session');
	ok(await storageEmpty(page), 'nothing in localStorage or sessionStorage');
	await shot(page, '02-anonymous');

	/* Scenario 2: sign out, then sign in by pasting an API token. */
	await page.click('#logout');
	await page.waitForSelector('#start:not([hidden])');
	ok(/Signed out/.test(await text(page, '#notice')), 'sign out');
	await page.type('#token', 'apk_not_a_real_token');
	await page.click('#token-form button[type="submit"]');
	ok(await until(page, () => !document.getElementById('token-error')
	    .hidden), 'a bad token is refused');
	ok(await page.$eval('#token', (i) => i.getAttribute('aria-invalid') ===
	    'true' && document.activeElement === i),
	    '... on the token field, which has the focus');
	await page.type('#token', TOKEN);
	await page.click('#token-form button[type="submit"]');
	ok(await until(page, () => /kim@example\.com/.test(
	    document.getElementById('who-text').textContent)),
	    'an API token signs in: the page says who (GET /api/user)');
	ok(await page.$eval('#token', (i) => i.value === ''),
	    'the token field is emptied');
	ok(await storageEmpty(page), 'the token is kept in no storage');
	const html = await page.content();
	ok(!html.includes(TOKEN.slice(26)), 'the token is nowhere in the page');
	const cookies2 = await page.cookies();
	const s2 = cookies2.find((c) => c.name === 'apconn_session');
	ok(s2 && s2.value.startsWith('aps_') && !s2.value.includes(TOKEN.slice(26)),
	    'the token became a session cookie, not a copy of the token');

	/* Scenario 3: a SECRET_TEXT connection. */
	await pickPiece(page, 'open', 'openai');
	ok(await page.$eval('input[name="secret_text"]', (i) => i.type ===
	    'password'), 'the secret is typed into a password field');
	ok(await page.evaluate(() => {
		const i = document.querySelector('input[name="secret_text"]');
		const l = document.querySelector('label[for="' + i.id + '"]');
		return l && /API Key/.test(l.textContent) &&
		    i.getAttribute('aria-required') === 'true';
	}), 'the field is labelled from the piece\'s auth and marked required');
	await typeInto(page, 'Name', 'OpenAI prod');
	await page.click('#piece-form button[type="submit"]');
	ok(await until(page, () => {
		const i = document.querySelector('input[name="secret_text"]');
		const e = document.getElementById(i.id + '-error');
		return i.getAttribute('aria-invalid') === 'true' && !e.hidden;
	}), 'an empty API key is refused by the API, on its field');
	const keyMsg = await page.evaluate(() => {
		const i = document.querySelector('input[name="secret_text"]');
		return document.getElementById(i.id + '-error').textContent;
	});
	ok(keyMsg === 'API Key is required' && !/secret_text/.test(keyMsg),
	    'the error says "API Key", the label on screen, not the API\'s ' +
	    'secret_text', keyMsg);
	await page.type('input[name="secret_text"]', SECRET);
	await shot(page, '03-secret-text-form');
	await page.click('#piece-form button[type="submit"]');
	ok(await waitRow(page, 'OpenAI prod'), 'the SECRET_TEXT connection is listed');
	let info = await rowInfo(page, 'OpenAI prod');
	ok(info && info.status === 'ACTIVE' && info.highlighted,
	    'ACTIVE, and highlighted', JSON.stringify(info));
	ok(/Saved/.test(await text(page, '#notice')), 'a notice says it was saved');
	ok(!(await page.content()).includes(SECRET), 'the secret is never shown again');
	const openaiId = info && info.id;
	let r = await apiCall('GET', '/api/app-connections/' + openaiId);
	ok(r.status === 200 && r.data.type === 'SECRET_TEXT' &&
	    r.data.pieceName === 'openai', 'the API has it as SECRET_TEXT',
	    JSON.stringify(r.data));
	await shot(page, '04-secret-text-saved');

	/* Scenario 4: CUSTOM_AUTH, with a validation error on its field. */
	await pickPiece(page, 'postgres', 'postgres');
	for (const [label, type] of [['Host', 'text'], ['Port', 'number'],
	    ['Password', 'password'], ['SSL', 'checkbox']]) {
		const el = await fieldByLabel(page, label);
		ok(el && await el.evaluate((e, t) => e.type === t, type),
		    'CUSTOM_AUTH prop ' + label + ' is a ' + type + ' field');
	}
	const mode = await fieldByLabel(page, 'Mode');
	ok(mode && await mode.evaluate((e) => e.tagName === 'SELECT' &&
	    Array.from(e.options).map((o) => o.textContent).join(',') ===
	    'Choose…,Read,Write'), 'a STATIC_DROPDOWN prop is a select of its options');
	ok(await page.evaluate(() => {
		const req = (l) => {
			const lab = Array.from(document.querySelectorAll(
			    '#piece-form label')).find((x) =>
			    x.textContent.replace(/\s*\*$/, '').trim() === l);
			return /\*/.test(lab.textContent) && document
			    .getElementById(lab.htmlFor)
			    .getAttribute('aria-required') === 'true';
		};
		return req('Host') && req('Port') && !req('SSL');
	}), 'required props are marked, optional ones are not');
	await typeInto(page, 'Name', 'Warehouse DB');
	await typeInto(page, 'Port', '5432');
	await typeInto(page, 'Password', DB_PASSWORD);
	await page.click('#piece-form button[type="submit"]');
	const hostErr = await until(page, () => {
		const lab = Array.from(document.querySelectorAll('#piece-form label'))
		    .find((x) => x.textContent.replace(/\s*\*$/, '').trim() === 'Host');
		const i = document.getElementById(lab.htmlFor);
		const e = document.getElementById(i.id + '-error');
		return i.getAttribute('aria-invalid') === 'true' && !e.hidden &&
		    e.textContent.length > 0 && document.activeElement === i;
	});
	ok(hostErr, 'the API\'s validation error (field value.props.host) is ' +
	    'shown on the Host field, which gets the focus');
	const hostMsg = await page.evaluate(() => {
		const i = document.querySelector('#piece-form input[name="host"]');
		return document.getElementById(i.id + '-error').textContent;
	});
	ok(hostMsg === 'Host is required', 'with the API\'s message, naming ' +
	    'the field by its label (not value.props.host)', hostMsg);
	ok(await page.evaluate(() => Array.from(document.querySelectorAll(
	    '#piece-form .field-error:not([hidden])')).length === 1),
	    'and on no other field');
	await shot(page, '05-validation-error');
	await typeInto(page, 'Host', 'db.internal');
	await page.select(await mode.evaluate((e) => '#' + e.id), '1');
	await page.click('#piece-form button[type="submit"]');
	ok(await waitRow(page, 'Warehouse DB'), 'the CUSTOM_AUTH connection is saved');
	info = await rowInfo(page, 'Warehouse DB');
	const pgId = info && info.id;
	const pgExt = info && info.externalId;
	r = await apiCall('GET', '/api/app-connections/' + pgId);
	ok(r.status === 200 && r.data.type === 'CUSTOM_AUTH' &&
	    r.data.value.props.host === 'db.internal' &&
	    r.data.value.props.port === 5432 && r.data.value.props.mode === 'rw' &&
	    r.data.value.props.ssl === false && !('password' in r.data.value.props),
	    'the API has its props typed (number, dropdown value, checkbox)',
	    JSON.stringify(r.data.value));
	ok(!(await page.content()).includes(DB_PASSWORD), 'its password is not shown');

	/* Scenario 5: test, then a rejected credential becomes ERROR. */
	await clickAction(page, 'OpenAI prod', 'test');
	ok(await until(page, () => /Test passed: Connection successful/.test(
	    (document.querySelector('#list li.conn[data-status] .row-msg.ok') ||
	    {}).textContent || '')), 'Test: the service accepts the key');
	await clickAction(page, 'Warehouse DB', 'test');
	ok(await until(page, () => {
		const li = Array.from(document.querySelectorAll('#list li.conn'))
		    .find((l) => l.querySelector('.conn-name').textContent ===
		    'Warehouse DB');
		const m = li && li.querySelector('.row-msg');
		return m && /^Format looks valid/.test(m.textContent);
	}), 'Test of a piece without a probe: "Format looks valid"');
	info = await rowInfo(page, 'Warehouse DB');
	ok(info && !/Test passed/.test(info.msg), '... never "Test passed"',
	    info && info.msg);
	r = await apiCall('POST', '/api/app-connections/' + pgId + '/test');
	ok(r.data.status === 'success' && r.data.probed === false,
	    '(the API answered success with probed false)', JSON.stringify(r.data));

	/* Any connection's credentials can be updated, an ACTIVE one too. */
	info = await rowInfo(page, 'OpenAI prod');
	ok(info && info.status === 'ACTIVE' && info.update &&
	    info.updateText === 'Update credentials',
	    'an ACTIVE connection offers Update credentials', JSON.stringify(info));
	const prodBefore = info;
	await clickAction(page, 'OpenAI prod', 'update');
	await page.waitForSelector('#piece-form:not([hidden]) form.auth-form');
	ok(await page.$eval('#piece-form input[name="externalId"]', (i, e) =>
	    i.readOnly && i.value === e, prodBefore.externalId) &&
	    /Update the credentials of “OpenAI prod”/.test(await text(page,
	    '#create-title')), 'the form keeps the connection id and says what ' +
	    'it updates');
	ok(await page.$eval('input[name="secret_text"]', (i) => i.value === ''),
	    'the old secret is not shown');
	await page.type('input[name="secret_text"]', NEW_SECRET);
	await page.click('#piece-form button[type="submit"]');
	ok(await until(page, () => /Updated the credentials of “OpenAI prod”/
	    .test(document.getElementById('notice').textContent)),
	    'the update is saved');
	/* The list is read again after the notice: wait for the new row. */
	await until(page, (id) => Array.from(document.querySelectorAll(
	    '#list > li.conn')).some((l) => l.dataset.id === id &&
	    l.classList.contains('highlight')), prodBefore.id);
	info = await rowInfo(page, 'OpenAI prod');
	ok(info && info.id === prodBefore.id && info.status === 'ACTIVE' &&
	    info.highlighted, 'the same connection, still ACTIVE',
	    JSON.stringify(info));
	await clickAction(page, 'OpenAI prod', 'test');
	ok(await until(page, () => {
		const li = Array.from(document.querySelectorAll('#list li.conn'))
		    .find((l) => l.querySelector('.conn-name').textContent ===
		    'OpenAI prod');
		const m = li && li.querySelector('.row-msg.ok');
		return m && /^Test passed: Connection successful$/.test(
		    m.textContent);
	}), 'the updated key passes the test (the probe saw it: see t0800)');
	await clickAction(page, 'Warehouse DB', 'update');
	await page.waitForSelector('#piece-form:not([hidden]) form.auth-form');
	ok(await page.evaluate(() => {
		const v = (n) => document.querySelector('#piece-form [name="' +
		    n + '"]');
		return v('host').value === 'db.internal' && v('port').value ===
		    '5432' && v('password').value === '' &&
		    v('mode').selectedOptions[0].textContent === 'Write';
	}), 'updating CUSTOM_AUTH credentials starts from the stored props, ' +
	    'secrets left empty');
	await page.click('#create-back');
	ok(await until(page, () => document.activeElement &&
	    document.activeElement.dataset.action === 'update'),
	    'Back returns the focus to the row\'s Update credentials');
	await pickPiece(page, 'openai', 'openai');
	await typeInto(page, 'Name', 'OpenAI old');
	await page.type('input[name="secret_text"]', BAD_SECRET);
	await page.click('#piece-form button[type="submit"]');
	await waitRow(page, 'OpenAI old');
	await clickAction(page, 'OpenAI old', 'test');
	ok(await until(page, () => Array.from(document.querySelectorAll(
	    '#list li.conn[data-status="ERROR"]')).some((li) =>
	    /Test failed: The service rejected the credential \(HTTP 401\)/
	    .test(li.querySelector('.row-msg').textContent))),
	    'Test: a rejected key fails, with the reason');
	info = await rowInfo(page, 'OpenAI old');
	ok(info && info.status === 'ERROR' && info.badge === 'Error',
	    'the badge says Error', JSON.stringify(info));
	ok(info && /The service rejected the credential \(HTTP 401\)/.test(
	    info.reason) && info.reasonTime, 'with the recorded reason and when');
	ok(info && info.update, 'an ERROR connection offers Update credentials');
	ok(await page.evaluate(() => document.activeElement &&
	    document.activeElement.dataset.action === 'test'),
	    'the focus stays on the Test button');
	await shot(page, '06-test-error');

	/* Scenario 6: OAuth2 through the provider and back. */
	await pickPiece(page, 'acme', 'acme');
	ok(await page.$eval('#piece-form button[type="submit"]', (b) =>
	    b.textContent === 'Connect'), 'an OAuth2 piece offers Connect');
	const own = await page.evaluate(() => {
		const d = document.querySelector('#piece-form details.own-app');
		const s = d && d.querySelector('summary');
		return d && s && { open: d.open, first: d.firstElementChild === s,
		    text: s.textContent,
		    marker: getComputedStyle(s, '::before').content,
		    display: getComputedStyle(s).display };
	});
	ok(own && !own.open && own.first && /Use your own OAuth app/
	    .test(own.text), '"Use your own OAuth app" is a closed disclosure',
	    JSON.stringify(own));
	ok(own && (own.display === 'list-item' || /\u25B8/.test(own.marker)),
	    '... that shows a disclosure marker', JSON.stringify(own));
	await page.click('#piece-form details.own-app summary');
	const redirect = await page.evaluate(() => {
		const d = document.querySelector('#piece-form details.own-app');
		const i = d.querySelector('input[data-redirect-uri]');
		const l = i && document.querySelector('label[for="' + i.id + '"]');
		return { open: d.open, value: i && i.value,
		    readOnly: i && i.readOnly, label: l && l.textContent,
		    visible: !!i && i.offsetParent !== null,
		    marker: getComputedStyle(d.querySelector('summary'),
		    '::before').content };
	});
	ok(redirect.open && (own.display === 'list-item' ||
	    /\u25BE/.test(redirect.marker)), 'a click opens it, and its ' +
	    'marker turns', JSON.stringify(redirect));
	ok(redirect.open && redirect.visible && redirect.value === CALLBACK &&
	    redirect.readOnly && redirect.label === 'Redirect URI',
	    'opened, it shows the redirect URI to register (APCONN_PUBLIC_URL\'s ' +
	    'callback)', JSON.stringify(redirect));
	await shot(page, '06b-own-oauth-app');
	await page.click('#piece-form details.own-app summary');
	await typeInto(page, 'Name', 'Acme main');
	await Promise.all([
		page.waitForNavigation({ waitUntil: 'networkidle0' }),
		page.click('#piece-form button[type="submit"]'),
	]);
	ok(page.url() === PAGE_URL, 'back on the page after the provider, the ' +
	    'query string removed', page.url());
	ok(await waitRow(page, 'Acme main'), 'the OAuth2 connection is listed');
	info = await rowInfo(page, 'Acme main');
	ok(info && info.highlighted && info.focused && info.status === 'ACTIVE',
	    'highlighted and focused', JSON.stringify(info));
	ok(/^Connected “Acme main” \(acme-main-[0-9a-f]{6}\)\.$/.test(
	    await text(page, '#notice')), 'a notice names it',
	    await text(page, '#notice'));
	r = await apiCall('GET', '/api/app-connections/' + (info && info.id));
	ok(r.status === 200 && r.data.type === 'OAUTH2' &&
	    r.data.displayName === 'Acme main', 'the API has the OAUTH2 connection');
	await shot(page, '07-oauth2-connected');

	/* An OAuth2 connection offers "Refresh now"; a secret does not. */
	ok(await clickAction(page, 'Acme main', 'refresh'),
	    'an OAuth2 connection offers Refresh now');
	ok(await until(page, () => Array.from(document.querySelectorAll(
	    '#list > li.conn')).some((l) => /Token refreshed/.test(
	    (l.querySelector('.row-msg') || {}).textContent || ''))),
	    '... which says the token was refreshed');
	r = await apiCall('GET', '/api/app-connections/' + (info && info.id));
	ok(r.status === 200 && r.data.status === 'ACTIVE',
	    '... and the connection is still ACTIVE', JSON.stringify(r.data));
	ok(!(await page.evaluate(() => Array.from(document.querySelectorAll(
	    '#list > li.conn')).some((l) => l.querySelector('.conn-name') &&
	    l.querySelector('.conn-name').textContent === 'OpenAI prod' &&
	    l.querySelector('[data-action="refresh"]')))),
	    'a SECRET_TEXT connection offers no Refresh now');

	/* The provider refuses: its error is shown.  This piece has no OAuth
	   app on the server: the page asks for one, then uses the user's. */
	await pickPiece(page, 'denied', 'denied');
	await typeInto(page, 'Name', 'Denied');
	await page.click('#piece-form button[type="submit"]');
	ok(await until(page, () => {
		const i = document.querySelector('#piece-form input[name="clientId"]');
		return i && i.getAttribute('aria-invalid') === 'true' &&
		    i.closest('details').open && document.activeElement === i;
	}), 'without an OAuth app, the error is shown on the client id field');
	const cidMsg = await page.evaluate(() => {
		const i = document.querySelector('#piece-form input[name="clientId"]');
		return document.getElementById(i.id + '-error').textContent;
	});
	ok(/Client ID/.test(cidMsg) && /Client secret/.test(cidMsg) &&
	    !/clientId|clientSecret/.test(cidMsg), '... naming the fields by ' +
	    'their labels, not clientId and clientSecret', cidMsg);
	await page.type('#piece-form input[name="clientId"]', 'my-client');
	await page.type('#piece-form input[name="clientSecret"]', 'my-secret');
	await Promise.all([
		page.waitForNavigation({ waitUntil: 'networkidle0' }),
		page.click('#piece-form button[type="submit"]'),
	]);
	ok(await until(page, () => /access_denied/.test(
	    document.getElementById('alert').textContent) &&
	    !document.getElementById('alert').hidden),
	    'the provider\'s error is shown', await text(page, '#alert'));
	ok(page.url() === PAGE_URL, '... and the query string removed');
	ok(!(await rowInfo(page, 'Denied')), 'no connection was made');
	await shot(page, '08-oauth2-denied');

	/* Scenario 7: rename. */
	await clickAction(page, 'OpenAI prod', 'rename');
	await page.waitForSelector('.rename-form input');
	ok(await page.evaluate(() => document.activeElement ===
	    document.querySelector('.rename-form input')), 'the new name field ' +
	    'has the focus');
	await page.keyboard.down('Control');
	await page.keyboard.press('a');
	await page.keyboard.up('Control');
	await page.keyboard.type('OpenAI production');
	await shot(page, '09-rename');
	await page.keyboard.press('Enter');
	ok(await waitRow(page, 'OpenAI production'), 'renamed in the list');
	r = await apiCall('GET', '/api/app-connections/' + openaiId);
	ok(r.data.displayName === 'OpenAI production', 'and in the API');
	await clickAction(page, 'OpenAI production', 'rename');
	await page.waitForSelector('.rename-form input');
	await page.keyboard.down('Control');
	await page.keyboard.press('a');
	await page.keyboard.up('Control');
	await page.keyboard.press('Backspace');
	await page.keyboard.press('Enter');
	ok(await until(page, () => {
		const e = document.querySelector('.rename-form .field-error');
		const i = document.querySelector('.rename-form input');
		return e && !e.hidden && /name/.test(e.textContent) &&
		    i.getAttribute('aria-invalid') === 'true';
	}), 'an empty name is refused, under the field');
	await page.keyboard.press('Escape');
	ok(await waitRow(page, 'OpenAI production'), 'Escape cancels the rename');

	/* Scenario 8: delete, with references.  A workflow uses the
	   warehouse connection (made through the API). */
	r = await apiCall('POST', '/api/workflows/create', {
		name: 'Nightly sync',
		nodes: [{ id: 'n1', type: 'action', data: { label: 'Copy rows',
		    config: { actionType: 'postgres/query',
		    auth: "{{connections['" + pgExt + "']}}" } } }],
		edges: [],
	});
	ok(r.status === 200, 'a workflow referencing the connection is created',
	    JSON.stringify(r.data));
	const wfId = r.data && r.data.id;
	await page.click('#filters button[type="submit"]');
	ok(await until(page, () => Array.from(document.querySelectorAll(
	    '#list li.conn')).some((li) => li.querySelector('.conn-name')
	    .textContent === 'Warehouse DB' && /Used by 1 workflow:.*Nightly sync/
	    .test(li.querySelector('[data-uses]').textContent))),
	    'the list shows the workflow that uses it');
	await shot(page, '10-in-use');
	await clickAction(page, 'Warehouse DB', 'delete');
	await page.waitForSelector('#confirm[open]');
	ok(/Delete “Warehouse DB”\?/.test(await text(page, '#confirm-title')),
	    'delete asks first');
	ok(await page.evaluate(() => document.activeElement.id ===
	    'confirm-cancel'), 'the dialog starts on Cancel');
	await page.click('#confirm-ok');
	ok(await until(page, () => /in use/.test(document.getElementById(
	    'confirm-title').textContent) && document.getElementById('confirm')
	    .open), 'ifUnreferenced=true is refused (409): the page says it is in use');
	ok(/Nightly sync/.test(await text(page, '#confirm-body [data-referencing]')),
	    'and lists the referencing workflow');
	r = await apiCall('GET', '/api/app-connections/' + pgId);
	ok(r.status === 200, 'nothing was deleted yet');
	await shot(page, '11-delete-referenced');
	await page.click('#confirm-ok');
	ok(await until(page, () => /Deleted “Warehouse DB” and detached it from 1 workflow/
	    .test(document.getElementById('notice').textContent)),
	    'Delete anyway deletes it and says what was detached');
	ok(!(await rowInfo(page, 'Warehouse DB')), 'gone from the list');
	r = await apiCall('GET', '/api/app-connections/' + pgId);
	ok(r.status === 404, 'gone from the API');
	r = await apiCall('GET', '/api/workflows/' + wfId);
	ok(r.status === 200, 'the workflow stays');
	/* Reconnect an ERROR one: the same connection id, a new secret. */
	info = await rowInfo(page, 'OpenAI old');
	await clickAction(page, 'OpenAI old', 'update');
	await page.waitForSelector('#piece-form:not([hidden]) form.auth-form');
	ok(await page.$eval('#piece-form input[name="externalId"]', (i, e) =>
	    i.readOnly && i.value === e, info.externalId),
	    'Update credentials keeps the connection id');
	await page.type('input[name="secret_text"]', SECRET);
	await shot(page, '12-reconnect');
	await page.click('#piece-form button[type="submit"]');
	await until(page, (nm) => Array.from(document.querySelectorAll(
	    '#list > li.conn.highlight')).some((li) =>
	    li.querySelector('.conn-name').textContent === nm), 'OpenAI old');
	const before = info;
	info = await rowInfo(page, 'OpenAI old');
	ok(info && info.status === 'ACTIVE' && info.id === before.id &&
	    info.highlighted, 'reconnected: the same connection, ACTIVE again',
	    JSON.stringify(info));

	/* Unreferenced: one confirmation; Escape cancels. */
	await clickAction(page, 'OpenAI old', 'delete');
	await page.waitForSelector('#confirm[open]');
	await page.keyboard.press('Escape');
	ok(await until(page, () => !document.getElementById('confirm').open) &&
	    await rowInfo(page, 'OpenAI old'), 'Escape keeps the connection');
	await clickAction(page, 'OpenAI old', 'delete');
	await page.waitForSelector('#confirm[open]');
	await page.click('#confirm-ok');
	ok(await until(page, () => /Deleted “OpenAI old”\.$/.test(
	    document.getElementById('notice').textContent)),
	    'an unreferenced connection is deleted after one confirmation');

	/* Scenario 9: filters, paging, names as text. */
	const evil = '<img src=x onerror="document.title=\'pwned\'">Evil & co';
	for (let i = 1; i <= 11; i++) {
		r = await apiCall('POST', '/api/app-connections', {
			externalId: 'bulk-' + i, displayName: i === 11 ? evil :
			    'Bulk ' + String(i).padStart(2, '0'),
			pieceName: 'jira-cloud', type: 'BASIC_AUTH',
			value: { type: 'BASIC_AUTH', username: 'u' + i,
			    password: 'p' + i } });
	}
	ok(r.status === 201, 'eleven more connections through the API');
	await page.reload({ waitUntil: 'networkidle0' });
	await waitRow(page, evil);
	ok(await page.evaluate((e) => {
		const t = Array.from(document.querySelectorAll('.conn-name'))
		    .find((x) => x.textContent === e);
		return t && t.children.length === 0 && !document.querySelector(
		    '#list img[src="x"]') && document.title !== 'pwned';
	}, evil), 'a name with markup is shown as text');
	ok(await page.$$eval('#list > li.conn', (l) => l.length) === 10,
	    'a page holds ten');
	ok(await page.$eval('#prev', (b) => b.disabled) &&
	    !(await page.$eval('#next', (b) => b.disabled)),
	    'the first page: Older, not Newer');
	await page.click('#next');
	ok(await until(page, () => document.querySelectorAll('#list > li.conn')
	    .length === 3 && document.getElementById('next').disabled &&
	    !document.getElementById('prev').disabled), 'Older: the last three');
	ok(await page.$$eval('#list .conn-name', (l) => l.map((x) =>
	    x.textContent).join(',')) === 'Bulk 01,Acme main,OpenAI production',
	    'the oldest connections on the last page');
	await page.click('#prev');
	ok(await until(page, () => document.querySelectorAll('#list > li.conn')
	    .length === 10 && document.getElementById('prev').disabled),
	    'Newer: back to the first page');
	await page.type('#f-name', 'bulk 0');
	await page.click('#filters button[type="submit"]');
	ok(await until(page, () => document.querySelectorAll('#list > li.conn')
	    .length === 9), 'filter by name (case-insensitive)');
	await page.click('#filters button[type="reset"]');
	await page.type('#f-piece', 'acme');
	await page.click('#filters button[type="submit"]');
	ok(await until(page, () => {
		const l = document.querySelectorAll('#list > li.conn');
		return l.length === 1 && l[0].querySelector('.conn-name')
		    .textContent === 'Acme main';
	}), 'filter by piece');
	await page.click('#filters button[type="reset"]');
	await apiCall('POST', '/api/app-connections/' + openaiId + '/test');
	await page.evaluate(() => {
		document.getElementById('f-error').checked = true;
	});
	await page.click('#filters button[type="submit"]');
	ok(await until(page, () => document.getElementById('list-status')
	    .textContent === 'No connection matches these filters.'),
	    'filter by status: no ERROR connection now');
	await page.evaluate(() => {
		document.getElementById('f-error').checked = false;
		document.getElementById('f-active').checked = true;
	});
	await page.click('#filters button[type="submit"]');
	ok(await until(page, () => document.querySelectorAll('#list > li.conn')
	    .length === 10 && Array.from(document.querySelectorAll(
	    '#list .badge')).every((b) => b.dataset.status === 'ACTIVE')),
	    'filter by status ACTIVE');
	await page.click('#filters button[type="reset"]');
	await until(page, () => document.querySelectorAll('#list > li.conn')
	    .length === 10);
	await shot(page, '13-list');

	/* Keyboard: everything is reachable, and focus is visible. */
	await page.focus('#f-name');
	let reached = false;
	let visible = true;
	for (let i = 0; i < 20 && !reached; i++) {
		await page.keyboard.press('Tab');
		const f = await page.evaluate(() => {
			const a = document.activeElement;
			const s = getComputedStyle(a);
			return { id: a.id, action: a.dataset.action,
			    outline: s.outlineStyle !== 'none' &&
			    parseFloat(s.outlineWidth) >= 2 };
		});
		visible = visible && f.outline;
		reached = f.action === 'test';
	}
	ok(reached, 'Tab reaches the first row\'s buttons');
	ok(visible, 'every element Tab reached shows a focus outline');
	await page.focus('#new');
	await page.keyboard.press('Enter');
	ok(await until(page, () => !document.getElementById('create-view').hidden &&
	    document.activeElement.id === 'p-query'), 'Enter on New connection ' +
	    'opens the piece search, focused');
	await page.waitForSelector('button[data-piece="openai"]');
	await page.focus('button[data-piece="openai"]');
	await page.keyboard.press('Enter');
	ok(await until(page, () => document.activeElement &&
	    document.activeElement.name === 'displayName'),
	    'Enter on a piece opens its form, focused on the name');
	await page.click('#create-back');
	ok(await until(page, () => document.activeElement.id === 'new'),
	    'Back returns the focus to New connection');
	ok(await page.evaluate(() => Array.from(document.querySelectorAll(
	    'input, select, textarea')).filter((i) => i.type !== 'hidden' &&
	    i.offsetParent !== null).every((i) => i.labels && i.labels.length > 0)),
	    'every visible control has a label');

	/* Phone width. */
	await page.setViewport({ width: 375, height: 740, isMobile: true,
	    hasTouch: true });
	await page.reload({ waitUntil: 'networkidle0' });
	await waitRow(page, 'Acme main');
	ok(await page.evaluate(() => document.documentElement.scrollWidth <=
	    window.innerWidth), 'no horizontal scrolling at 375 px');
	ok(await page.evaluate(() => Array.from(document.querySelectorAll(
	    '#list button')).every((b) => b.getBoundingClientRect().height >= 44)),
	    'buttons are at least 44 px high');
	await shot(page, '14-phone');
	await pickPiece(page, 'postgres', 'postgres');
	ok(await page.evaluate(() => document.documentElement.scrollWidth <=
	    window.innerWidth), 'the form fits at 375 px too');
	await shot(page, '15-phone-form');

	ok(problems.length === 0, 'no CSP or Trusted Types violation, page ' +
	    'error or native dialog', problems.join(' | '));
	ok(foreign.length === 0, 'no request left apconn and the local fake',
	    foreign.join(' '));
	await page.close();
}

main().catch((e) => {
	ok(false, 'the scenarios ran to the end', e && e.stack || e);
}).finally(() => {
	console.log(n + ' browser checks, ' + failures + ' failed');
	process.exit(failures === 0 && n > 0 ? 0 : 1);
});
