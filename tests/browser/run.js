// Browser tests of the dashboard: playwright-core (pinned in package-lock.json) drives Debian's
// /usr/bin/chromium headless against real nodes on loopback, started here:
//   - a federation from deploy/federation.sh (the authority, 4 members and an observer
//     association, mesh, TLS, seeded with the demo programme and the observer's story), plus one
//     member admitted in the registry without a node;
//   - a plain-HTTP read-only mirror with no data and no authority (the empty states).
// Issue 13's pages (assessments, feeds, search, the indicator page, cards, axe-core) are checked
// by civic.js. Every check prints "ok - …" or "not ok - …"; the last line is "browser: N passed,
// N failed".
// Screenshots of every page go to BUILD/browser/, and the Network page's time to interactive
// with 1,600 members (measured, not asserted) to BUILD/browser/perf.txt.
//
// Usage: node tests/browser/run.js BUILD   (tests/browser/run.sh installs playwright-core)

import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { civicChecks } from './civic.js';

const BUILD = path.resolve(process.argv[2] || 'build');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(BUILD, 'browser');
const FEDSH = path.join(ROOT, 'deploy/federation.sh');
const T = mkdtempSync(path.join(tmpdir(), 'remacto-browser-'));
const FED = path.join(T, 'fed');
const WAIT = 20000;
const PERF_MEMBERS = 1600;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

let passed = 0, failed = 0;
const children = [];

function ok(name) { passed++; console.log(`ok - ${name}`); }
function notok(name, why) {
	failed++;
	console.log(`not ok - ${name}`);
	for (const l of String(why && (why.stack || why.message) || why).split('\n').slice(0, 12)) console.log(`#   ${l}`);
}
async function check(name, fn) {
	try {
		await fn();
		ok(name);
	} catch (e) {
		notok(name, e);
	}
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
function eq(a, b, msg) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = WAIT) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try { if (await fn()) return; } catch (e) { last = e; }
		await sleep(200);
	}
	throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
	});
}

// ---- nodes ----

function nodesOf(dir) {
	const out = {};
	for (const l of readFileSync(path.join(dir, 'nodes'), 'utf8').trim().split('\n')) {
		const [name, origin, pub, adm] = l.split(/\s+/);
		out[name] = { name, origin, slug: origin.slice(origin.lastIndexOf('/') + 1), pub: Number(pub), adm: Number(adm),
			url: `https://127.0.0.1:${pub}`, token: readFileSync(path.join(dir, name, 'data', 'admin.token'), 'utf8').trim() };
	}
	return out;
}

