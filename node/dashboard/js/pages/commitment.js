// Commitment — a commitment's present state and its full history: every version, amendment,
// status and milestone update, assessment and consultation in log order, old and new values
// side by side; and "verify", which checks every entry of that history in the browser.

import { getJSON, seg, ApiError } from '../api.js';
import { t, num, date, pick, money, dateTime } from '../i18n.js';
import { h, txt, state, section, progressBar, loading, errorState, clear } from '../dom.js';
import { directory, memberLink } from './common.js';
import { completionBadge, milestoneBadge, milestoneState } from './member.js';
import { verifyPanel, proofLink } from './verifyview.js';

export default async function commitment(ctx) {
	const { main, signal, params } = ctx;
	const [slug, id] = params;
	const body = h('div', null, loading());
	main.append(body);
	let c, dir;
	try {
		[c, dir] = await Promise.all([
			getJSON(`/api/v1/commitments/${seg(slug)}/${seg(id)}`, { signal }),
			directory(signal).catch(() => null),
		]);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		if (e instanceof ApiError && e.status === 404) {
			ctx.setTitle(id);
			clear(body).append(h('h1', null, id), state('empty', t('state.nocommitment'), e.reason));
			return;
		}
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	ctx.setTitle(pick(c.title).s || id);
	const today = new Date().toISOString().slice(0, 10);
	const latest = (c.entry && c.entry.commitment) || {};
	const row = dir && dir.members.get(slug);

	body.append(h('div', { class: 'page-head' },
		h('p', { class: 'crumbs' }, memberLink(dir, slug), ' / ', h('code', null, c.id)),
		txt(c.title, 'h1'),
		h('div', { class: 'badges' }, completionBadge(c.status)),
		progressBar(c.progress || 0)));
	if (row && row.forked) body.append(state('error', t('state.forked'), t('state.forked.detail')));
	const notice = h('div', { class: 'notice', hidden: true, role: 'status' });
	body.append(notice);
	ctx.onLive((m) => {
		if (m.resync || m.origin === c.origin) {
			clear(notice).append(t('live.new'), ' ', h('button', { type: 'button', class: 'btn', onclick: () => ctx.rerender() }, t('live.refresh')));
			notice.hidden = false;
		}
	});

	body.append(section(t('c.description'), h('dl', { class: 'facts' },
		h('dt', null, t('c.programme')), h('dd', null, h('code', null, c.programme || t('none'))),
		h('dt', null, t('c.principles')), h('dd', null, (c.principles || []).map((p) => t(`principle.${p}`)).join(' · ') || t('none')),
		h('dt', null, t('c.status')), h('dd', null, t(`completion.${c.status || 'COMPLETION_UNSPECIFIED'}`), c.statusDate ? ` — ${date(c.statusDate)}` : ''),
		h('dt', null, t('c.dates')), h('dd', null, latest.startDate ? t('m.period', { a: date(latest.startDate), b: date(latest.endDate) }) : t('none')),
		h('dt', null, t('c.lead')), h('dd', null, latest.leadBody || t('none')),
		h('dt', null, t('c.budget')), h('dd', null, latest.budgetMad ? money(latest.budgetMad) : t('none')),
		latest.stakeholders ? [h('dt', null, t('c.stakeholders')), h('dd', null, latest.stakeholders.join(' · '))] : null),
	latest.problem ? [h('h3', null, t('c.problem')), txt(latest.problem, 'p')] : null,
	latest.description ? [h('h3', null, t('c.description')), txt(latest.description, 'p')] : null));

	if ((c.milestones || []).length) {
		body.append(section(t('m.milestones'), h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
			h('thead', null, h('tr', null, ['', t('c.title'), t('c.due'), t('c.status')].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', null, c.milestones.map((m) => h('tr', null, h('th', { scope: 'row' }, m.id), h('td', null, txt(m.title)),
				h('td', null, t('m.due', { d: date(m.dueDate) }), m.date ? h('div', { class: 'muted' }, t('m.done', { d: date(m.date) })) : null),
				h('td', null, milestoneBadge(milestoneState(m, today))))))))));
	}

	const history = c.history || [];
	body.append(section(t('v.title'), verifyPanel(ctx, slug, () => history.map((e) => ({ index: e.index, entry: e.entry })), { all: true }),
		h('p', { class: 'proof-download' }, proofLink(slug, c.lastUpdateIndex !== undefined && c.lastUpdateIndex !== null ? c.lastUpdateIndex : c.logIndex), ' ',
			h('span', { class: 'muted' }, t('v.downloadLatest')))));
	body.append(section(t('c.history'), h('p', { class: 'muted' }, t('c.history.intro')),
		h('ol', { class: 'history' }, historyItems(slug, history, c))));
}

// ---- history ----

