// Federation — for administrators: this node's peer sessions (state, traffic, backoff, last
// error, and how far their log is here), the logs it holds, and equivocation evidence, whose two
// signed notes the browser can check against the member's key.

import { getJSON, seg, slugOf } from '../api.js';
import { t, num, dateTime, ago, duration } from '../i18n.js';
import { h, state, section, table, tableCSV, download, badge, loading, errorState, clear, short, announce } from '../dom.js';
import { directory, memberName } from './common.js';
import { verifyEvidence, available } from '../verify.js';

const STATE_CLASS = { ready: 'ok', backoff: 'warn', connecting: 'info', handshake: 'info', closing: 'muted', standby: 'muted', self: 'muted', refused: 'danger' };

export default async function federation(ctx) {
	const { main, signal } = ctx;
	ctx.setTitle(t('fed.title'));
	main.append(h('h1', null, t('fed.title')), h('p', { class: 'lead' }, t('fed.intro')));
	const body = h('div', null, loading());
	main.append(body);
	let peers, dir;
	try {
		[peers, dir] = await Promise.all([getJSON('/api/v1/peers', { signal }), directory(signal)]);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	const plist = (peers && peers.peers) || [];
	const logs = [...dir.logs.values()];
	const evidence = [];
	try {
		const ev = await getJSON('/api/v1/evidence', { signal });
		evidence.push(...((ev && ev.evidence) || []));
	} catch (e) {
		if (e.kind === 'aborted') throw e;
	}

	// ---- peers ----
	const lagCell = (p) => {
		const l = dir.logs.get(p.origin);
		if (!l) return t('none');
		return h('span', { 'data-size': l.origin }, `${num(l.size)} · ${ago(l.updated)}`);
	};
	const pcols = [
		{ key: 'origin', label: t('col.origin'), header: true, value: (p) => p.origin || p.url,
			cell: (p) => (p.origin ? h('span', null, memberName(dir, slugOf(p.origin)), h('br'), h('code', { class: 'muted' }, p.origin)) : h('code', null, p.url)) },
		{ key: 'url', label: t('fed.url'), value: (p) => p.url, cell: (p) => h('code', null, p.url || p.address) },
		{ key: 'direction', label: t('fed.direction'), value: (p) => p.direction, cell: (p) => t(p.direction === 'in' ? 'fed.in' : 'fed.out') },
		{ key: 'state', label: t('fed.state'), value: (p) => p.state,
			cell: (p) => h('span', null, badge(STATE_CLASS[p.state] || 'muted', t(`fed.state.${p.state}`) === `fed.state.${p.state}` ? p.state : t(`fed.state.${p.state}`), { 'data-peer-state': p.state }),
				p.state === 'backoff' && p.backoffMs ? h('span', { class: 'muted' }, ` ${t('fed.backoff', { s: duration(p.backoffMs) })}`) : null) },
		{ key: 'since', label: t('fed.since'), value: (p) => p.connectedSince || '', cell: (p) => (p.connectedSince ? dateTime(p.connectedSince) : t('none')) },
		{ key: 'lag', label: t('fed.lag'), sortable: false, value: (p) => (dir.logs.get(p.origin) || {}).size, cell: lagCell },
		{ key: 'frames', label: t('fed.traffic'), num: true, value: (p) => p.framesIn + p.framesOut, cell: (p) => `${num(p.framesIn)} / ${num(p.framesOut)}` },
		{ key: 'queued', label: t('fed.queued'), num: true, value: (p) => p.queued },
		{ key: 'violations', label: t('fed.violations'), num: true, value: (p) => p.violations },
		{ key: 'reconnects', label: t('fed.reconnects'), num: true, value: (p) => p.reconnects },
		{ key: 'lastError', label: t('fed.error'), value: (p) => p.lastError, cell: (p) => (p.lastError ? h('span', { class: 'err' }, p.lastError) : '') },
	];
	const ptbl = table(pcols, { caption: t('fed.peers'), rows: plist, sortKey: 'state', empty: t('fed.nopeers'), rowAttrs: (p) => ({ 'data-peer': p.origin || p.url }) });
	body.append(section(t('fed.peers'),
		plist.length ? null : state('empty', t('fed.nopeers')),
		plist.length ? [h('p', { class: 'actions' },
			h('button', { type: 'button', class: 'btn', onclick: () => download('remacto-peers.csv', tableCSV(pcols, ptbl.rows())) }, t('f.csv')),
			h('a', { class: 'btn', href: '/api/v1/peers.csv', download: 'peers.csv' }, t('f.csv.full'))), ptbl.el] : null));

	// ---- evidence ----
	body.append(section(t('fed.evidence'), evidence.length ? h('ul', { class: 'evidence' }, evidence.map((ev) => evidenceItem(ctx, ev)))
		: state('ok', t('fed.noevidence'))));

	// ---- logs ----
	const lcols = [
		{ key: 'origin', label: t('col.origin'), header: true, value: (l) => l.origin,
			cell: (l) => h('span', null, h('a', { href: `#/member/${seg(l.slug)}` }, memberName(dir, l.slug)), h('br'), h('code', { class: 'muted' }, l.origin)) },
		{ key: 'role', label: t('fed.role'), value: (l) => (dir.forked.has(l.origin) ? 'forked' : l.own ? 'own' : 'replica'),
			cell: (l) => { const s = dir.forked.has(l.origin) ? 'forked' : l.own ? 'own' : 'replica'; return badge(s === 'forked' ? 'danger' : s === 'own' ? 'info' : 'ok', t(`repl.${s}`)); } },
		{ key: 'size', label: t('col.size'), num: true, value: (l) => l.size, cell: (l) => h('span', { 'data-size': l.origin }, num(l.size)) },
		{ key: 'root', label: t('col.root'), value: (l) => l.root, cell: (l) => h('code', { title: l.root }, short(l.root, 12)) },
		{ key: 'updated', label: t('col.updated'), value: (l) => l.updated, cell: (l) => dateTime(l.updated) },
	];
	const ltbl = table(lcols, { caption: t('fed.logs'), rows: logs, sortKey: 'origin', rowAttrs: (l) => ({ 'data-log': l.origin }) });
	body.append(section(t('fed.logs'), h('p', { class: 'actions' },
		h('a', { class: 'btn', href: '/api/v1/logs.csv', download: 'logs.csv' }, t('f.csv.full'))), ltbl.el));

	ctx.onLive((m) => {
		if (m.resync) { ctx.rerender(); return; }
		const l = dir.logs.get(m.origin);
		if (!l || m.size <= l.size) return;
		l.size = m.size;
		l.updated = new Date().toISOString();
		for (const el of body.querySelectorAll('[data-size]')) {
			if (el.dataset.size !== m.origin) continue;
			el.textContent = el.closest('[data-peer]') ? `${num(l.size)} · ${ago(l.updated)}` : num(l.size);
			el.classList.remove('flash');
			void el.offsetWidth;
			el.classList.add('flash');
		}
		announce(t('live.size', { name: memberName(dir, slugOf(m.origin)), n: num(m.size) }));
	});
}

function evidenceItem(ctx, ev) {
	const out = h('div', { 'aria-live': 'polite' });
	const btn = h('button', { type: 'button', class: 'btn', disabled: available() !== 'ok' ? true : null }, t('fed.checkBoth'));
	btn.addEventListener('click', async () => {
		btn.disabled = true;
		let ok = false;
		try { ok = await verifyEvidence(ev, { signal: ctx.signal }); } catch (e) { ok = false; }
		btn.disabled = false;
		clear(out).append(ok ? state('ok', t('fed.bothSigned')) : state('warning', t('fed.notBoth')));
	});
	return h('li', { class: 'card-inner', 'data-evidence': ev.origin },
		h('p', null, h('strong', null, t('fed.evidenceOf', { o: ev.origin, a: num(ev.sizeA), b: num(ev.sizeB) }))),
		h('div', { class: 'grid-2' }, h('pre', { class: 'note', dir: 'ltr' }, ev.noteA), h('pre', { class: 'note', dir: 'ltr' }, ev.noteB)),
		btn, out);
}