async function publish(node, entries) {
	const res = await fetch(`http://127.0.0.1:${node.adm}/api/v1/entries`, {
		method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${node.token}` }, body: JSON.stringify(entries),
	});
	const body = await res.text();
	if (!res.ok) throw new Error(`publish to ${node.name}: ${res.status} ${body.slice(0, 300)}`);
	return JSON.parse(body);
}

// A member admission with a fresh Ed25519 key (C2SP verifier key: name+hex8+base64(0x01 ‖ key)).
function admission(k) {
	const origin = `remacto.ma/commune-perf-${k}`;
	const { publicKey } = generateKeyPairSync('ed25519');
	const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
	const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4);
	const vkey = `${origin}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`;
	const regions = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
	return {
		schema: 1, published: '2026-01-01T00:00:00Z',
		memberAdmission: {
			origin, verifierKey: vkey, hcpCode: String(9000000 + k), kind: 'MEMBER_KIND_COMMUNE',
			name: { fr: `Commune de test ${k}`, ar: `جماعة تجريبية ${k}` }, regionCode: regions[k % 12],
			population: String(5000 + (k * 7919) % 400000), censusYear: '2014', date: '2026-01-01',
		},
	};
}

// ---- browser helpers ----

let browser;
const consoleErrors = [];

async function newPage(context, { tolerate } = {}) {
	const page = await context.newPage();
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		if (tolerate && tolerate.test(m.text())) return;
		consoleErrors.push(`${page.url()}: console: ${m.text()}`);
	});
	page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
	return page;
}

// A fresh load of the dashboard at hash (not a same-document hash change).
async function visit(page, base, hash) {
	if (page.url() !== 'about:blank') await page.goto('about:blank');
	await page.goto(`${base}/ui/${hash}`);
	await page.waitForFunction((h) => document.body.dataset.ready === h, hash, { timeout: WAIT });
}

async function go(page, hash) {
	await page.evaluate((h) => { location.hash = h; }, hash);
	await page.waitForFunction((h) => document.body.dataset.ready === h, hash, { timeout: WAIT });
}

async function shot(page, name) {
	await page.waitForTimeout(150);
	await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

// Non-null points of each dataset of the Chart.js chart on the canvas matching sel.
function chartPoints(page, sel) {
	return page.evaluate((s) => {
		const c = document.querySelector(s);
		const ch = c && window.Chart && window.Chart.getChart(c);
		if (!ch) return null;
		return ch.data.datasets.map((d) => d.data.filter((v) => v !== null && v !== undefined).length);
	}, sel);
}

async function apiJSON(context, url) {
	const r = await context.request.get(url);
	assert(r.ok(), `${url}: HTTP ${r.status()}`);
	return r.json();
}

// ---- the run ----

async function main() {
	// A federation: the authority, 4 members and an observer in a mesh, TLS, seeded.
	try {
		execFileSync(FEDSH, ['start', FED, '4', '--topology', 'mesh', '--seed', '--observers', '1', '--build', BUILD], { stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		notok('the federation starts (deploy/federation.sh)', `${e.stdout || ''}${e.stderr || ''}`);
		return;
	}
	const N = nodesOf(FED);
	const m1 = N.m1;                       // the node the browser talks to (its own log and replicas)
	const sale = N.m4;                     // commune-sale, a replica on m1
	const base = m1.url;

	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
	const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
	const api = (p) => apiJSON(context, `${base}${p}`);

	await check('the federation converges: m1 holds every log, with cosignatures', async () => {
		await waitFor('5 logs of 19+ entries and the observer\'s on m1', async () => {
			const logs = (await api('/api/v1/logs')).logs;
			return logs.length === 6 && logs.every((l) => l.size >= (l.origin === N.o1.origin ? 3 : 19));
		}, 60000);
		await waitFor('a witness cosignature on commune-sale\'s checkpoint', async () => {
			const r = await context.request.get(`${base}/logs/${sale.slug}/checkpoint`);
			return (await r.text()).split('\n').filter((l) => l.startsWith('\u2014 ')).length >= 2;
		}, 60000);
	});

	// A member admitted by the authority that runs no node yet: a member without data.
	await check('a member without a node is admitted (registry admin API)', async () => {
		const a = admission(99999);
		a.memberAdmission = { ...a.memberAdmission, origin: 'remacto.ma/commune-sans-donnees', name: { fr: 'Commune sans données', ar: 'جماعة بدون معطيات' } };
		// Its verifier key must name its origin: make one for that origin.
		const { publicKey } = generateKeyPairSync('ed25519');
		const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
		const o = a.memberAdmission.origin;
		const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${o}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4);
		a.memberAdmission.verifierKey = `${o}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`;
		await publish(N.registry, a);
		await waitFor('the new member on m1', async () => (await api('/api/v1/compliance')).members.some((m) => m.member === 'commune-sans-donnees'));
	});

	// A read-only mirror with nothing in it, plain HTTP, no authority.
	const mp = await freePort();
	let ma = await freePort();
	while (ma === mp) ma = await freePort();
	const mconf = path.join(T, 'mirror.conf');
	writeFileSync(mconf, `[node]\ndata = ${path.join(T, 'mirror')}\n[public]\nlisten = 127.0.0.1:${mp}\n[admin]\nlisten = 127.0.0.1:${ma}\n[log]\nlevel = warn\n`);
	const mirror = spawn(path.join(BUILD, 'remactod'), ['--config', mconf], { stdio: ['ignore', 'ignore', 'pipe'] });
	children.push(mirror);
	const mbase = `http://127.0.0.1:${mp}`;
	await waitFor('the mirror\'s /healthz', async () => (await fetch(`${mbase}/healthz`)).ok).catch((e) => notok('the empty mirror starts', e));

	const page = await newPage(context);
	const pages = [
		['network', '#/network'],
		['member', `#/member/${sale.slug}`],
		['commitment', `#/commitment/${sale.slug}/SLE-2024-03`],
		['entry', `#/entry/${sale.slug}/13`],
		['compliance', `#/compliance?member=${sale.slug}`],
		['benchmark', `#/benchmark?code=TR-03&group=kind&member=${sale.slug}`],
		['federation', '#/federation'],
		['member-nodata', '#/member/commune-sans-donnees'],
		['commitment-observed', `#/commitment/${N.m2.slug}/RBT-2024-02`],
		['indicator', `#/indicator/${N.m2.slug}/IND-AI-01`],
		['search', `#/search?q=${encodeURIComponent('شباك')}`],
	];

	// ---- every page, every language ----
	for (const lang of ['fr', 'ar', 'en']) {
		await check(`every page loads without console errors (${lang})`, async () => {
			const before = consoleErrors.length;
			await visit(page, base, '#/network');
			await page.click(`button[data-lang=${lang}]`);
			await page.waitForFunction((l) => document.documentElement.lang === l && document.body.dataset.ready, lang);
			for (const [name, hash] of pages) {
				await go(page, hash);
				const st = await page.$$eval('[data-state=error]', (els) => els.map((e) => e.textContent));
				assert(!st.length, `${name} shows an error state: ${st.join(' | ')}`);
				await shot(page, `${name}-${lang}`);
			}
			eq(consoleErrors.slice(before), [], 'console errors');
		});
	}

	// ---- Arabic ----
	await check('Arabic flips the layout to right-to-left and shows Arabic names; the choice is remembered', async () => {
		const ov = await api('/api/v1/compliance');
		const want = ov.members.find((m) => m.member === sale.slug).name.ar;
		await visit(page, base, '#/network');
		await page.click('button[data-lang=ar]');
		await page.waitForFunction(() => document.documentElement.dir === 'rtl' && document.body.dataset.ready);
		eq(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction), 'rtl', 'direction of <main>');
		const name = await page.textContent(`tr[data-member="${sale.slug}"] th a`);
		eq(name.trim(), want, 'Arabic name from the registry');
		const title = await page.textContent('h1');
		assert(/[\u0600-\u06FF]/.test(title), `Arabic page title, got ${title}`);
		await page.reload();
		await page.waitForFunction(() => document.body.dataset.ready);
		eq(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ['ar', 'rtl'], 'after reload');
		await shot(page, 'network-ar-rtl');
		await page.click('button[data-lang=fr]');
		await page.waitForFunction(() => document.documentElement.dir === 'ltr');
		const fr = ov.members.find((m) => m.member === sale.slug).name.fr;
		await page.waitForFunction((s) => { const a = document.querySelector(`tr[data-member="${s}"] th a`); return a && a.textContent; }, sale.slug);
		eq((await page.textContent(`tr[data-member="${sale.slug}"] th a`)).trim(), fr, 'French name back');
	});

	// ---- issue 13: observers, feeds, search, target stories, cards, axe-core ----
	await civicChecks({ check, assert, eq, waitFor, visit, go, shot, newPage, browser, context, api, base, N });

	// ---- charts ----
	await check('member charts have one point per measurement, baseline and target', async () => {
		const inds = (await api(`/api/v1/indicators?member=${sale.slug}`)).indicators;
		const meas = (await api(`/api/v1/measurements?member=${sale.slug}`)).measurements;
		assert(inds.length >= 1, 'the seed has indicators');
		await visit(page, base, `#/member/${sale.slug}`);
		for (const ind of inds) {
			const series = new Map();
			for (const m of meas.filter((x) => x.indicatorId === ind.id)) {
				const k = (m.dimensions || []).map((d) => `${d.name}=${d.value}`).join(', ');
				if (!series.has(k)) series.set(k, new Set());
				series.get(k).add(m.period);
			}
			const want = [...series.values()].map((s) => s.size);
			if (ind.baselinePeriod && ind.baselineValue !== undefined) want.push(1);
			if ((ind.targets || []).length) want.push(new Set(ind.targets.map((x) => x.period)).size);
			const got = await chartPoints(page, `canvas[data-indicator="${ind.id}"]`);
			eq(got, want, `points of ${ind.id}`);
			eq(await page.getAttribute(`canvas[data-indicator="${ind.id}"]`, 'data-points'), want.join(','), `data-points of ${ind.id}`);
		}
	});

	await check('benchmark charts: one bar per reporting member, one point per period of the series', async () => {
		for (const code of ['TR-03', 'AI-01']) {
			const r = await api(`/api/v1/benchmarks/${code}?group=kind&member=${sale.slug}`);
			await visit(page, base, `#/benchmark?code=${code}&group=kind&member=${sale.slug}`);
			for (const g of r.groups) {
				const got = await chartPoints(page, `canvas[data-group="${g.key}"]`);
				if (!g.reported) {
					eq(got, null, `no chart for group ${g.key} where nobody reported`);
					continue;
				}
				eq(got, [g.reported, g.rows.length], `${code} ${g.key}: bars and the median line`);
			}
			const s = await chartPoints(page, `canvas[data-series="${sale.slug}"]`);
			if (r.series.length) eq(s[0], r.series.length, `${code}: series points`);
			else eq(s, null, `${code}: no series chart`);
		}
	});

	await check('network trend chart: one point per month with members', async () => {
		const ov = await api('/api/v1/compliance');
		await visit(page, base, '#/network');
		const got = await chartPoints(page, '.chart canvas');
		eq(got, [ov.trend.filter((p) => p.members).length], 'trend points');
	});

	// ---- verify ----
	async function runVerify(hash) {
		await visit(page, base, hash);
		await page.click('[data-action=verify]');
		await page.waitForFunction(() => ['ok', 'fail'].includes(document.querySelector('.verify-out').dataset.verify), null, { timeout: WAIT });
		return page.evaluate(() => ({
			state: document.querySelector('.verify-out').dataset.verify,
			text: document.querySelector('.verdict').textContent,
			role: document.querySelector('.verdict').getAttribute('role'),
			visible: !!document.querySelector('.verdict').offsetParent,
			witnesses: [...document.querySelectorAll('[data-witness]')].map((w) => [w.dataset.witness, w.dataset.witnessState]),
			steps: [...document.querySelectorAll('[data-step]')].map((x) => x.dataset.step),
			error: document.querySelector('.verify-out').dataset.error || '',
			anchor: (document.querySelector('[data-anchor]') || { dataset: {} }).dataset.anchor || '',
		}));
	}
	// A note with text re-signed by a fresh key named as origin: what a dishonest node would
	// serve along with that key.
	const fakeSigner = (origin) => {
		const { publicKey, privateKey } = generateKeyPairSync('ed25519');
		const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
		const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4);
		return {
			vkey: `${origin}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`,
			sign: (note) => {
				const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
				const sig = sign(null, Buffer.from(text), privateKey);
				return `${text}\n\u2014 ${origin} ${Buffer.concat([id, sig]).toString('base64')}\n`;
			},
		};
	};
	const commitmentHash = `#/commitment/${sale.slug}/SLE-2024-03`;

	await check('verify succeeds on a real commitment history, against the registry, with the witness quorum', async () => {
		const r = await runVerify(commitmentHash);
		eq(r.state, 'ok', `verdict (${r.text})`);
		const good = r.witnesses.filter((w) => w[1] === 'ok');
		assert(good.length >= 1, `at least one verified witness, got ${JSON.stringify(r.witnesses)}`);
		assert(!r.witnesses.some((w) => w[1] === 'bad'), `no invalid cosignature: ${JSON.stringify(r.witnesses)}`);
		for (const st of ['v.step.anchor', 'v.step.registry', 'v.step.keyAdmitted', 'v.step.sig', 'v.step.quorum']) {
			assert(r.steps.includes(st), `step ${st} shown, got ${r.steps.join(', ')}`);
		}
		const reg = await api('/api/v1/logs/registry');
		eq(r.anchor, reg.verifierKey, 'the authority key shown with the page is the registry\'s');
		await shot(page, 'verify-ok');
	});

	await check('verify succeeds on an entry of the node\'s own log', async () => {
		const r = await runVerify(`#/entry/${m1.slug}/3`);
		eq(r.state, 'ok', `verdict (${r.text})`);
	});

	await check('"Download proof" saves a .tlog-proof that remacto proof verify accepts offline', async () => {
		const policy = path.join(T, 'policy');
		writeFileSync(policy, await (await context.request.get(`${base}/api/v1/policy`)).text());
		for (const hash of [commitmentHash, `#/entry/${sale.slug}/13`]) {
			await visit(page, base, hash);
			const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.proof-download a[data-proof]')]);
			const name = dl.suggestedFilename();
			assert(new RegExp(`^${sale.slug}-\\d+\\.tlog-proof$`).test(name), `file name ${name}`);
			const file = path.join(T, name);
			await dl.saveAs(file);
			const out = execFileSync(path.join(BUILD, 'remacto'), ['proof', 'verify', '--policy', policy, file]).toString();
			assert(/\nVERIFIED\n$/.test(out), out);
		}
	});

	await check('verify fails visibly when the node serves a member key the registry never admitted', async () => {
		const fake = fakeSigner(sale.origin);
		await page.route(`**/api/v1/logs/${sale.slug}`, async (route) => {
			const res = await route.fetch();
			const j = JSON.parse(await res.text());
			j.verifierKey = fake.vkey;
			await route.fulfill({ response: res, body: JSON.stringify(j) });
		});
		await page.route(`**/logs/${sale.slug}/checkpoint`, async (route) => {
			const res = await route.fetch();
			await route.fulfill({ response: res, body: fake.sign(await res.text()) });
		});
		try {
			const r = await runVerify(commitmentHash);
			eq([r.state, r.role, r.error], ['fail', 'alert', 'v.e.keymismatch'], 'verdict, announced, the step that failed');
			assert(r.visible && /jamais admise/.test(r.text) && r.text.includes(fake.vkey.split('+').slice(0, 2).join('+')),
				`a visible failure naming the key, got "${r.text}"`);
			await shot(page, 'verify-fail-key');
		} finally {
			await page.unroute(`**/api/v1/logs/${sale.slug}`);
			await page.unroute(`**/logs/${sale.slug}/checkpoint`);
		}
	});

	await check('verify fails visibly when the registry is not signed by the authority', async () => {
		const fake = fakeSigner('remacto.ma/registry');
		await page.route('**/logs/registry/checkpoint', async (route) => {
			const res = await route.fetch();
			await route.fulfill({ response: res, body: fake.sign(await res.text()) });
		});
		try {
			const r = await runVerify(commitmentHash);
			eq([r.state, r.error], ['fail', 'v.e.regsig'], 'verdict and step');
		} finally {
			await page.unroute('**/logs/registry/checkpoint');
		}
	});

	const tamper = async (name, pattern, edit, file) => {
		await check(`verify fails visibly when ${name}`, async () => {
			await page.route(pattern, async (route) => {
				const res = await route.fetch();
				const body = await res.text();
				await route.fulfill({ response: res, body: edit(body) });
			});
			try {
				const r = await runVerify(commitmentHash);
				eq(r.state, 'fail', 'verdict');
				eq(r.role, 'alert', 'the failure is announced');
				assert(r.visible && /Échec de la vérification/.test(r.text), `visible failure, got "${r.text}"`);
				if (file) await shot(page, file);
			} finally {
				await page.unroute(pattern);
			}
		});
	};
	const flipB64 = (s) => {
		const b = Buffer.from(s, 'base64');
		b[0] ^= 0x01;
		return b.toString('base64');
	};
	await tamper('the inclusion proof is altered', '**/proof/inclusion*', (body) => {
		const j = JSON.parse(body);
		j.proof[0] = flipB64(j.proof[0]);
		return JSON.stringify(j);
	}, 'verify-fail-proof');
	await tamper('an entry\'s bytes are altered', '**/entries?start=*', (body) => {
		const j = JSON.parse(body);
		if (j.entries[0]) j.entries[0].raw = flipB64(j.entries[0].raw);
		return JSON.stringify(j);
	});
	await tamper('the checkpoint\'s root is replaced', `**/logs/${sale.slug}/checkpoint`, (body) => {
		const lines = body.split('\n');
		lines[2] = flipB64(lines[2]);
		return lines.join('\n');
	});
	await tamper('the page shows a text that was never signed', `**/api/v1/commitments/${sale.slug}/SLE-2024-03`, (body) => {
		const j = JSON.parse(body);
		j.history[0].entry.commitment.title.fr = 'Un titre réécrit par le serveur';
		j.title.fr = 'Un titre réécrit par le serveur';
		return JSON.stringify(j);
	});

	// ---- tables against the API ----
	await check('the compliance table matches /api/v1/compliance', async () => {
		const ov = await api('/api/v1/compliance');
		await visit(page, base, '#/compliance');
		const rows = await page.$$eval('tr[data-member]', (trs) => trs.map((tr) => [tr.dataset.member, tr.dataset.status, Number(tr.dataset.score),
			tr.querySelector('[data-status]').dataset.status, tr.querySelectorAll('td.num')[0].textContent.trim()]));
		eq(rows.length, ov.members.length, 'rows');
		for (const m of ov.members) {
			const r = rows.find((x) => x[0] === m.member);
			assert(r, `row of ${m.member}`);
			eq([r[1], r[2], r[3], r[4]], [m.status, m.score, m.status, String(m.score)], `row of ${m.member}`);
		}
		const scores = rows.map((r) => r[2]);
		eq(scores, scores.slice().sort((a, b) => a - b), 'sorted by score');
	});

	await check('the compliance table shows each member\'s critical, major, minor and info findings', async () => {
		const ov = await api('/api/v1/compliance');
		assert(ov.members.some((m) => m.findings.major + m.findings.minor > 0), 'some member has findings');
		await visit(page, base, '#/compliance');
		const rows = await page.$$eval('tr[data-member]', (trs) => trs.map((tr) => [tr.dataset.member,
			[...tr.querySelectorAll('td.num')].slice(1, 5).map((td) => td.textContent.trim())]));
		for (const m of ov.members) {
			const r = rows.find((x) => x[0] === m.member);
			assert(r, `row of ${m.member}`);
			eq(r[1], ['critical', 'major', 'minor', 'info'].map((k) => String(m.findings[k])), `findings of ${m.member}`);
		}
	});

	await check('in Arabic, a member\'s findings read in Arabic with the action to take', async () => {
		const rep = await api(`/api/v1/compliance/${sale.slug}`);
		assert(rep.findings.length > 0, 'sale has findings');
		await visit(page, base, '#/compliance');
		await page.click('button[data-lang=ar]');
		await page.waitForFunction(() => document.documentElement.lang === 'ar' && document.body.dataset.ready);
		await page.click(`[data-findings="${sale.slug}"]`);
		await page.waitForSelector('#report table.findings');
		const got = await page.$$eval('#report table.findings tbody tr', (trs) => trs.map((tr) => [tr.dataset.code,
			tr.querySelector('[data-text]').textContent, tr.querySelector('[data-action-text] span').textContent]));
		eq(got, rep.findings.map((f) => [f.code, f.ar, f.action.ar]), 'findings and actions in Arabic');
		await shot(page, 'compliance-findings-ar');
		await page.click('button[data-lang=fr]');
		await page.waitForFunction(() => document.documentElement.lang === 'fr' && document.body.dataset.ready);
	});

	await check('compliance, member and benchmark pages print: a Print button, and paper without the navigation', async () => {
		for (const hash of ['#/compliance', `#/member/${sale.slug}`, `#/benchmark?code=TR-03&member=${sale.slug}`]) {
			await visit(page, base, hash);
			await page.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed++; }; });
			await page.click('[data-action=print]');
			eq(await page.evaluate(() => window.__printed), 1, `${hash}: the button prints`);
			await page.emulateMedia({ media: 'print' });
			const shown = await page.evaluate(() => ['header.top', 'nav', '.filters', '[data-action=print]', 'h1', 'table.data']
				.map((sel) => { const e = document.querySelector(sel); return e ? getComputedStyle(e).display !== 'none' : null; }));
			await shot(page, `print-${hash.replace(/[^a-z]/g, '')}`);
			await page.emulateMedia({ media: 'screen' });
			eq(shown.slice(0, 2), [false, false], `${hash}: no header or navigation on paper`);
			assert(shown[2] !== true && shown[3] === false, `${hash}: no filters or buttons on paper`);
			eq(shown.slice(4), [true, true], `${hash}: the title and the table are printed`);
		}
	});

	await check('compliance findings link to the entries behind them', async () => {
		const rep = await api(`/api/v1/compliance/${sale.slug}`);
		await visit(page, base, '#/compliance');
		await page.click(`[data-findings="${sale.slug}"]`);
		await page.waitForSelector('#report table.findings, #report [data-state=ok]');
		const n = await page.$$eval('#report table.findings tbody tr', (t) => t.length);
		eq(n, rep.findings.length, 'findings');
		const want = rep.findings.flatMap((f) => f.logIndexes || []);
		const links = await page.$$eval('#report [data-entry-link]', (a) => a.map((x) => Number(x.dataset.entryLink)));
		eq(links, want, 'entry links');
		if (links.length) {
			await page.click('#report [data-entry-link]');
			await page.waitForFunction((i) => document.body.dataset.ready && document.querySelector(`pre[data-entry="${i}"]`), links[0]);
		}
	});

	await check('the compliance CSV download holds the rows shown', async () => {
		await visit(page, base, '#/compliance');
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=csv]')]);
		const file = path.join(T, 'compliance.csv');
		await dl.saveAs(file);
		const lines = readFileSync(file, 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
		const n = await page.$$eval('tr[data-member]', (t) => t.length);
		eq(lines.length, n + 1, 'CSV lines');
		assert(lines[0].startsWith('member,kind,region,status,score'), `CSV header: ${lines[0]}`);
	});

	await check('the benchmark tables match /api/v1/benchmarks (missing reports shown as missing)', async () => {
		for (const [code, group] of [['TR-03', 'all'], ['TR-03', 'kind'], ['AI-01', 'region']]) {
			const r = await api(`/api/v1/benchmarks/${code}?group=${group}&member=${sale.slug}`);
			await visit(page, base, `#/benchmark?code=${code}&group=${group}&member=${sale.slug}`);
			const got = await page.$$eval('tr[data-member]', (trs) => trs.map((tr) => [tr.dataset.member, tr.dataset.rank, tr.dataset.value, tr.dataset.missing === 'true']));
			const want = r.groups.flatMap((g) => g.rows.map((x) => [x.member, x.missing ? '' : String(x.rank), x.missing ? '' : String(x.value), !!x.missing]));
			eq(got, want, `${code} by ${group}`);
			const own = await page.$$eval('tr.own', (t) => t.map((x) => x.dataset.member));
			eq(own, [sale.slug], 'own row highlighted');
		}
	});

	// ---- live updates ----
	await check('live updates: new checkpoints show on the Network page without a reload', async () => {
		await visit(page, base, '#/network');
		await page.waitForFunction(() => document.getElementById('live').dataset.live === 'on', null, { timeout: WAIT });
		const before = (await api('/api/v1/logs')).logs;
		const m = (o) => before.find((l) => l.origin === o).size;
		const entry = { schema: 1, published: '2026-01-05T10:00:00Z', measurement: { indicatorId: 'IND-AI-01', period: '2025-Q4', value: 17 } };
		// A replica (fed's apply path) and the node's own log (the publisher).
		await publish(sale, [entry]);
		await page.waitForFunction(([o, n]) => { const e = document.querySelector(`[data-size="${o}"]`); return e && e.textContent.trim() === n; },
			[sale.origin, String(m(sale.origin) + 1)], { timeout: WAIT });
		await publish(m1, [entry, { ...entry, measurement: { ...entry.measurement, period: '2026-Q1', value: 15 } }]);
		await page.waitForFunction(([o, n]) => { const e = document.querySelector(`[data-size="${o}"]`); return e && e.textContent.trim() === n; },
			[m1.origin, String(m(m1.origin) + 2)], { timeout: WAIT });
		assert(await page.evaluate(() => performance.getEntriesByType('navigation').length === 1), 'no reload happened');
	});

	// ---- states ----
	await check('an unreachable API shows a clear state with a retry that works', async () => {
		const p = await newPage(context, { tolerate: /Failed to load resource|ERR_FAILED|ERR_CONNECTION/ });
		await p.route('**/api/v1/**', (r) => r.abort('connectionrefused'));
		await visit(p, base, '#/network');
		const txt = await p.textContent('[data-state=error]');
		assert(/Le nœud ne répond pas/.test(txt), `unreachable state, got "${txt}"`);
		await shot(p, 'state-unreachable');
		await p.unroute('**/api/v1/**');
		await p.click('[data-state=error] button');
		await p.waitForSelector('tr[data-member]', { timeout: WAIT });
		await p.close();
	});

	await check('a forked log is flagged on the Network and Member pages', async () => {
		const p = await newPage(context);
		const ev = { evidence: [{ origin: sale.origin, noteA: 'a', noteB: 'b', sizeA: 20, sizeB: 20 }] };
		await p.route('**/api/v1/evidence', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(ev) }));
		await visit(p, base, '#/network');
		assert(/bifurqué/i.test(await p.textContent('[data-state=error]')), 'forked banner on the Network page');
		eq(await p.getAttribute(`tr[data-member="${sale.slug}"] [data-repl]`, 'data-repl'), 'forked', 'replication state');
		await shot(p, 'state-forked-network');
		await go(p, `#/member/${sale.slug}`);
		assert(/bifurqué/i.test(await p.textContent('[data-state=error]')), 'forked banner on the Member page');
		await shot(p, 'state-forked-member');
		await p.close();
	});

	await check('a member with no data has a clear state', async () => {
		await visit(page, base, '#/member/commune-sans-donnees');
		assert(/n'a encore rien publié/.test(await page.textContent('[data-state=empty]')), 'no-data state');
		await visit(page, base, '#/member/nobody-here');
		assert(/Membre inconnu/.test(await page.textContent('[data-state=empty]')), 'unknown member state');
		await visit(page, base, '#/nowhere');
		assert(/introuvable/.test(await page.textContent('[data-state=empty]')), 'unknown page state');
	});

	await check('an empty node (a mirror with no data) shows empty states, not a blank page', async () => {
		const before = consoleErrors.length;
		const p = await newPage(context);
		await visit(p, mbase, '#/network');
		assert(/Aucun membre/.test(await p.textContent('[data-state=empty]')), 'no members');
		await shot(p, 'state-empty-network');
		await go(p, '#/federation');
		assert(/Aucun pair/.test(await p.textContent('[data-state=empty]')), 'no peers');
		await go(p, '#/benchmark');
		assert(await p.$('[data-state=empty]'), 'no catalog');
		await go(p, '#/compliance');
		assert(await p.$('[data-state=empty]'), 'no compliance rows');
		await p.waitForFunction(() => document.getElementById('live').dataset.live === 'on', null, { timeout: WAIT });
		await p.close();
		eq(consoleErrors.slice(before), [], 'console errors');
	});

	// ---- accessibility basics ----
	await check('keyboard: skip link, sortable headers, language buttons', async () => {
		await visit(page, base, '#/compliance');
		await page.keyboard.press('Tab');
		eq(await page.evaluate(() => document.activeElement.className), 'skip', 'first Tab stop');
		await page.keyboard.press('Enter');
		eq(await page.evaluate(() => document.activeElement.id), 'main', 'skip link moves focus to <main>');
		await page.focus('th[data-key="name"] button');
		await page.keyboard.press('Enter');
		eq(await page.getAttribute('th[data-key="name"]', 'aria-sort'), 'ascending', 'sorted by keyboard');
		const unlabelled = await page.$$eval('input, select', (els) => els.filter((e) => !e.labels || !e.labels.length).length);
		eq(unlabelled, 0, 'form controls without a label');
		eq(await page.$$eval('.langs button[aria-pressed]', (b) => b.length), 3, 'language buttons with aria-pressed');
	});

	await check('phone width (390 px): no page wider than the screen', async () => {
		const p = await newPage(context);
		await p.setViewportSize({ width: 390, height: 844 });
		for (const [name, hash] of pages.slice(0, 7)) {
			await visit(p, base, hash);
			const w = await p.evaluate(() => document.documentElement.scrollWidth);
			assert(w <= 391, `${name}: page is ${w}px wide`);
			if (['network', 'member', 'commitment'].includes(name)) await shot(p, `${name}-phone`);
		}
		await p.close();
	});

	// ---- a suspended member (issue 9): flagged on every node, and its own node says why it
	// refuses to publish; reinstated, the notice goes ----
	const suspend = (origin, atSize) => publish(N.registry, { schema: 1, memberSuspension: { origin, atSize: String(atSize), reason: { fr: 'Audit en cours', ar: 'تدقيق جار' }, date: '2026-01-02' } });
	const suspendedOnM1 = (slug, want) => async () => (await api('/api/v1/compliance')).members.some((m) => m.member === slug && !!m.suspended === want);
	await check('a suspended member is flagged on the network and member pages, with a link to its registry entry', async () => {
		const ix = (await suspend('remacto.ma/commune-sans-donnees', 0)).indexes[0];
		await waitFor('the suspension on m1', suspendedOnM1('commune-sans-donnees', true));
		await visit(page, base, '#/network');
		eq((await page.textContent('[data-stat=suspended]')).trim(), '1', 'suspended members stat');
		assert(await page.$('tr[data-member="commune-sans-donnees"] [data-suspended="0"]'), 'no suspended badge in the member\'s row');
		assert(!(await page.$('[data-suspension=own]')), 'm1 says it is suspended itself');
		await go(page, '#/member/commune-sans-donnees');
		assert(await page.$('.badges [data-suspended]'), 'no suspended badge on the member page');
		assert(await page.$('[data-suspension=member]'), 'no suspension notice on the member page');
		eq(await page.getAttribute('[data-suspension-entry]', 'href'), `#/entry/registry/${ix}`, 'link to the registry entry');
		await shot(page, 'member-suspended');
		await page.click('[data-suspension-entry]');
		await page.waitForFunction((h) => document.body.dataset.ready === h, `#/entry/registry/${ix}`, { timeout: WAIT });
		const text = await page.textContent('main');
		assert(text.includes('memberSuspension') && text.includes('Audit en cours'), 'the entry page shows the suspension and its reason');
	});
	await check('on the suspended member\'s own node the dashboard says it refuses to publish (403); reinstated, it publishes', async () => {
		const size = (await api(`/api/v1/logs/${m1.slug}`)).size;
		await suspend(m1.origin, size);
		await waitFor('m1 suspended on m1', suspendedOnM1(m1.slug, true));
		await visit(page, base, '#/network');
		assert(await page.$('[data-suspension=own]'), 'no "this node refuses to publish" notice');
		await shot(page, 'network-own-suspended');
		const res = await fetch(`http://127.0.0.1:${m1.adm}/api/v1/entries`, {
			method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${m1.token}` },
			body: JSON.stringify({ schema: 1, consultation: { id: 'BROWSER-SUSP', date: '2026-01-03' } }),
		});
		eq(res.status, 403, 'publishing while suspended');
		eq((await res.json()).error.suspended.atSize, size, 'the refusal carries the suspension');
		await publish(N.registry, { schema: 1, memberSuspension: { origin: m1.origin, lifted: true, date: '2026-01-04' } });
		await waitFor('m1 reinstated on m1', suspendedOnM1(m1.slug, false));
		await visit(page, base, '#/network');
		assert(!(await page.$('[data-suspension=own]')), 'the notice stays after reinstatement');
		await publish(m1, { schema: 1, consultation: { id: 'BROWSER-SUSP', date: '2026-01-03' } });
	});

	// ---- performance: the Network page with 1,600 members ----
	await check(`Network page with ${PERF_MEMBERS} members renders (time to interactive measured)`, async () => {
		const batch = [];
		for (let k = 1; k <= PERF_MEMBERS; k++) batch.push(admission(k));
		await publish(N.registry, batch);
		await waitFor(`${PERF_MEMBERS} more members on m1`, async () => (await api('/api/v1/compliance')).members.length >= PERF_MEMBERS, 60000);
		const total = (await api('/api/v1/compliance')).members.length;
		const p = await newPage(context);
		const times = [];
		for (let i = 0; i < 3; i++) {
			await p.goto('about:blank');
			const t0 = Date.now();
			await visit(p, base, '#/network');
			const wall = Date.now() - t0;
			const mark = await p.evaluate(() => performance.getEntriesByName('remacto-ready')[0].startTime);
			const rows = await p.$$eval('tr[data-member]', (t) => t.length);
			assert(rows >= 100, `rows shown: ${rows}`);
			times.push({ mark: Math.round(mark), wall });
		}
		// An interaction: typing in the search box until the table shows the match.
		const t1 = Date.now();
		await p.fill('[data-filter=q]', 'test 1599');
		await p.waitForFunction(() => document.querySelectorAll('tr[data-member]').length === 1);
		const filterMs = Date.now() - t1;
		await shot(p, 'network-1600');
		await p.close();
		const marks = times.map((x) => x.mark).sort((a, b) => a - b);
		const line = `network page, ${total} members, loopback HTTPS: interactive at ${marks[1]} ms after navigation start (median of 3: ${times.map((x) => x.mark).join(', ')} ms; wall ${times.map((x) => x.wall).join(', ')} ms); search filter ${filterMs} ms (incl. 120 ms debounce)`;
		writeFileSync(path.join(OUT, 'perf.txt'), `${line}\n`);
		console.log(`# ${line}`);
	});

	if (consoleErrors.length) console.log(`# console errors seen:\n#   ${consoleErrors.join('\n#   ')}`);
}

async function cleanup() {
	try { if (browser) await browser.close(); } catch (e) { /* gone */ }
	for (const c of children) {
		try { c.kill('SIGTERM'); } catch (e) { /* gone */ }
	}
	try { execFileSync(FEDSH, ['stop', FED], { stdio: 'ignore' }); } catch (e) { /* not started */ }
	if (!process.env.KEEP) rmSync(T, { recursive: true, force: true });
	else console.log(`# kept ${T}`);
}

process.on('SIGINT', async () => { await cleanup(); process.exit(130); });
try {
	await main();
} catch (e) {
	notok('the browser tests ran to the end', e);
} finally {
	await cleanup();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