function historyItems(slug, history, c) {
	let prevCommitment = null;
	let prevStatus = null;
	const milestoneTitles = new Map((c.milestones || []).map((m) => [m.id, m.title]));
	return history.map((e) => {
		const x = e.entry || {};
		let content;
		switch (e.kind) {
		case 'commitment':
			content = prevCommitment ? diffTable(diff(prevCommitment, x.commitment)) : firstVersion(x.commitment);
			prevCommitment = x.commitment;
			break;
		case 'amendment': {
			const a = x.amendment || {};
			content = [diffTable([{ field: a.field, old: a.oldValue, new: a.newValue }]),
				a.reason ? h('p', null, h('strong', null, `${t('c.reason')}${t('colon')}`), txt(a.reason)) : null,
				a.date ? h('p', { class: 'muted' }, date(a.date)) : null];
			break;
		}
		case 'statusUpdate': {
			const s = x.statusUpdate || {};
			const rows = [{ plain: true, field: t('c.status'), old: prevStatus ? t(`completion.${prevStatus.completion || 'COMPLETION_UNSPECIFIED'}`) : t('completion.COMPLETION_UNSPECIFIED'), new: t(`completion.${s.completion || 'COMPLETION_UNSPECIFIED'}`) },
				{ plain: true, field: t('m.progress'), old: prevStatus ? `${num(prevStatus.progressPercent || 0)} %` : t('none'), new: `${num(s.progressPercent || 0)} %` }];
			content = [diffTable(rows), s.date ? h('p', { class: 'muted' }, date(s.date)) : null, s.note ? txt(s.note, 'p') : null];
			prevStatus = s;
			break;
		}
		case 'milestoneUpdate': {
			const m = x.milestoneUpdate || {};
			content = [h('p', null, h('strong', null, t('c.milestone', { id: m.milestoneId })), ' ',
				milestoneTitles.has(m.milestoneId) ? txt(milestoneTitles.get(m.milestoneId)) : null, ' ',
				milestoneBadge(m.status || 'MILESTONE_STATUS_UNSPECIFIED'), m.date ? ` — ${date(m.date)}` : ''),
			m.note ? txt(m.note, 'p') : null];
			break;
		}
		case 'assessment': {
			const a = x.assessment || {};
			content = [h('dl', { class: 'facts' },
				h('dt', null, t('c.assessor')), h('dd', null, a.assessor || t('none')),
				h('dt', null, t('c.status')), h('dd', null, t(`completion.${a.completion || 'COMPLETION_UNSPECIFIED'}`)),
				a.effect ? [h('dt', null, t('c.effect')), h('dd', null, a.effect.replace('OPEN_GOV_EFFECT_', '').toLowerCase().replace(/_/g, ' '))] : null),
			a.comment ? txt(a.comment, 'p') : null];
			break;
		}
		case 'consultation': {
			const k = x.consultation || {};
			content = [h('p', null, date(k.date), ' — ', txt(k.subject)), k.outcome ? txt(k.outcome, 'p') : null];
			break;
		}
		default:
			content = h('pre', { class: 'json', dir: 'ltr' }, JSON.stringify(x, null, 2));
		}
		const label = t(`kindof.${e.kind}`) === `kindof.${e.kind}` ? e.kind : t(`kindof.${e.kind}`);
		return h('li', { class: `hist hist-${e.kind}`, 'data-index': String(e.index) },
			h('div', { class: 'hist-head' },
				h('span', { class: 'hist-kind' }, label),
				h('a', { href: `#/entry/${seg(slug)}/${e.index}` }, t('c.index', { n: num(e.index) })),
				proofLink(slug, e.index, { small: true }),
				h('span', { class: 'muted' }, t('c.published', { d: dateTime(e.published) }))),
			h('div', { class: 'hist-body' }, content));
	});
}

function firstVersion(cm) {
	if (!cm) return null;
	return h('p', { class: 'muted' }, t('c.firstVersion'), cm.milestones ? ` · ${cm.milestones.length} ${t('m.milestones').toLowerCase()}` : '');
}

// Dotted paths of a commitment's fields; milestones by id; texts by language.
function flatten(o, prefix = '', out = new Map()) {
	if (o === null || o === undefined) return out;
	if (Array.isArray(o)) {
		if (o.every((x) => x && typeof x === 'object' && 'id' in x)) o.forEach((x) => flatten(x, `${prefix}[${x.id}]`, out));
		else out.set(prefix, o.join(', '));
	} else if (typeof o === 'object') {
		for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
	} else out.set(prefix, String(o));
	return out;
}

function diff(a, b) {
	const fa = flatten(a), fb = flatten(b);
	const keys = [...new Set([...fa.keys(), ...fb.keys()])];
	return keys.filter((k) => fa.get(k) !== fb.get(k)).map((k) => ({ field: k, old: fa.get(k), new: fb.get(k) }));
}

function diffTable(rows) {
	if (!rows.length) return h('p', { class: 'muted' }, t('c.nochange'));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'data diff' },
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('c.field')), h('th', { scope: 'col' }, t('c.old')), h('th', { scope: 'col' }, t('c.new')))),
		h('tbody', null, rows.map((r) => h('tr', null,
			h('th', { scope: 'row' }, r.plain ? r.field : h('code', null, r.field)),
			h('td', { class: 'old', dir: 'auto' }, r.old === undefined || r.old === '' ? t('none') : r.old),
			h('td', { class: 'new', dir: 'auto' }, r.new === undefined || r.new === '' ? t('none') : r.new))))));
}
