// api — reads the node's public read API (same origin). Every failure becomes an ApiError
// that says whether the node was unreachable, answered an HTTP error, or sent something
// unreadable, so pages can show a clear state instead of breaking.

const TIMEOUT_MS = 15000;
const CACHE_MS = 4000;   // a language switch re-renders without asking the node again

export class ApiError extends Error {
	constructor(kind, status, reason, path) {
		super(reason || kind);
		this.kind = kind;       // 'unreachable' | 'http' | 'parse' | 'aborted'
		this.status = status;   // HTTP status or 0
		this.reason = reason || '';
		this.path = path;
	}
}

const cache = new Map();

export function invalidate() { cache.clear(); }

async function request(path, { signal, accept } = {}) {
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
	const onAbort = () => ctl.abort();
	if (signal) {
		if (signal.aborted) throw new ApiError('aborted', 0, 'aborted', path);
		signal.addEventListener('abort', onAbort, { once: true });
	}
	try {
		let res;
		try {
			res = await fetch(path, { signal: ctl.signal, headers: accept ? { Accept: accept } : {}, cache: 'no-cache' });
		} catch (e) {
			if (signal && signal.aborted) throw new ApiError('aborted', 0, 'aborted', path);
			throw new ApiError('unreachable', 0, e && e.name === 'AbortError' ? 'timeout' : String(e && e.message || e), path);
		}
		const body = await res.text().catch(() => null);
		if (body === null) throw new ApiError('unreachable', res.status, 'the answer was cut off', path);
		if (!res.ok) {
			let reason = `HTTP ${res.status}`;
			try {
				const j = JSON.parse(body);
				if (j && j.error && j.error.reason) reason = j.error.reason;
			} catch (e) { /* not JSON: keep the status */ }
			throw new ApiError('http', res.status, reason, path);
		}
		return body;
	} finally {
		clearTimeout(timer);
		if (signal) signal.removeEventListener('abort', onAbort);
	}
}

export async function getJSON(path, opts = {}) {
	const hit = cache.get(path);
	if (hit && Date.now() - hit.t < CACHE_MS && !opts.fresh) return hit.v;
	const body = await request(path, opts);
	let v;
	try {
		v = JSON.parse(body);
	} catch (e) {
		throw new ApiError('parse', 200, 'not JSON', path);
	}
	cache.set(path, { t: Date.now(), v });
	return v;
}

export function getText(path, opts = {}) {
	return request(path, opts);
}

// Every page of a paginated list route ({"<name>":[…],"next":cursor}), up to max rows.
export async function getAll(path, name, opts = {}, max = 20000) {
	const out = [];
	let cursor = null;
	const sep = path.includes('?') ? '&' : '?';
	for (;;) {
		const url = `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const page = await getJSON(url, opts);
		const rows = page && Array.isArray(page[name]) ? page[name] : [];
		out.push(...rows);
		cursor = page ? page.next : null;
		if (!cursor || !rows.length || out.length >= max) return out;
	}
}

// A path segment, escaped.
export function seg(s) { return encodeURIComponent(String(s)); }

// The slug of an origin: its last path element.
export function slugOf(origin) {
	const s = String(origin || '');
	return s.slice(s.lastIndexOf('/') + 1);
}
