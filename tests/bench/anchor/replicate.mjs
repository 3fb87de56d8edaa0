#!/usr/bin/env node
// Anchor benchmark: hypercore replication over loopback TCP.
// A writer core with N deterministic ~300-byte blocks (built untimed, batches
// of 1000) is served on 127.0.0.1:<ephemeral>; a fresh reader core (own temp
// dir, default storage) connects, replicates via core.replicate(), and
// downloads the whole range [0, N). Timed from net.connect() until the
// download request resolves (all N blocks verified and stored locally).
// By default the writer runs in a forked child process (writer and reader each
// get their own event loop / CPU); --inprocess keeps both in one process.
// TCP_NODELAY is set on both ends. Prints one JSON line.
//
//   node replicate.mjs [--blocks N] [--size BYTES] [--timeout SECONDS] [--inprocess]
import Hypercore from 'hypercore'
import net from 'node:net'
import { fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hypercoreVersion, parseArgs, fail, makeBatches, makeBlock, round } from './common.mjs'

const USAGE =
  'usage: node replicate.mjs [--blocks N=100000] [--size BYTES=300] [--timeout SECONDS=300] [--inprocess]'
const WRITE_BATCH = 1000

const opts = parseArgs(process.argv.slice(2), {
  blocks: { def: 100000, type: 'int' },
  size: { def: 300, type: 'int' },
  timeout: { def: 300, type: 'int' },
  inprocess: { def: false, type: 'flag' },
  role: { def: 'reader', type: 'string' }, // internal: 'writer' for the forked child
  wdir: { def: null, type: 'string' } // internal: writer storage dir (created by the parent)
}, USAGE)

function noop () {}

// ---- writer side: build the core, serve it on loopback ----------------------
async function startWriter (dir, blocks, size) {
  const core = new Hypercore(dir)
  await core.ready()
  for (const arr of makeBatches(blocks, WRITE_BATCH, size)) await core.append(arr)
  if (core.length !== blocks) throw new Error(`writer length ${core.length} != ${blocks}`)

  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', noop)
    socket.setNoDelay(true)
    socket.on('close', () => sockets.delete(socket))
    const stream = core.replicate(false)
    stream.on('error', noop)
    socket.pipe(stream).pipe(socket)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })

  async function stop () {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
    await core.close().catch(noop)
  }

  return { port: server.address().port, key: core.key.toString('hex'), length: core.length, stop }
}

// Forked child: run the writer and report port/key to the parent over IPC.
if (opts.role === 'writer') {
  let writer = null
  const exit = async () => {
    if (writer) await writer.stop().catch(noop)
    process.exit(0)
  }
  process.on('disconnect', exit) // parent gone or finished
  process.on('message', (m) => { if (m === 'stop') exit() })
  try {
    writer = await startWriter(opts.wdir, opts.blocks, opts.size)
    process.send({ port: writer.port, key: writer.key, length: writer.length })
  } catch (err) {
    process.stderr.write(`replicate.mjs (writer): ${err && err.stack ? err.stack : err}\n`)
    process.exit(1)
  }
} else {
  await runReader()
}

async function forkWriter (dir) {
  const child = fork(fileURLToPath(import.meta.url),
    ['--role', 'writer', '--wdir', dir, '--blocks', String(opts.blocks), '--size', String(opts.size)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const info = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`writer process exited early (code ${code})`)))
    child.once('error', reject)
  })
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.send('stop')
    const t = setTimeout(() => child.kill('SIGKILL'), 10000)
    await exited
    clearTimeout(t)
  }
  return { ...info, stop, child }
}

async function runReader () {
  let writer = null
  let reader = null
  let socket = null
  let child = null
  const writerDir = await mkdtemp(join(tmpdir(), 'remacto-anchor-repl-w-'))
  const readerDir = await mkdtemp(join(tmpdir(), 'remacto-anchor-repl-r-'))

  // Overall bound (includes building the writer core).
  const timer = setTimeout(() => {
    process.stderr.write(`replicate.mjs: timed out after ${opts.timeout} s ` +
      `(reader contiguous prefix ${reader ? reader.contiguousLength : 0}/${opts.blocks} blocks)\n`)
    const done = () => {
      rmSync(writerDir, { recursive: true, force: true })
      rmSync(readerDir, { recursive: true, force: true })
      process.exit(3)
    }
    if (child && child.exitCode === null && child.signalCode === null) {
      child.once('exit', done)
      child.kill('SIGKILL')
    } else {
      done()
    }
  }, opts.timeout * 1000)

  try {
    if (opts.inprocess) {
      writer = await startWriter(writerDir, opts.blocks, opts.size)
    } else {
      writer = await forkWriter(writerDir)
      child = writer.child
    }
    if (writer.length !== opts.blocks) throw new Error(`writer reports length ${writer.length}`)

    reader = new Hypercore(readerDir, Buffer.from(writer.key, 'hex'))
    await reader.ready()
    if (reader.writable) throw new Error('reader unexpectedly writable')
    if (reader.contiguousLength !== 0) throw new Error('reader core is not fresh')

    const t0 = process.hrtime.bigint()
    socket = net.connect({ host: '127.0.0.1', port: writer.port })
    socket.on('error', noop)
    socket.setNoDelay(true) // no Nagle: hypercore is request/response (its usual UDX transport has none)
    const stream = reader.replicate(true)
    stream.on('error', noop)
    socket.pipe(stream).pipe(socket)

    await reader.download({ start: 0, end: opts.blocks }).done()
    const t1 = process.hrtime.bigint()

    // Untimed sanity checks: everything is local and the content is right.
    if (reader.length !== opts.blocks) throw new Error(`reader length ${reader.length} != ${opts.blocks}`)
    if (reader.contiguousLength !== opts.blocks) {
      throw new Error(`reader contiguousLength ${reader.contiguousLength} != ${opts.blocks}`)
    }
    if (!(await reader.has(0, opts.blocks))) throw new Error('reader is missing blocks')
    for (const i of [0, 1, opts.blocks >> 1, opts.blocks - 1]) {
      if (i < 0 || i >= opts.blocks) continue
      const got = await reader.get(i, { wait: false })
      if (!got || !got.equals(makeBlock(i, opts.size))) throw new Error(`block ${i} content mismatch`)
    }

    const seconds = Number(t1 - t0) / 1e9
    process.stdout.write(JSON.stringify({
      anchor: 'hypercore-replicate',
      version: hypercoreVersion(),
      blocks: opts.blocks,
      seconds: round(seconds, 4),
      blocks_per_s: round(opts.blocks / seconds, 1)
    }) + '\n')
  } catch (err) {
    process.stderr.write(`replicate.mjs: ${err && err.stack ? err.stack : err}\n`)
    process.exitCode = 1
  } finally {
    if (socket) socket.destroy()
    if (reader) await reader.close().catch(noop)
    if (writer) await writer.stop().catch(noop)
    else if (child) child.kill('SIGKILL')
    await rm(writerDir, { recursive: true, force: true })
    await rm(readerDir, { recursive: true, force: true })
    clearTimeout(timer)
  }
}
