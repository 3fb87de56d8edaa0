// Entry — one log entry (where compliance findings and history items point), its content as
// canonical JSON, the commitment it concerns, and "verify" for it alone.

import { getJSON, seg } from '../api.js';
import { t, num, dateTime } from '../i18n.js';
import { h, state, section, loading, errorState, clear } from '../dom.js';
import { directory, memberLink, memberName } from './common.js';
import { verifyPanel, proofLink } from './verifyview.js';

function commitmentOf(x) {
	if (!x) return null;
	if (x.commitment) return x.commitment.id;
	for (const k of ['statusUpdate', 'milestoneUpdate', 'assessment', 'consultation', 'indicator']) if (x[k] && x[k].commitmentId) return x[k].commitmentId;
	if (x.amendment && x.amendment.subject === 'SUBJECT_COMMITMENT') return x.amendment.subjectId;
	return null;
}

export default async function entry(ctx) {
	const { main, signal, params } = ctx;
	const [slug, idx] = params;
	const i = Number(idx);
	const body = h('div', null, loading());
	main.append(body);
	let page, dir;
	try {
		[page, dir] = await Promise.all([
			getJSON(`/api/v1/logs/${seg(slug)}/entries?start=${i}&limit=1`, { signal }),
			directory(signal).catch(() => null),
		]);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	const name = memberName(dir, slug);
	ctx.setTitle(t('e.title', { i: num(i), name }));
	body.append(h('p', { class: 'crumbs' }, memberLink(dir, slug)), h('h1', null, t('e.title', { i: num(i), name })));
	const e = page && page.entries && page.entries[0];
	if (!e || e.index !== i) {
		body.append(state('empty', t('state.noentry'), `${slug} #${i}`));
		return;
	}
	const x = e.entry || {};
	const kind = Object.keys(x).find((k) => k !== 'schema' && k !== 'published') || 'unknown';
	const cid = commitmentOf(x);
	body.append(section(t(`kindof.${kind}`) === `kindof.${kind}` ? kind : t(`kindof.${kind}`),
		h('p', { class: 'muted' }, dateTime(x.published)),
		cid ? h('p', null, `${t('e.related')}${t('colon')}`, h('a', { href: `#/commitment/${seg(slug)}/${seg(cid)}` }, cid)) : null,
		h('h3', null, t('e.raw')),
		h('pre', { class: 'json', dir: 'ltr', 'data-entry': String(i) }, JSON.stringify(x, null, 2))));
	body.append(section(t('v.title'), verifyPanel(ctx, slug, () => [{ index: i, entry: x }]),
		h('p', { class: 'proof-download' }, proofLink(slug, i), ' ', h('span', { class: 'muted' }, t('v.downloadHint')))));
}
