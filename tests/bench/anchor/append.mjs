#!/usr/bin/env node
// Anchor benchmark: append N deterministic ~300-byte blocks to a fresh
// hypercore (default storage: hypercore-storage on RocksDB, default write
// options) in batches of B via core.append(array). Prints one JSON line.
//
//   node append.mjs [--blocks N] [--batch B] [--size BYTES] [--dir DIR] [--timeout SECONDS]
import Hypercore from 'hypercore'
import { mkdtemp, rm, mkdir, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hypercoreVersion, parseArgs, fail, makeBatches, round } from './common.mjs'

const USAGE =
  'usage: node append.mjs [--blocks N=200000] [--batch B=1000] [--size BYTES=300] ' +
  '[--dir DIR (must be empty or absent; kept)] [--timeout SECONDS=600]'

const opts = parseArgs(process.argv.slice(2), {
  blocks: { def: 200000, type: 'int' },
  batch: { def: 1000, type: 'int' },
  size: { def: 300, type: 'int' },
  dir: { def: null, type: 'string' },
  timeout: { def: 600, type: 'int' }
}, USAGE)

const timer = setTimeout(() => {
  fail(`append.mjs: timed out after ${opts.timeout} s`, 3)
}, opts.timeout * 1000)

let dir
let removeDir = false
if (opts.dir) {
  dir = opts.dir
  await mkdir(dir, { recursive: true })
  if ((await readdir(dir)).length !== 0) fail(`append.mjs: --dir ${dir} is not empty (a fresh core is required)`)
} else {
  dir = await mkdtemp(join(tmpdir(), 'remacto-anchor-append-'))
  removeDir = true
}

let core = null
try {
  // Content is generated before timing starts, so only hypercore is measured.
  const batches = makeBatches(opts.blocks, opts.batch, opts.size)

  core = new Hypercore(dir)
  await core.ready()
  if (!core.writable) throw new Error('fresh core is not writable')

  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (const arr of batches) await core.append(arr)
  const t1 = process.hrtime.bigint()
  const c1 = process.cpuUsage(c0) // every thread of the process, RocksDB's included

  if (core.length !== opts.blocks) throw new Error(`core.length ${core.length} != ${opts.blocks}`)

  const seconds = Number(t1 - t0) / 1e9
  process.stdout.write(JSON.stringify({
    anchor: 'hypercore',
    version: hypercoreVersion(),
    blocks: opts.blocks,
    batch: opts.batch,
    seconds: round(seconds, 4),
    blocks_per_s: round(opts.blocks / seconds, 1),
    cpu_us_per_block: round((c1.user + c1.system) / opts.blocks, 2)
  }) + '\n')

  await core.close()
  core = null
} catch (err) {
  process.stderr.write(`append.mjs: ${err && err.stack ? err.stack : err}\n`)
  process.exitCode = 1
} finally {
  if (core) await core.close().catch(() => {})
  if (removeDir) await rm(dir, { recursive: true, force: true })
  clearTimeout(timer)
}
