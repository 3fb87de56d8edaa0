// common — data several pages share: the member directory (names in three languages, kind,
// region, compliance) from /api/v1/compliance, the logs this node holds, the forked logs.

import { getJSON, ApiError } from '../api.js';
import { t, num, pick, regionName } from '../i18n.js';
import { h, badge, state, txt, loading, errorState, clear } from '../dom.js';

// A page's frame: its title, heading and introduction (i18n keys PREFIX.title, PREFIX.intro),
// then the body the page fills, showing a spinner until then.
export function pageBody(ctx, prefix) {
	ctx.setTitle(t(prefix + '.title'));
	ctx.main.append(h('h1', null, t(prefix + '.title')), h('p', { class: 'lead' }, t(prefix + '.intro')));
	const body = h('div', null, loading());
	ctx.main.append(body);
	return body;
}

// What load(signal) resolves to, or null once the failure is shown in body with a retry
// (a navigation away aborts the load: that propagates).
export async function loadInto(ctx, body, load) {
	try {
		return await load(ctx.signal);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		clear(body).append(errorState(e, () => ctx.rerender()));
		return null;
	}
}

// A text folded for search: no accents, lower case.
export function norm(s) {
	return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

// {members: Map slug → row, list, overview, logs: Map origin → log, forked: Set origin}
export async function directory(signal) {
	const [overview, logs, evidence] = await Promise.all([
		getJSON('/api/v1/compliance', { signal }).catch((e) => {
			// A node without the derived views still shows its logs.
			if (e instanceof ApiError && e.kind === 'http' && e.status === 404) return null;
			throw e;
		}),
		getJSON('/api/v1/logs', { signal }),
		getJSON('/api/v1/evidence', { signal }),
	]);
	const logMap = new Map();
	for (const l of (logs && logs.logs) || []) logMap.set(l.origin, l);
	const forked = new Set(((evidence && evidence.evidence) || []).map((e) => e.origin));
	const members = new Map();
	const list = [];
	for (const m of (overview && overview.members) || []) {
		const l = logMap.get(m.origin);
		const row = { ...m, log: l || null, size: l ? l.size : null, own: !!(l && l.own), forked: forked.has(m.origin) };
		members.set(m.member, row);
		list.push(row);
	}
	// Regions' names: the member that is the region itself, else the built-in list.
	const regions = new Map();
	for (const m of list) if (m.kind === 'region' && m.region) regions.set(m.region, m.name);
	return { overview, members, list, logs: logMap, forked, regions };
}

export function memberName(dir, slug) {
	const m = dir && dir.members.get(slug);
	if (!m && slug === 'registry') return t('fed.registry');
	return m ? pick(m.name).s || slug : slug;
}

export function memberNameEl(dir, slug, tag = 'span') {
	const m = dir && dir.members.get(slug);
	if (m && pick(m.name).s) return txt(m.name, tag);
	return h(tag, null, memberName(dir, slug));
}

// A region by its name: the node's (regionName of the compliance and benchmark views), else
// the registry's region member, else the built-in list.
export function regionLabel(dir, code, named) {
	if (!code) return t('none');
	if (named && pick(named).s) return pick(named).s;
	const n = dir && dir.regions.get(code);
	if (n && pick(n).s) {
		const s = pick(n).s;
		// "Région Rabat-Salé-Kénitra" → the region's own name, as the built-in list writes it.
		return s.replace(/^(Région|Region|جهة)\s+/u, '');
	}
	return regionName(code);
}

export function kindLabel(kind) {
	const k = ['region', 'prefecture', 'province', 'commune'].includes(kind) ? kind : 'unspecified';
	return t(`kind.${k}`);
}

export function replState(row) {
	if (row.forked) return 'forked';
	if (!row.log) return 'absent';
	return row.own ? 'own' : 'replica';
}

export function replBadge(row) {
	const s = replState(row);
	return badge(s === 'forked' ? 'danger' : s === 'absent' ? 'muted' : s === 'own' ? 'info' : 'ok', t(`repl.${s}`), { 'data-repl': s });
}

export function memberLink(dir, slug) {
	return h('a', { href: `#/member/${encodeURIComponent(slug)}` }, memberNameEl(dir, slug));
}

// A suspended member (the registry's memberSuspension, from the compliance overview): a badge,
// and the state that explains it with a link to the registry entry that says when and why. On
// the member's own node the state says that this node refuses to publish.
export function suspendedBadge(row) {
	return row && row.suspended ? badge('danger', t('badge.suspended'), { 'data-suspended': String(row.suspendedAtSize) }) : null;
}

export function suspensionState(row) {
	if (!row || !row.suspended) return null;
	const n = num(row.suspendedAtSize || 0);
	const link = row.suspensionIndex ? h('a', { href: `#/entry/registry/${row.suspensionIndex}`, 'data-suspension-entry': String(row.suspensionIndex) }, t('state.suspended.entry')) : null;
	const el = row.own
		? state('warning', t('state.suspended.own'), t('state.suspended.own.detail', { name: pick(row.name).s || row.member, n }), link)
		: state('warning', t('state.suspended'), t('state.suspended.detail', { n }), link);
	el.dataset.suspension = row.own ? 'own' : 'member';
	return el;
}
