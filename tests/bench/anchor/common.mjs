// Shared helpers for the hypercore anchor benchmarks (append.mjs, replicate.mjs).
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)

// Version of the hypercore package actually installed in ./node_modules.
export function hypercoreVersion () {
  const pkgPath = require.resolve('hypercore/package.json')
  return JSON.parse(readFileSync(pkgPath, 'utf8')).version
}

// Minimal --name value parser. `spec` maps option name -> { def, type }.
export function parseArgs (argv, spec, usage) {
  const out = {}
  for (const [k, v] of Object.entries(spec)) out[k] = v.def
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') {
      process.stdout.write(usage + '\n')
      process.exit(0)
    }
    let name, val
    if (a.startsWith('--') && a.includes('=')) {
      name = a.slice(2, a.indexOf('='))
      val = a.slice(a.indexOf('=') + 1)
    } else if (a.startsWith('--')) {
      name = a.slice(2)
      const s = spec[name]
      if (s && s.type === 'flag') val = 'true'
      else val = argv[++i]
    } else {
      fail(`unexpected argument: ${a}\n${usage}`)
    }
    const s = spec[name]
    if (!s) fail(`unknown option --${name}\n${usage}`)
    if (val === undefined) fail(`option --${name} needs a value\n${usage}`)
    if (s.type === 'int') {
      const n = Number(val)
      if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer, got ${val}`)
      out[name] = n
    } else if (s.type === 'flag') {
      out[name] = val !== 'false'
    } else {
      out[name] = val
    }
  }
  return out
}

export function fail (msg, code = 2) {
  process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n')
  process.exit(code)
}

// Deterministic pseudo-random block content: xorshift32 stream, seeded per
// block index, so block i is identical in every run and every process.
export function makeBlock (index, size) {
  const buf = Buffer.allocUnsafe(size)
  let x = (index * 0x9e3779b1 + 0x7f4a7c15) >>> 0
  if (x === 0) x = 0x2545f491
  let i = 0
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    buf.writeUInt32LE(x, i)
  }
  for (; i < size; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    buf[i] = x & 0xff
  }
  return buf
}

// Pre-generate all blocks, grouped into arrays of `batch` for core.append(array).
export function makeBatches (blocks, batch, size) {
  const out = []
  for (let start = 0; start < blocks; start += batch) {
    const end = Math.min(blocks, start + batch)
    const arr = new Array(end - start)
    for (let i = start; i < end; i++) arr[i - start] = makeBlock(i, size)
    out.push(arr)
  }
  return out
}

export function round (n, digits) {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
