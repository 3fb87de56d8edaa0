// Browser tests of issue 13's pages (called by run.js against its federation, which has the
// demo's observer association, o1, and the story of the prefecture, m2): the observer's
// assessments on the commitment page beside the council's reported progress, the subscribe links
// and the feeds they open, the search box of every page (Arabic with and without diacritics),
// the indicator page's target history with its hidden change in red linking to the integrity
// finding, the access-to-information and petitions page against the law's deadline, field names
// and plurals in the reader's language, tables as cards at 390 px, and
// axe-core finding no serious or critical violation on the pages, in French, Arabic and English.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const LANGS = ['fr', 'ar', 'en'];
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// T: {check, assert, eq, waitFor, visit, go, shot, newPage, browser, context, api, base, N}
export async function civicChecks(T) {
	const { check, assert, eq, waitFor, visit, go, shot, api, base, N } = T;
	const pref = N.m2, obs = N.o1;
	const disputed = `#/commitment/${pref.slug}/RBT-2024-02`;
	const agreed = `#/commitment/${pref.slug}/RBT-2024-01`;
	const indicator = `#/indicator/${pref.slug}/IND-AI-01`;
	const page = await T.newPage(T.context);
	const setLang = async (lang) => {
		await visit(page, base, '#/network');
		await page.click(`button[data-lang=${lang}]`);
		await page.waitForFunction((l) => document.documentElement.lang === l && document.body.dataset.ready, lang);
	};

	await check('the node the browser reads holds the observer\'s assessments of the prefecture\'s commitments', async () => {
		await waitFor('two observer assessments on m1', async () => {
			const a = (await api(`/api/v1/commitments/${pref.slug}/RBT-2024-01`)).assessments || [];
			const b = (await api(`/api/v1/commitments/${pref.slug}/RBT-2024-02`)).assessments || [];
			return a.some((x) => x.origin === obs.origin) && b.some((x) => x.origin === obs.origin);
		}, 60000);
	});

	for (const lang of LANGS) {
		await check(`the commitment page shows the observer disputing the council's progress, and agreeing on another (${lang})`, async () => {
			const c = await api(`/api/v1/commitments/${pref.slug}/RBT-2024-02`);
			const a = c.assessments.find((x) => x.origin === obs.origin);
			await setLang(lang);
			await go(page, disputed);
			const got = await page.evaluate((o) => {
				const li = [...document.querySelectorAll('[data-assessment]')].find((e) => e.dataset.assessment.startsWith(`${o}/`));
				const rep = document.querySelector('[data-reported]');
				return li && {
					stance: li.dataset.stance, observer: li.dataset.observer, text: li.textContent,
					badge: (li.querySelector('[data-stance-badge]') || {}).textContent,
					reported: rep && rep.dataset.reported, reportedText: rep && rep.textContent,
					// the council's progress and the observer's assessment in one section
					together: rep && rep.closest('section') === li.closest('section'),
				};
			}, obs.slug);
			assert(got, 'no assessment of the observer on the page');
			eq([got.stance, got.observer, got.reported, got.together], ['disputes', 'true', c.status, true], 'stance, signer, council\'s status, side by side');
			const comment = a.entry.assessment.comment[lang];
			assert(got.text.includes(comment), `the observer's comment in ${lang}: ${got.text.slice(0, 200)}`);
			assert(got.reportedText.includes(`${c.progress}`), `the council's ${c.progress} % shown: ${got.reportedText}`);
			assert(got.badge && got.badge.length > 3, 'a stance badge in words');
			await shot(page, `assessment-disputed-${lang}`);
			await go(page, agreed);
			const st = await page.$eval(`[data-assessment^="${obs.slug}/"]`, (e) => e.dataset.stance);
			eq(st, 'agrees', 'the observer confirms RBT-2024-01');
		});
	}

	await check('subscribe links on the member and commitment pages open valid Atom feeds in the reader\'s language', async () => {
		for (const lang of LANGS) {
			await setLang(lang);
			for (const [hash, feed] of [[disputed, `/feeds/${pref.slug}/RBT-2024-02.atom`], [`#/member/${pref.slug}`, `/feeds/${pref.slug}.atom`]]) {
				await go(page, hash);
				const href = await page.getAttribute(`a[data-feed="${feed}"]`, 'href');
				eq(href, `${feed}?lang=${lang}`, `${hash}: subscribe link`);
				eq(await page.getAttribute(`a[data-feed="${feed}"]`, 'type'), 'application/atom+xml', 'link type');
				const r = await T.context.request.get(`${base}${href}`);
				eq(r.status(), 200, `${href}: status`);
				assert(/^application\/atom\+xml/.test(r.headers()['content-type']), `${href}: content type ${r.headers()['content-type']}`);
				const xml = await r.text();
				assert(new RegExp(`<feed[^>]*xml:lang="${lang}"`).test(xml), `${href}: xml:lang=${lang}`);
				if (feed.endsWith('RBT-2024-02.atom')) {
					assert(xml.includes(`<remacto:origin>${obs.origin}</remacto:origin>`) && xml.includes('<category term="observer-assessment"/>'),
						`${href}: the observer's assessment is an item`);
				}
			}
		}
	});

	await check('every page has the search box; an Arabic query with diacritics finds the commitment, as without', async () => {
		await setLang('ar');
		for (const hash of ['#/network', `#/member/${pref.slug}`, disputed, indicator, '#/compliance', '#/benchmark', '#/federation']) {
			await go(page, hash);
			assert(await page.$('header form[role=search] input[data-search=q]'), `${hash}: no search box`);
		}
		const want = `commitment:${pref.slug}:RBT-2024-02`;
		const results = async (q) => {
			await page.fill('header input[data-search=q]', q);
			await page.press('header input[data-search=q]', 'Enter');
			await page.waitForFunction((x) => document.body.dataset.ready === `#/search?q=${encodeURIComponent(x)}`, q);
			return page.$$eval('[data-result]', (e) => e.map((x) => x.dataset.result));
		};
		const plain = await results('شباك');
		const marked = await results('الشُّبَّاك');   // with the article, shadda and damma
		assert(plain.includes(want), `شباك finds ${want}: ${plain.join(', ')}`);
		eq(marked, plain, 'with diacritics and the article, the same results');
		await shot(page, 'search-ar');
		await page.click(`[data-result="${want}"] a`);
		await page.waitForFunction((h) => document.body.dataset.ready === h, disputed);
	});

	await check('search filters and a query with nothing to search for', async () => {
		await setLang('fr');
		await go(page, `#/search?q=${encodeURIComponent('guichet')}&member=${pref.slug}&kind=commitment`);
		const r = await page.$$eval('[data-result]', (e) => e.map((x) => x.dataset.result));
		eq(r, [`commitment:${pref.slug}:RBT-2024-02`], 'one member, one kind');
		// The node answers 400 (nothing to search for): the browser logs the failed request.
		const p = await T.newPage(T.context, { tolerate: /status of 400/ });
		await visit(p, base, `#/search?q=${encodeURIComponent('de la')}`);
		assert(await p.$('[data-state=empty]') && !(await p.$('[data-state=error]')), 'stop words only: an empty state, not an error');
		await p.close();
	});

	for (const lang of LANGS) {
		await check(`the indicator page shows every target, the hidden change in red linking to the integrity finding (${lang})`, async () => {
			const ind = await api(`/api/v1/indicators/${pref.slug}/IND-AI-01`);
			const hidden = ind.targetHistory.filter((r) => r.hidden);
			assert(hidden.length === 1, `the demo has one hidden change: ${JSON.stringify(ind.targetHistory)}`);
			await setLang(lang);
			await go(page, indicator);
			const rows = await page.$$eval('[data-story] tbody tr', (trs) => trs.map((tr) => [tr.dataset.field, tr.dataset.how, Number(tr.dataset.index)]));
			eq(rows, ind.targetHistory.map((r) => [r.field, r.hidden ? 'hidden' : r.how, r.index]), 'one row per target value');
			const red = await page.$eval('tr.hidden-change > td', (td) => getComputedStyle(td).backgroundColor);
			eq(red, 'rgb(253, 228, 225)', 'the hidden change\'s row is red');
			eq(await page.getAttribute('[data-hidden-count]', 'data-hidden-count'), '1', 'the count in the page head');
			const pts = await page.getAttribute(`canvas[data-indicator="IND-AI-01"]`, 'data-points');
			assert(pts && pts.split(',').length >= 4, `chart of measurements, baseline, targets and the replaced target: ${pts}`);
			await shot(page, `indicator-${lang}`);
			await page.click('[data-finding-link]');
			await page.waitForFunction(() => document.body.dataset.ready.startsWith('#/compliance') && document.querySelector('#report tr.target'));
			const f = await page.$eval('#report tr.target', (tr) => [tr.dataset.code, tr.dataset.subject]);
			eq(f, ['integrity.hidden-change', hidden[0].finding.subject], 'the finding the link leads to');
		});
	}

	await check('the network page lists the observer; its page shows what it signed, linking to the commitments', async () => {
		const reg = await api('/api/v1/members?kind=observer');
		const o = reg.members.find((m) => m.origin === obs.origin);
		await setLang('fr');
		await go(page, '#/network');
		eq(await page.$$eval('[data-observer-card]', (e) => e.map((x) => x.dataset.observerCard)), reg.members.map((m) => m.member), 'observers listed');
		await page.click(`[data-observer-card="${obs.slug}"] a`);
		await page.waitForFunction((h) => document.body.dataset.ready === h, `#/member/${obs.slug}`);
		eq((await page.textContent('h1')).trim(), o.name.fr, 'the observer\'s name from the registry');
		const signed = await page.$$eval('[data-signed]', (e) => e.map((x) => x.dataset.signed));
		eq(signed.filter((x) => x.startsWith('assessment/')).length, 2, `its two assessments: ${signed}`);
		assert(await page.$(`a[href="#/commitment/${pref.slug}/RBT-2024-02"]`), 'a link to the disputed commitment');
		assert(!(await page.$('[data-status]')), 'no compliance status for an observer');
	});

	for (const lang of LANGS) {
		await check(`the access-to-information page shows each member's figures against law 31-13's deadline (${lang})`, async () => {
			await waitFor('the prefecture\'s access figures on m1', async () => {
				const r = await api('/api/v1/benchmarks/AI-04?group=all');
				return r.groups.some((g) => g.rows.some((x) => x.member === pref.slug && !x.missing));
			}, 60000);
			const want = {};
			for (const code of ['AI-04', 'AI-05', 'AI-02', 'AI-06', 'AI-03', 'AI-01', 'PE-01', 'PE-02', 'PE-03']) {
				const r = await api(`/api/v1/benchmarks/${code}?group=all`);
				want[code] = r.groups.flatMap((g) => g.rows).find((x) => x.member === pref.slug);
			}
			await setLang(lang);
			await go(page, `#/access?member=${pref.slug}`);
			const row = await page.$eval(`table[data-access=ai] tr[data-member="${pref.slug}"]`, (tr) => ({
				values: [...tr.querySelectorAll('[data-value]')].map((e) => Number(e.dataset.value)),
				deadline: (tr.querySelector('[data-deadline]') || { dataset: {} }).dataset.deadline,
				own: tr.classList.contains('own'),
			}));
			eq(row.values, ['AI-04', 'AI-05', 'AI-02', 'AI-06', 'AI-03', 'AI-01'].filter((c) => want[c] && !want[c].missing).map((c) => want[c].rawValue),
				'the prefecture\'s values as it published them');
			eq([row.deadline, row.own], [want['AI-01'].rawValue > 20 ? 'beyond' : 'within', true], 'AI-01 against 20 working days; the row marked');
			const law = await page.$eval(`table[data-access=pe] tr[data-member="${pref.slug}"]`, (tr) => tr.lastElementChild.textContent);
			assert(law.includes('112-14'), `a prefecture's petitions fall under organic law 112-14: ${law}`);
			const missing = await page.$$eval('table[data-access=ai] tr[data-member] [data-missing]', (e) => e.length);
			assert(missing > 0, 'members that published nothing are shown as not published');
			await shot(page, `access-${lang}`);
			await go(page, `#/member/${pref.slug}`);
			const mine = await page.$$eval(`[data-access-member="${pref.slug}"] [data-value]`, (e) => e.map((x) => Number(x.dataset.value)));
			assert(mine.includes(want['AI-04'].rawValue) && mine.includes(want['PE-01'].rawValue), `the member page shows its own figures: ${mine}`);
		});
	}

	const FIELD = { fr: ['Jalon M1 — Échéance', '1 jalon'], ar: ['المرحلة M1 — الأجل', 'مرحلة واحدة'], en: ['Milestone M1 — Due date', '1 milestone'] };
	for (const lang of LANGS) {
		await check(`history reads in the reader's language: field names and plurals (${lang})`, async () => {
			await setLang(lang);
			await go(page, `#/commitment/${pref.slug}/RBT-2024-03`);
			const f = await page.$$eval('table.diff th[data-field]', (ths) => ths.map((th) => [th.dataset.field, th.textContent]));
			const due = f.find((x) => x[0] === 'milestones[M1].dueDate');
			assert(due, `the amendment of M1's due date is in the history: ${JSON.stringify(f)}`);
			eq(due[1], FIELD[lang][0], 'field name');
			assert(!f.some((x) => /^[a-z]+[A-Z]|\.(fr|ar|en)$/.test(x[1])), `no raw field name shown: ${JSON.stringify(f)}`);
			await go(page, disputed);
			const first = await page.textContent('li.hist-commitment .hist-body');
			assert(first.includes(FIELD[lang][1]), `"${FIELD[lang][1]}" in "${first}"`);
		});
	}

	await check('at 390 px, tables are cards that keep status and score visible; no page is wider than the screen', async () => {
		const p = await T.newPage(T.context);
		await p.setViewportSize({ width: 390, height: 844 });
		for (const hash of ['#/network', disputed, indicator, `#/search?q=${encodeURIComponent('شباك')}`, `#/compliance?member=${pref.slug}`]) {
			await visit(p, base, hash);
			const w = await p.evaluate(() => document.documentElement.scrollWidth);
			assert(w <= 391, `${hash}: page is ${w}px wide`);
		}
		await visit(p, base, '#/network');
		const cards = await p.$$eval('tr[data-member]', (trs) => trs.map((tr) => {
			const seen = (el) => { const b = el && el.getBoundingClientRect(); return !!b && b.width > 0 && b.left >= 0 && b.right <= 390; };
			const scoreLabel = document.querySelector('th[data-key="score"]').textContent.trim();
			const score = [...tr.cells].find((td) => td.dataset.label === scoreLabel);
			return { display: getComputedStyle(tr).display, status: seen(tr.querySelector('[data-status]')), score: seen(score) && /^\d+$/.test(score.textContent.trim()) };
		}));
		assert(cards.length >= 4, 'member rows');
		for (const c of cards) eq(c, { display: 'block', status: true, score: true }, 'a card with its status and score');
		await shot(p, 'network-cards-phone');
		await visit(p, base, indicator);
		await shot(p, 'indicator-phone');
		await p.close();
	});

	// axe-core in a context without the node's Content-Security-Policy (the script is injected).
	const ctx = await T.browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
	const ap = await ctx.newPage();
	const pages = ['#/network', `#/member/${pref.slug}`, disputed, indicator, `#/search?q=${encodeURIComponent('شباك')}`,
		`#/compliance?member=${pref.slug}`, '#/benchmark?code=AI-01', `#/access?member=${pref.slug}`, `#/member/${obs.slug}`, '#/federation'];
	for (const lang of LANGS) {
		for (const width of [1280, 390]) {
			await check(`axe-core: no serious or critical accessibility violation (${lang}, ${width} px)`, async () => {
				await ap.setViewportSize({ width, height: 900 });
				await visit(ap, base, '#/network');
				await ap.click(`button[data-lang=${lang}]`);
				await ap.waitForFunction((l) => document.documentElement.lang === l && document.body.dataset.ready, lang);
				const bad = [];
				for (const hash of pages) {
					await go(ap, hash);
					if (!(await ap.evaluate(() => !!window.axe))) await ap.evaluate(AXE);
					const r = await ap.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
					for (const v of r.violations) {
						if (v.impact === 'serious' || v.impact === 'critical') bad.push(`${hash}: ${v.impact} ${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
					}
				}
				eq(bad, [], 'violations');
			});
		}
	}
	await ctx.close();
	await setLang('fr');   // the checks after these read French
	await page.close();
}
