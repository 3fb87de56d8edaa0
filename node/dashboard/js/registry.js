// registry — the network's registry as the browser checks it, trusting nothing but the network
// authority's verifier key, which the node serves with the page (/ui/authority.txt) and the page
// shows:
//
//   1. the registry's checkpoint (/logs/<registry slug>/checkpoint) carries a valid Ed25519
//      signature by that key, and names it as its origin;
//   2. every registry entry (/api/v1/logs/<registry slug>/entries, their exact bytes) hashes
//      (RFC 6962) to that checkpoint's root: nothing is missing, added or changed;
//   3. the entries are folded by the registry's own rules (peers/registry.c): members and the
//      keys they were admitted or rotated to, with the entry that did it; suspensions; the
//      witness quorum (witnessPolicy). A rotation that reaches back, an admission of a member
//      already in, an entry about a non-member change nothing, as on every node.
//
// From that, keyFor() says which key must sign a checkpoint of a log at a size, and policy()
// which witnesses count and how many are needed — the same tlog-policy that GET /api/v1/policy
// serves (docs/PROTOCOL.md §6), computed here from signed bytes instead of believed. A registry
// is read once per checkpoint and kept for the page's life.

import { getJSON, getText, seg, slugOf } from './api.js';

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });
const PAGE = 1000;
const TOP = 'network.quorum';

// ---- protobuf, the few fields the registry's kinds use ----

// The varint at buf[i]: [value as BigInt, the index after it]. Throws on malformed input.
export function varintAt(buf, i) {
	let x = 0n, shift = 0n;
	for (;;) {
		if (i >= buf.length || shift > 63n) throw new Error('varint');
		const b = buf[i++];
		x |= BigInt(b & 0x7f) << shift;
		if (!(b & 0x80)) return [x, i];
		shift += 7n;
	}
}

// The fields of a message: Map field number → [values] (Uint8Array for length-delimited,
// BigInt for varints). Throws on malformed input.
function fields(buf) {
	const out = new Map();
	let i = 0, x;
	const varint = () => { [x, i] = varintAt(buf, i); return x; };
	while (i < buf.length) {
		const key = varint();
		const no = Number(key >> 3n), wt = Number(key & 7n);
		let v;
		if (wt === 0) v = varint();
		else if (wt === 1) { v = null; i += 8; }
		else if (wt === 5) { v = null; i += 4; }
		else if (wt === 2) {
			const n = Number(varint());
			if (i + n > buf.length) throw new Error('length');
			v = buf.subarray(i, i + n);
			i += n;
		} else throw new Error('wire type');
		if (i > buf.length) throw new Error('truncated');
		if (!out.has(no)) out.set(no, []);
		out.get(no).push(v);
	}
	return out;
}

const str = (f, no) => { const v = f.get(no); return v && v[v.length - 1] instanceof Uint8Array ? td.decode(v[v.length - 1]) : ''; };
const num = (f, no) => { const v = f.get(no); return v && typeof v[v.length - 1] === 'bigint' ? v[v.length - 1] : 0n; };
const msg = (f, no) => { const v = f.get(no); return v && v[v.length - 1] instanceof Uint8Array ? fields(v[v.length - 1]) : null; };

// ---- hashes ----

async function sha256(...parts) {
	const n = parts.reduce((a, p) => a + p.length, 0);
	const b = new Uint8Array(n);
	let o = 0;
	for (const p of parts) { b.set(p, o); o += p.length; }
	return new Uint8Array(await crypto.subtle.digest('SHA-256', b));
}

// RFC 6962 §2.1: the root of leaves[lo, hi).
async function mth(leaves, lo, hi) {
	if (hi - lo === 1) return leaves[lo];
	let k = 1;
	while (k * 2 < hi - lo) k *= 2;
	const [l, r] = await Promise.all([mth(leaves, lo, lo + k), mth(leaves, lo + k, hi)]);
	return sha256(new Uint8Array([0x01]), l, r);
}

// ---- the registry ----

const cache = new Map(); // registry checkpoint text → Promise of the folded registry

