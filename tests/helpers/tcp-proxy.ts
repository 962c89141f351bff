/**
 * A TCP proxy on a free loopback port in front of a real server, so a test can take "the server" down and bring it
 * back on the same port without stopping the server itself (Ceph RGW takes ~10 s to start): `down()` closes the
 * listening socket (new connections are refused, as with a server that is not running) and cuts every open
 * connection; `up()` listens again. `cutAfter(bytes)` takes it down from inside the data flow, once that many bytes
 * went from clients to the server: a server that dies mid-run, at a point given in bytes, not in time.
 */
import net from 'node:net'
import { afterEach } from 'vitest'

/** A proxy in front of one server. */
export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number
  /** Bytes clients sent to the server so far. */
  readonly upstreamBytes: number
  /** Refuses new connections and cuts the open ones. */
  down(): Promise<void>
  /** Accepts connections again, on the same port. */
  up(): Promise<void>
  /** Goes down by itself once `bytes` more bytes went from clients to the server; resolves when it did. */
  cutAfter(bytes: number): Promise<void>
  /** Stops for good. */
  stop(): Promise<void>
}

const open: TcpProxy[] = []
afterEach(async () => {
  for (const p of open.splice(0)) await p.stop()
})

/** Starts a proxy to `127.0.0.1:targetPort`; it is stopped after the test. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let upstreamBytes = 0
  let cut: { at: number; done: () => void } | undefined
  let server: net.Server | undefined
  let port = 0

  const cutAll = (): void => {
    for (const s of sockets) s.destroy()
    sockets.clear()
  }

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1')
        sockets.add(client)
        sockets.add(upstream)
        const drop = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on('error', drop)
        upstream.on('error', drop)
        client.on('close', drop)
        upstream.on('close', drop)
        client.on('data', (chunk: Buffer) => {
          upstreamBytes += chunk.length
          if (cut && upstreamBytes >= cut.at) {
            const done = cut.done
            cut = undefined
            void proxy.down().then(done)
            return
          }
          upstream.write(chunk)
        })
        upstream.on('data', (chunk: Buffer) => client.write(chunk))
      })
      srv.once('error', reject)
      srv.listen(port, '127.0.0.1', () => {
        port = (srv.address() as net.AddressInfo).port
        server = srv
        resolve()
      })
    })

  const close = (): Promise<void> =>
    new Promise((resolve) => {
      const srv = server
      server = undefined
      cutAll()
      if (!srv) return resolve()
      srv.close(() => resolve())
    })

  const proxy: TcpProxy = {
    get port() {
      return port
    },
    get upstreamBytes() {
      return upstreamBytes
    },
    down: close,
    up: async () => {
      if (!server) await listen()
    },
    cutAfter: (bytes) =>
      new Promise<void>((done) => {
        cut = { at: upstreamBytes + bytes, done }
      }),
    stop: close,
  }
  await listen()
  open.push(proxy)
  return proxy
}
