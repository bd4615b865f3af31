// apconn's HTTP API, as the page uses it: JSON in and out, the session
// cookie sent by the browser (same origin), and every failure turned into
// an ApiError carrying the API's {error, code, field}.  Nothing here
// stores a credential: an API token given to exchangeToken() is sent once,
// in a header, and dropped.

export class ApiError extends Error {
	constructor(status, body) {
		const b = body && typeof body === 'object' ? body : {};
		super(typeof b.error === 'string' && b.error !== '' ? b.error :
		    status === 0 ? 'The server could not be reached' :
		    'The request failed (HTTP ' + status + ')');
		this.name = 'ApiError';
		this.status = status;
		this.code = typeof b.code === 'string' ? b.code : '';
		this.field = typeof b.field === 'string' ? b.field : '';
		this.body = b;
	}
}

function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {})) {
		if (v === undefined || v === null || v === '')
			continue;
		if (Array.isArray(v))
			v.forEach((x) => q.append(k, x));
		else
			q.append(k, String(v));
	}
	const s = q.toString();
	return s ? '?' + s : '';
}

// request(method, path, {body, params, headers, cache}): the parsed JSON
// answer (null when empty), or throws ApiError.  State-changing requests
// carry the page's Origin, which apconn checks for cookie sessions.
export async function request(method, path, opts = {}) {
	const headers = Object.assign({ Accept: 'application/json' },
	    opts.headers || {});
	const init = {
		method,
		headers,
		credentials: 'same-origin',
		cache: opts.cache || 'no-store',
		redirect: 'error',
	};
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(opts.body);
	}
	let res;
	try {
		res = await fetch(path + query(opts.params), init);
	} catch (e) {
		throw new ApiError(0, null);
	}
	const text = await res.text();
	let data = null;
	if (text !== '') {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok)
		throw new ApiError(res.status, data);
	return data;
}

export const api = {
	user: () => request('GET', '/api/user'),
	anonymous: () => request('POST', '/api/auth/anonymous'),
	logout: () => request('POST', '/api/auth/logout'),
	// The token goes in this one request's header and nowhere else; the
	// answer sets the HttpOnly session cookie.
	exchangeToken: (token) => request('POST', '/api/auth/session',
	    { headers: { Authorization: 'Bearer ' + token } }),
	connections: (params) => request('GET', '/api/app-connections',
	    { params }),
	connection: (id) => request('GET', '/api/app-connections/' +
	    encodeURIComponent(id)),
	upsert: (body) => request('POST', '/api/app-connections', { body }),
	rename: (id, displayName) => request('POST', '/api/app-connections/' +
	    encodeURIComponent(id), { body: { displayName } }),
	test: (id) => request('POST', '/api/app-connections/' +
	    encodeURIComponent(id) + '/test'),
	refresh: (id) => request('POST', '/api/app-connections/' +
	    encodeURIComponent(id) + '/refresh'),
	remove: (id, ifUnreferenced) => request('DELETE',
	    '/api/app-connections/' + encodeURIComponent(id),
	    { params: ifUnreferenced ? { ifUnreferenced: 'true' } : {} }),
	oauth2Start: (body) => request('POST',
	    '/api/app-connections/oauth2/start', { body }),
	// The catalogue is revalidated each time (a 304 when unchanged): an
	// operator may fill it at any moment.
	pieces: (params) => request('GET', '/api/pieces',
	    { params, cache: 'no-cache' }),
	piece: (name) => request('GET', '/api/pieces/' +
	    encodeURIComponent(name), { cache: 'default' }),
	workflows: () => request('GET', '/api/workflows'),
};