function b64dec(s) {
	const bin = atob(s);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

function hexOf(u8) { return Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join(''); }

// Reads and checks the registry of the authority key `anchor` (verify.js's parsed key), with
// `lib` = {parseNote, parseCheckpoint, checkNoteSignature, VerifyError}. Resolves to
// {origin, slug, size, root, checkpoint, leaves, members: Map, order: [origin], policy}.
export async function loadRegistry(anchor, lib, { signal } = {}) {
	const slug = slugOf(anchor.name);
	const text = await getText(`/logs/${seg(slug)}/checkpoint`, { signal });
	if (!cache.has(text)) {
		const p = fold(anchor, lib, slug, text, signal);
		cache.set(text, p);
		p.catch(() => cache.delete(text));
	}
	return cache.get(text);
}

async function fold(anchor, lib, slug, text, signal) {
	const { parseNote, parseCheckpoint, checkNoteSignature, VerifyError } = lib;
	const note = parseNote(text);
	const cp = parseCheckpoint(note.text);
	if (cp.origin !== anchor.name || (await checkNoteSignature(note, anchor)) !== true) {
		throw new VerifyError('v.e.regsig', { o: anchor.name });
	}
	const size = Number(cp.size);
	const raws = [];
	for (let start = 0; start < size; start += PAGE) {
		const page = await getJSON(`/api/v1/logs/${seg(slug)}/entries?start=${start}&limit=${PAGE}`, { signal, fresh: true });
		for (const e of page.entries || []) if (e.index === raws.length && raws.length < size) raws.push(b64dec(e.raw));
		if (!(page.entries || []).length) break;
	}
	if (raws.length !== size) throw new VerifyError('v.e.regroot', { n: raws.length, size });
	const leaves = await Promise.all(raws.map((r) => sha256(new Uint8Array([0x00]), r)));
	const root = size ? await mth(leaves, 0, size) : await sha256();
	if (hexOf(root) !== hexOf(cp.root)) throw new VerifyError('v.e.regroot', { n: size, size });

	const members = new Map(), order = [];
	let policy = null;
	raws.forEach((raw, index) => {
		let f;
		try { f = fields(raw); } catch (e) { return; }
		let m;
		if ((m = msg(f, 30))) { // memberAdmission
			const o = str(m, 1);
			if (!o || o === anchor.name || members.has(o)) return;
			members.set(o, { origin: o, keys: [{ vkey: str(m, 2), fromSize: 0n, index, kind: 'memberAdmission', date: str(m, 9) }], suspended: false, atSize: 0n });
			order.push(o);
		} else if ((m = msg(f, 31))) { // keyRotation
			const r = members.get(str(m, 1));
			const from = num(m, 3);
			if (r && from > r.keys[r.keys.length - 1].fromSize) r.keys.push({ vkey: str(m, 2), fromSize: from, index, kind: 'keyRotation', date: str(m, 5) });
		} else if ((m = msg(f, 32))) { // memberSuspension
			const r = members.get(str(m, 1));
			if (r) { r.suspended = num(m, 2) === 0n; r.atSize = num(m, 3); r.suspensionIndex = index; }
		} else if ((m = msg(f, 36))) { // witnessPolicy
			policy = { quorum: Number(num(m, 1)), groups: (m.get(2) || []).map((g) => {
				const gf = fields(g);
				return { name: str(gf, 1), threshold: Number(num(gf, 2)), members: (gf.get(3) || []).map((x) => td.decode(x)) };
			}) };
		}
	});
	return { origin: anchor.name, slug, size, root, checkpoint: text, leaves, members, order, witnessPolicy: policy };
}

// The key that must sign a checkpoint of `size` entries of origin: {vkey, index, kind, date}
// (index: the registry entry that set it; null for the registry's own log), or {error, …}.
export function keyFor(reg, anchorVkey, origin, size) {
	if (origin === reg.origin) return { vkey: anchorVkey, index: null, kind: 'authority' };
	const m = reg.members.get(origin);
	if (!m) return { error: 'v.e.notmember' };
	if (m.suspended && BigInt(size) > m.atSize) return { error: 'v.e.suspended', at: m.atSize.toString() };
	let k = null;
	for (const x of m.keys) if (x.fromSize <= BigInt(size)) k = x;
	return k ? { ...k } : { error: 'v.e.notmember' };
}

// Every key the registry ever gave origin (the evidence of a fork is signed by one of them).
export function keysOf(reg, origin) {
	const m = reg.members.get(origin);
	return m ? m.keys.map((k) => k.vkey) : [];
}

// The trust policy (peers/trust.c's, from the same entries): witnesses [{name, vkey (the log
// key, type 0x01)}], groups [{name, k, members}] in order, the top group last.
export function policy(reg, anchorVkey, parseKeyString) {
	const witnesses = [{ name: reg.origin, vkey: anchorVkey }];
	for (const o of reg.order) {
		const m = reg.members.get(o);
		const vk = m.keys[m.keys.length - 1].vkey;
		if (m.suspended || !parseKeyString(vk, o)) continue;
		witnesses.push({ name: o, vkey: vk });
	}
	const names = new Set(witnesses.map((w) => w.name));
	const groups = [];
	const gnames = new Set();
	const wp = reg.witnessPolicy;
	for (const g of (wp && wp.groups) || []) {
		if (names.has(g.name) || g.name === TOP) continue;
		const mem = g.members.filter((x) => names.has(x) || gnames.has(x));
		if (!mem.length) continue;
		groups.push({ name: g.name, k: Math.min(g.threshold || mem.length, mem.length), members: mem });
		gnames.add(g.name);
	}
	const top = groups.length ? groups.map((g) => g.name) : witnesses.map((w) => w.name);
	groups.push({ name: TOP, k: Math.min((wp && wp.quorum) || 1, top.length), members: top });
	return { witnesses, groups };
}

// Whether the policy's quorum is met by the witness names in `cosigned` (a Set).
export function quorumMet(pol, cosigned) {
	const sat = new Map();
	for (const w of pol.witnesses) sat.set(w.name, cosigned.has(w.name));
	for (const g of pol.groups) sat.set(g.name, g.members.filter((x) => sat.get(x)).length >= g.k);
	return sat.get(TOP);
}

export { te as encoder, hexOf };
